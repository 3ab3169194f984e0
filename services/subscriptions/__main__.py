"""`python -m services.subscriptions`. The settings come first: unfit ones end the process before the heavy imports."""

from services.subscriptions.settings import SubscriptionsSettings

settings = SubscriptionsSettings.load()

from portal_kit.service import main  # noqa: E402

from services.subscriptions.server import MIGRATIONS, build  # noqa: E402

main(settings, MIGRATIONS, build)
