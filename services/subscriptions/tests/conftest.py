from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from portal.billing.v1 import customers_pb2, customers_pb2_grpc
from portal.subscriptions.v1 import plans_pb2, plans_pb2_grpc, subscriptions_pb2_grpc
from portal_kit.context import bound
from portal_kit.service_auth import SERVICE_NAME_ENV, token_env

from devtools.test_databases import ServiceDatabases
from devtools.testing import RunningService, running_service, settings_for_test
from services.billing.server import MIGRATIONS as BILLING_MIGRATIONS
from services.billing.server import build as build_billing
from services.billing.settings import BillingSettings
from services.subscriptions.server import MIGRATIONS, build
from services.subscriptions.settings import SubscriptionsSettings


@pytest.fixture
async def billing(service_databases: ServiceDatabases) -> AsyncIterator[RunningService]:
    """The real billing service: subscriptions checks customers there."""
    settings = settings_for_test(BillingSettings, await service_databases.fresh("billing", BILLING_MIGRATIONS))
    async with running_service(settings, BILLING_MIGRATIONS, build_billing) as running:
        yield running


@pytest.fixture
async def service(
    service_databases: ServiceDatabases, billing: RunningService, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[RunningService]:
    """Subscriptions calling billing with its own credential, from the environment as in production."""
    monkeypatch.setenv(SERVICE_NAME_ENV, "subscriptions")
    monkeypatch.setenv(token_env("subscriptions"), billing.tokens["subscriptions"])
    settings = settings_for_test(
        SubscriptionsSettings,
        await service_databases.fresh("subscriptions", MIGRATIONS),
        billing_addr=f"127.0.0.1:{billing.port}",
    )
    async with running_service(settings, MIGRATIONS, build) as running:
        yield running


@pytest.fixture
def plans(service: RunningService) -> plans_pb2_grpc.PlanServiceStub:
    return plans_pb2_grpc.PlanServiceStub(service.channel)


@pytest.fixture
def subscriptions(service: RunningService) -> subscriptions_pb2_grpc.SubscriptionServiceStub:
    return subscriptions_pb2_grpc.SubscriptionServiceStub(service.channel)


async def new_customer(billing: RunningService, tenant: str, name: str = "Ada", currency: str | None = None) -> int:
    stub = customers_pb2_grpc.CustomerServiceStub(billing.channel)
    customer = customers_pb2.Customer(name=name)
    if currency is not None:
        customer.currency = currency
    with bound(tenant):
        reply = await stub.CreateCustomer(customers_pb2.CreateCustomerRequest(customer=customer))
    return int(reply.customer.id)


async def new_plan(
    plans: plans_pb2_grpc.PlanServiceStub,
    plan_id: str,
    amount: int,
    currency: str = "usd",
    interval: str = "month",
    interval_count: int = 1,
) -> plans_pb2.Plan:
    plan = plans_pb2.Plan(id=plan_id, name=plan_id.title(), currency=currency, amount=amount, interval=interval,
                          interval_count=interval_count)  # fmt: skip
    reply = await plans.CreatePlan(plans_pb2.CreatePlanRequest(plan=plan))
    return reply.plan
