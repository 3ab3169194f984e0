from portal_kit.migrations import run_env
from sqlmodel import SQLModel

import services.subscriptions.models  # noqa: F401  (registers the tables)
import services.subscriptions.sign_up_pages.models  # noqa: F401

run_env(SQLModel.metadata)
