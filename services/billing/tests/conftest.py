from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from portal.billing.v1 import customers_pb2_grpc, invoices_pb2_grpc

from devtools.localservers import StripeServer, start_localstripe
from devtools.test_databases import ServiceDatabases
from devtools.testing import RunningService, running_service, settings_for_test
from services.billing.server import MIGRATIONS, build
from services.billing.settings import BillingSettings


@pytest.fixture
async def service(service_databases: ServiceDatabases) -> AsyncIterator[RunningService]:
    settings = settings_for_test(BillingSettings, await service_databases.fresh("billing", MIGRATIONS))
    async with running_service(settings, MIGRATIONS, build) as running:
        yield running


@pytest.fixture
def customers(service: RunningService) -> customers_pb2_grpc.CustomerServiceStub:
    return customers_pb2_grpc.CustomerServiceStub(service.channel)


@pytest.fixture
def invoices(service: RunningService) -> invoices_pb2_grpc.InvoiceServiceStub:
    return invoices_pb2_grpc.InvoiceServiceStub(service.channel)


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StripeServer]:
    """One localstripe for the billing tests (a stateful fake Stripe; every business's objects live side by side)."""
    server = start_localstripe(tmp_path_factory.mktemp("localstripe"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def stripe_service(
    service_databases: ServiceDatabases, localstripe: StripeServer
) -> AsyncIterator[RunningService[BillingSettings]]:
    """Billing with Stripe calls going to localstripe."""
    url = await service_databases.fresh("billing", MIGRATIONS)
    settings = settings_for_test(BillingSettings, url, stripe_api_base=localstripe.url, autopay_interval_seconds=3600)
    async with running_service(settings, MIGRATIONS, build) as running:
        yield running
