"""`python -m services.mailer`. The settings come first: unfit ones end the process before the heavy imports."""

from services.mailer.settings import MailerSettings

settings = MailerSettings.load()

from portal_kit.service import main  # noqa: E402

from services.mailer.server import MIGRATIONS, build  # noqa: E402

main(settings, MIGRATIONS, build)
