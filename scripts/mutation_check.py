"""A small mutation check for the modules whose every line is a security or money rule. Run by hand, not in CI:

    .venv/bin/python scripts/mutation_check.py                 # every target, this working tree
    .venv/bin/python scripts/mutation_check.py --only money    # targets whose path contains "money"
    .venv/bin/python scripts/mutation_check.py --repo /tmp/old # another tree (e.g. `git archive` of an older commit)
    .venv/bin/python scripts/mutation_check.py --retest before.log  # only what survived an earlier run

Each mutant changes one thing in one module (a comparison, a boolean operator, a `not`, an arithmetic operator, an
integer or boolean constant, a `raise` or `return` turned into nothing), in a copy of the tree; the module's tests
then run against it. A mutant the tests do not fail "survives": either a test is missing, or the change makes no
difference that matters (say which, in the pull request). mutmut does not fit this layout (two import roots,
tests that start services), and this is about 200 lines.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGETS: dict[str, list[str]] = {
    "services/auth/sso.py": ["services/auth/tests/test_sso.py"],
    "services/auth/sessions.py": [
        "services/auth/tests/test_sessions.py",
        "services/auth/tests/test_sign_in.py",
        "services/auth/tests/test_retention.py",
    ],
    "services/gateway/portal/web_security.py": ["services/gateway/tests/test_web_security.py"],
    "libs/portal_kit/money.py": ["libs/portal_kit/tests/test_money.py", "services/billing/tests/test_arithmetic.py"],
}
SWAPS: dict[type, type] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
    ast.And: ast.Or, ast.Or: ast.And,
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv, ast.FloorDiv: ast.Mult, ast.Div: ast.Mult,
    ast.Mod: ast.FloorDiv,
}  # fmt: skip


@dataclass(frozen=True)
class Mutant:
    index: int  # position of the node in ast.walk order
    line: int
    what: str


@dataclass
class Result:
    target: str
    mutant: Mutant
    killed: bool
    seconds: float


def _in_annotation_or_docstring(tree: ast.Module) -> set[int]:
    """ids of nodes that are annotations or docstrings: changing them changes no behaviour."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        annotations = []
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            annotations.append(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            annotations.append(node.returns)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                annotations.append(first)
        for annotation in annotations:
            skip.update(id(child) for child in ast.walk(annotation))
    return skip


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _mutations(node: ast.AST) -> Iterator[str]:
    """The single changes this node allows, described."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in SWAPS:
                yield f"compare[{i}] {type(op).__name__} -> {SWAPS[type(op)].__name__}"
    elif isinstance(node, ast.BoolOp | ast.BinOp) and type(node.op) in SWAPS:
        yield f"{type(node.op).__name__} -> {SWAPS[type(node.op)].__name__}"
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "drop not"
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        yield f"{node.value} -> {not node.value}"
    elif isinstance(node, ast.Constant) and isinstance(node.value, int):
        yield f"{node.value} -> {node.value + 1}"
    elif isinstance(node, ast.Raise):
        yield "raise -> pass"
    elif isinstance(node, ast.Return) and node.value is not None and not _is_none(node.value):
        yield "return value -> return None"


def mutants(source: str) -> list[Mutant]:
    tree = ast.parse(source)
    skip = _in_annotation_or_docstring(tree)
    found = []
    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skip:
            continue
        for what in _mutations(node):
            found.append(Mutant(index, getattr(node, "lineno", 0), what))
    return found


class _Apply(ast.NodeTransformer):
    def __init__(self, target: ast.AST, what: str) -> None:
        self.target = target
        self.what = what

    def visit(self, node: ast.AST) -> ast.AST:
        if node is not self.target:
            return super().visit(node)
        what = self.what
        if isinstance(node, ast.Compare):
            i = int(what.split("[")[1].split("]")[0])
            node.ops[i] = SWAPS[type(node.ops[i])]()
        elif isinstance(node, ast.BoolOp | ast.BinOp):
            node.op = SWAPS[type(node.op)]()
        elif isinstance(node, ast.UnaryOp):
            return node.operand
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            node.value = not node.value
        elif isinstance(node, ast.Constant):
            node.value = node.value + 1
        elif isinstance(node, ast.Raise):
            return ast.Pass()
        elif isinstance(node, ast.Return):
            node.value = None
        return node


def mutated_source(source: str, mutant: Mutant) -> str:
    tree = ast.parse(source)
    target = list(ast.walk(tree))[mutant.index]
    tree = _Apply(target, mutant.what).visit(tree)
    return ast.unparse(ast.fix_missing_locations(tree))


def run_tests(tree: Path, tests: list[str], timeout: float) -> tuple[bool, float]:
    """Whether the tests passed, and how long they took (a timeout counts as a failure: the mutant hangs)."""
    env = {**os.environ, "PYTHONPATH": f"{tree}{os.pathsep}{tree / 'libs'}", "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
            cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return False, time.monotonic() - started
    return done.returncode == 0, time.monotonic() - started


def copy_tree(source: Path, into: Path) -> Path:
    tree = into / "tree"
    shutil.copytree(
        source, tree, ignore=shutil.ignore_patterns(".venv", ".git", ".portal", "__pycache__", "*.pyc", ".*_cache")
    )
    return tree


def _survivors(output: str) -> set[tuple[str, int, str]]:
    """(target, line, what) of every "SURVIVED target:line  what" line of an earlier run's output."""
    found = set()
    for line in output.splitlines():
        if line.strip().startswith("SURVIVED "):
            where, what = line.strip().removeprefix("SURVIVED ").split("  ", 1)
            target, number = where.rsplit(":", 1)
            found.add((target, int(number), what.strip()))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", type=Path, default=REPO, help="the tree to test (default: this one)")
    parser.add_argument("--only", default="", help="only targets whose path contains this")
    parser.add_argument("--json", type=Path, help="write every result here")
    parser.add_argument(
        "--retest", type=Path, help="an earlier run's output: run only the mutants that survived it (tests only grow)"
    )
    args = parser.parse_args(argv)
    survivors = _survivors(args.retest.read_text()) if args.retest else None

    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        tree = copy_tree(args.repo.resolve(), Path(tmp))
        for target, tests in TARGETS.items():
            if args.only not in target:
                continue
            path = tree / target
            original = path.read_text()
            passed, baseline = run_tests(tree, tests, timeout=600)
            if not passed:
                print(f"{target}: the tests fail without any mutation; fix them first", file=sys.stderr)
                return 2
            found = mutants(original)
            if survivors is not None:
                found = [m for m in found if (target, m.line, m.what) in survivors]
            print(f"{target}: {len(found)} mutants, tests take {baseline:.1f}s", flush=True)
            try:
                for mutant in found:
                    path.write_text(mutated_source(original, mutant))
                    survived, seconds = run_tests(tree, tests, timeout=baseline * 3 + 30)
                    results.append(Result(target, mutant, not survived, seconds))
                    if survived:
                        print(f"  SURVIVED {target}:{mutant.line}  {mutant.what}", flush=True)
            finally:
                path.write_text(original)
            mine = [r for r in results if r.target == target]
            alive = sum(not r.killed for r in mine)
            print(f"{target}: {alive} of {len(mine)} survived", flush=True)

    for target in TARGETS:
        mine = [r for r in results if r.target == target]
        if mine:
            alive = sum(not r.killed for r in mine)
            print(f"{target}: {alive} of {len(mine)} survived ({100 * alive / len(mine):.0f}%)")
    if results:
        alive = sum(not r.killed for r in results)
        print(f"all: {alive} of {len(results)} survived ({100 * alive / len(results):.0f}%)")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
