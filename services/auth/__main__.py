"""`python -m services.auth`. The settings come first: unfit ones end the process before the heavy imports."""

from services.auth.settings import AuthSettings

settings = AuthSettings.load()

from portal_kit.service import main  # noqa: E402

from services.auth.server import MIGRATIONS, build  # noqa: E402

main(settings, MIGRATIONS, build)
