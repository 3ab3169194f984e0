from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from portal.billing.v1 import customers_pb2_grpc, invoices_pb2_grpc

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
