"""Regenerate the exact pins: requirements.txt from requirements.in, requirements-dev.txt from requirements-dev.in.

    .venv/bin/python scripts/pin_requirements.py            # keep today's versions where they still fit
    .venv/bin/python scripts/pin_requirements.py --upgrade  # newest versions that satisfy the .in files

pip resolves each set without installing anything (`pip install --dry-run --report`). requirements-dev.txt
lists only what the runtime set does not, and includes requirements.txt, so the two never disagree.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Seeded into every virtual environment by Python itself; like `pip freeze`, the pins leave them out.
SEEDED = {"pip", "setuptools", "wheel"}


def resolve(requirements_in: Path, constraints: list[Path]) -> dict[str, str]:
    """Project name → version of everything that installing `requirements_in` brings in."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        args = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--dry-run"]
        args += ["--ignore-installed", "--report", str(report), "-r", str(requirements_in)]
        for constraint in constraints:
            args += ["-c", str(constraint)]
        subprocess.run(args, check=True, cwd=ROOT)
        installs = json.loads(report.read_text())["install"]
    pins = {item["metadata"]["name"]: item["metadata"]["version"] for item in installs}
    return {name: version for name, version in pins.items() if name.lower() not in SEEDED}


def write(path: Path, header: str, pins: dict[str, str]) -> None:
    lines = [header] + [f"{name}=={pins[name]}" for name in sorted(pins, key=str.lower)]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upgrade", action="store_true", help="ignore today's pins")
    args = parser.parse_args()
    runtime_txt, dev_txt = ROOT / "requirements.txt", ROOT / "requirements-dev.txt"
    keep = [] if args.upgrade else [path for path in (runtime_txt, dev_txt) if path.exists()]
    with tempfile.TemporaryDirectory() as tmp:
        # The current pins as plain constraints (pip refuses "-r" lines inside a constraints file).
        constraints = []
        for current in keep:
            plain = Path(tmp) / current.name
            plain.write_text("".join(line for line in current.open() if line[:1] not in "#-"))
            constraints.append(plain)
        runtime = resolve(ROOT / "requirements.in", constraints)
        everything = resolve(ROOT / "requirements-dev.in", constraints)
    write(
        runtime_txt,
        "# Runtime set (what the production image installs), pinned exactly. "
        "Regenerate: .venv/bin/python scripts/pin_requirements.py",
        runtime,
    )
    dev_only = {name: version for name, version in everything.items() if name not in runtime}
    write(
        dev_txt,
        "# Development and test set on top of the runtime set, pinned exactly. "
        "Regenerate: .venv/bin/python scripts/pin_requirements.py\n-r requirements.txt",
        dev_only,
    )


if __name__ == "__main__":
    main()
