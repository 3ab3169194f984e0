"""The sign-up saga against the real billing service, with one billing step made to fail: an outage is finished
forward by sending the same form again; a step refused for good undoes the earlier ones (nothing left half-way).

Free plans need no card (the card steps are covered with localstripe in tests/integration/test_sign_up.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import grpc
import pytest
from portal.billing.v1 import customers_pb2, customers_pb2_grpc
from portal.billing.v1 import subscription_invoices_pb2 as sipb
from portal.subscriptions.v1 import subscriptions_pb2 as pb
from portal.subscriptions.v1 import subscriptions_pb2_grpc
from portal_kit.context import bound
from portal_kit.errors import Aborted, FailedPrecondition, ResourceExhausted, Unavailable

from devtools.testing import RunningService
from services.subscriptions.sign_up_pages.billing import SignUpBillingSteps
from services.subscriptions.sign_up_pages.limits import SignUpLimits
from services.subscriptions.sign_up_pages.saga import SignUpForm, SignUpSaga
from services.subscriptions.tests.conftest import new_plan

TENANT = "tenant-saga"


class FailingOnce(SignUpBillingSteps):
    """The real billing, except that its first period invoice fails once with `code` (as a gRPC error)."""

    def __init__(self, target: str, code: grpc.StatusCode) -> None:
        super().__init__(target)
        self.code = code
        self.calls = {"create_customer": 0, "period_invoice": 0}

    async def create_customer(self, customer: customers_pb2.Customer) -> customers_pb2.Customer:
        self.calls["create_customer"] += 1
        return await super().create_customer(customer)

    async def create_period_invoice(
        self, request: sipb.CreateSubscriptionInvoiceRequest
    ) -> sipb.CreateSubscriptionInvoiceResponse:
        self.calls["period_invoice"] += 1
        if self.calls["period_invoice"] == 1:
            raise grpc.aio.AioRpcError(self.code, grpc.aio.Metadata(), grpc.aio.Metadata(), "billing says no")
        return await super().create_period_invoice(request)


def _form(token: str, key: str, email: str) -> SignUpForm:
    return SignUpForm(presentation=None, token=token, customer_token="", plan="free", quantity=1, name="Saga Sam", email=email,
                      address={}, setup_intent="", idempotency_key=key, ip="192.0.2.7")  # fmt: skip


async def _page(service: RunningService) -> str:
    stub = subscriptions_pb2_grpc.SignUpPageServiceStub(service.channel)
    reply = await stub.CreateSignUpPage(pb.CreateSignUpPageRequest(page=pb.SignUpPage(name="Join", plans=["free"])))
    return reply.page.token


async def _customers(billing: RunningService, email: str) -> list[customers_pb2.Customer]:
    stub = customers_pb2_grpc.CustomerServiceStub(billing.channel)
    return list((await stub.FindCustomersByEmail(customers_pb2.FindCustomersByEmailRequest(email=email))).customers)


async def _subscriptions(service: RunningService) -> list[pb.Subscription]:
    stub = subscriptions_pb2_grpc.SubscriptionServiceStub(service.channel)
    live = await stub.ListSubscriptions(pb.ListSubscriptionsRequest())
    canceled = await stub.ListSubscriptions(pb.ListSubscriptionsRequest(canceled=True))
    return [*live.subscriptions, *canceled.subscriptions]


async def test_an_outage_mid_way_is_finished_by_sending_the_same_form_again(
    service: RunningService, billing: RunningService, plans: object
) -> None:
    failing = FailingOnce(f"127.0.0.1:{billing.port}", grpc.StatusCode.UNAVAILABLE)
    saga = SignUpSaga(service.db, service.settings.secret_key, failing)
    with bound(TENANT):
        await new_plan(plans, "free", 0, currency="jpy")  # type: ignore[arg-type]
        token = await _page(service)
        form = _form(token, "k" * 20, "outage@example.com")
        with pytest.raises(Unavailable):
            await saga.run(form)
        assert len(await _customers(billing, "outage@example.com")) == 1  # made, kept for the retry
        assert await _subscriptions(service) == []  # not without its first invoice
        with pytest.raises(Aborted) as still_running:  # the first request's lease has not run out
            await saga.run(form)
        assert "still being processed" in still_running.value.message
        resumed = SignUpSaga(service.db, service.settings.secret_key, failing, lease=timedelta(0))  # lease over
        done = await resumed.run(form)
        assert done.status == "free" and done.invoice > 0
        [customer] = await _customers(billing, "outage@example.com")
        assert done.customer == customer.id and failing.calls["create_customer"] == 1
        [subscription] = await _subscriptions(service)
        assert subscription.id == done.subscription and subscription.customer == customer.id
        assert (await saga.run(form)).subscription == done.subscription  # and again: the same outcome
        assert failing.calls["period_invoice"] == 2


async def test_a_step_refused_for_good_undoes_the_earlier_ones(
    service: RunningService, billing: RunningService, plans: object
) -> None:
    failing = FailingOnce(f"127.0.0.1:{billing.port}", grpc.StatusCode.FAILED_PRECONDITION)
    saga = SignUpSaga(service.db, service.settings.secret_key, failing)
    with bound(TENANT):
        await new_plan(plans, "free", 0, currency="jpy")  # type: ignore[arg-type]
        token = await _page(service)
        form = _form(token, "r" * 20, "refused@example.com")
        with pytest.raises(FailedPrecondition):
            await saga.run(form)
        assert await _customers(billing, "refused@example.com") == []  # the new customer was deleted
        assert await _subscriptions(service) == []  # rolled back with its refused invoice
        with pytest.raises(FailedPrecondition) as again:  # the same key stays refused: one sign-up, undone
            await saga.run(form)
        assert "billing says no" in again.value.message


async def test_sign_up_limits_count_per_ip_and_per_business(
    service: RunningService, billing: RunningService, plans: object
) -> None:
    saga = SignUpSaga(service.db, service.settings.secret_key, SignUpBillingSteps(f"127.0.0.1:{billing.port}"),
                      SignUpLimits(per_ip=2, per_business=3))  # fmt: skip
    with bound(TENANT):
        await new_plan(plans, "free", 0, currency="jpy")  # type: ignore[arg-type]
        token = await _page(service)
        for i in range(2):
            await saga.run(_form(token, f"ip-one-{i:014d}", f"a{i}@example.com"))
        with pytest.raises(ResourceExhausted) as per_ip:
            await saga.run(_form(token, "ip-one-00000000000009", "a9@example.com"))
        assert "Too many sign-ups from here" in per_ip.value.message
        await saga.run(replace(_form(token, "ip-two-00000000000001", "b1@example.com"), ip="198.51.100.1"))
        with pytest.raises(ResourceExhausted) as per_business:
            await saga.run(replace(_form(token, "ip-three-000000000001", "c1@example.com"), ip="203.0.113.5"))
        assert "very busy" in per_business.value.message
        assert len(await _subscriptions(service)) == 3  # the refused ones made nothing
