"""Generates the Python gRPC code for every proto under protos/ into libs/portal/ (the only copy).

python scripts/gen_protos.py          # regenerate
python scripts/gen_protos.py --check  # exit 1 when libs/portal is stale (a test runs this)
"""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
TARGET = ROOT / "libs" / "portal"


def generate(out_dir: Path) -> None:
    sources = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    plugin = Path(sys.executable).parent / "protoc-gen-mypy_grpc"
    command = [
        sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTOS}",
        f"--python_out={out_dir}", f"--pyi_out={out_dir}", f"--grpc_python_out={out_dir}",
    ]  # fmt: skip
    if plugin.exists():
        command += [f"--plugin=protoc-gen-mypy_grpc={plugin}", f"--mypy_grpc_out={out_dir}"]
    subprocess.run([*command, *sources], check=True, cwd=PROTOS)
    for folder in [out_dir / "portal", *(p for p in (out_dir / "portal").rglob("*") if p.is_dir())]:
        (folder / "__init__.py").touch()


def differences(left: Path, right: Path) -> list[str]:
    names = {p.relative_to(left) for p in left.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    names |= {p.relative_to(right) for p in right.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    return sorted(
        str(n)
        for n in names
        if not ((left / n).exists() and (right / n).exists() and filecmp.cmp(left / n, right / n, shallow=False))
    )


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        if "--check" in sys.argv:
            stale = differences(Path(tmp) / "portal", TARGET) if TARGET.exists() else ["libs/portal missing"]
            if stale:
                print("Generated code is stale; run: python scripts/gen_protos.py\n  " + "\n  ".join(stale))
                return 1
            return 0
        shutil.rmtree(TARGET, ignore_errors=True)
        shutil.copytree(Path(tmp) / "portal", TARGET)
    print(f"generated {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
