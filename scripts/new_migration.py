"""Autogenerates the next Alembic revision of one service from its models.

python scripts/new_migration.py billing "add invoices"
"""

from __future__ import annotations

import importlib
import sys
import tempfile
from pathlib import Path

from alembic import command
from portal_kit.migrations import alembic_config, upgrade

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    service, message = sys.argv[1], sys.argv[2]
    importlib.import_module(f"services.{service}.models")
    migrations = ROOT / "services" / service / "migrations"
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/autogen.db"
        upgrade(migrations, url)
        command.revision(alembic_config(migrations, url), message=message, autogenerate=True)


if __name__ == "__main__":
    main()
