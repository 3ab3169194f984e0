"""`python -m services.comments`. The settings come first: unfit ones end the process before the heavy imports."""

from services.comments.settings import CommentsSettings

settings = CommentsSettings.load()

from portal_kit.service import main  # noqa: E402

from services.comments.server import MIGRATIONS, build  # noqa: E402

main(settings, MIGRATIONS, build)
