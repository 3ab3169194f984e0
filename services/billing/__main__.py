"""`python -m services.billing`. The settings come first: unfit ones end the process before the heavy imports."""

from services.billing.settings import BillingSettings

settings = BillingSettings.load()

from portal_kit.service import main  # noqa: E402

from services.billing.server import MIGRATIONS, build  # noqa: E402

main(settings, MIGRATIONS, build)
