from portal_kit.service import main

from services.billing.server import DEFAULT_PORT, MIGRATIONS, NAME, build

main(NAME, DEFAULT_PORT, MIGRATIONS, build)
