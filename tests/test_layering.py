"""Repositories own all SQL: domain modules call repository methods and never build or run queries themselves."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ["auth", "billing", "comments", "subscriptions", "mailer"]
# What a domain module may import from the database libraries: the session type and the error types.
ALLOWED = {"sqlmodel.ext.asyncio.session", "sqlalchemy.exc"}
SQL_OWNERS = {"repository.py", "models.py"}


def domain_modules() -> list[Path]:
    found = []
    for service in SERVICES:
        for path in sorted((ROOT / "services" / service).rglob("*.py")):
            relative = path.relative_to(ROOT / "services" / service)
            if relative.parts[0] in ("tests", "migrations") or path.name in SQL_OWNERS:
                continue
            found.append(path)
    return found


def database_imports(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return [n for n in names if n.split(".")[0] in ("sqlalchemy", "sqlmodel") and n not in ALLOWED]


def query_calls(tree: ast.AST) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("exec", "execute", "scalar", "scalars")
    ]


def test_domain_modules_build_no_sql() -> None:
    modules = domain_modules()
    assert len(modules) > 20
    offenders = {}
    for path in modules:
        tree = ast.parse(path.read_text(), str(path))
        problems = [f"imports {name}" for name in database_imports(tree)]
        problems += [f"runs a statement on line {line}" for line in query_calls(tree)]
        if problems:
            offenders[str(path.relative_to(ROOT))] = problems
    assert offenders == {}, "move these queries into the service's repository.py"


def test_no_repository_repeats_the_tenant_condition_by_hand() -> None:
    """TenantRepository's base(), scope(), update(), delete() and count() carry the tenant condition."""
    by_hand = re.compile(r"tenant_id\)?\s*==\s*self\.tenant_id")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for service in SERVICES
        for path in (ROOT / "services" / service).glob("repository.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if by_hand.search(line)
    ]
    assert offenders == []
