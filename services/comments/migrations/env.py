from portal_kit.migrations import run_env
from sqlmodel import SQLModel

import services.comments.models  # noqa: F401  (registers the tables)

run_env(SQLModel.metadata)
