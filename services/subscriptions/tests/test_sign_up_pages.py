"""Sign-up pages in the subscriptions service: CRUD scoped to the tenant, tokens, the default page, links."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from portal.subscriptions.v1 import plans_pb2, plans_pb2_grpc, subscriptions_pb2_grpc
from portal.subscriptions.v1 import subscriptions_pb2 as pb
from portal_kit.context import bound

from devtools.test_databases import ServiceDatabases
from devtools.testing import RunningService, running_service, settings_for_test
from services.subscriptions.server import MIGRATIONS, build
from services.subscriptions.settings import SubscriptionsSettings
from services.subscriptions.sign_up_pages import customer_links


@pytest.fixture
async def service(service_databases: ServiceDatabases) -> AsyncIterator[RunningService]:
    settings = settings_for_test(SubscriptionsSettings, await service_databases.fresh("subscriptions", MIGRATIONS))
    async with running_service(settings, MIGRATIONS, build) as running:
        yield running


async def _plans(service: RunningService) -> None:
    stub = plans_pb2_grpc.PlanServiceStub(service.channel)
    for plan_id, amount in (("basic", 1000), ("pro", 2500)):
        await stub.CreatePlan(plans_pb2.CreatePlanRequest(
            plan=plans_pb2.Plan(id=plan_id, name=plan_id.title(), currency="jpy", amount=amount, interval="month")
        ))  # fmt: skip


async def test_pages_are_created_listed_updated_deleted_within_their_tenant(service: RunningService) -> None:
    stub = subscriptions_pb2_grpc.SignUpPageServiceStub(service.channel)
    with bound("tenant-a"):
        await _plans(service)
        created = await stub.CreateSignUpPage(pb.CreateSignUpPageRequest(
            page=pb.SignUpPage(name="Join", plans=["pro", "basic", "pro"], trial_period_days=14, thanks_text="Thanks!")
        ))  # fmt: skip
        page = created.page
        assert list(page.plans) == ["pro", "basic"] and [p.amount for p in created.plans] == [2500, 1000]
        assert page.is_default and page.type == "recurring" and len(page.token) >= 30
        assert str(page.id) not in page.token
        second = (await stub.CreateSignUpPage(pb.CreateSignUpPageRequest(
            page=pb.SignUpPage(name="Other", plans=["basic"])
        ))).page  # fmt: skip
        assert not second.is_default and second.token != page.token
        changed = await stub.UpdateSignUpPage(pb.UpdateSignUpPageRequest(
            id=second.id, page=pb.SignUpPage(is_default=True, has_quantity=True, name="ignored"),
            fields=["is_default", "has_quantity"],
        ))  # fmt: skip
        assert changed.page.is_default and changed.page.has_quantity and changed.page.name == "Other"
        assert not (await stub.GetSignUpPage(pb.GetSignUpPageRequest(id=page.id))).page.is_default
        listed = await stub.ListSignUpPages(pb.ListSignUpPagesRequest())
        assert listed.total_count == 2 and [p.id for p in listed.pages] == [page.id, second.id]
        public = await stub.GetPublicSignUpPage(pb.GetPublicSignUpPageRequest(token=page.token))
        assert public.page.id == page.id and [p.id for p in public.plans] == ["pro", "basic"]
    with bound("tenant-b"):
        for call in (
            stub.GetSignUpPage(pb.GetSignUpPageRequest(id=page.id)),
            stub.GetPublicSignUpPage(pb.GetPublicSignUpPageRequest(token=page.token)),
            stub.DeleteSignUpPage(pb.DeleteSignUpPageRequest(id=page.id)),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as missing:
                await call
            assert missing.value.code() == grpc.StatusCode.NOT_FOUND
        assert (await stub.ListSignUpPages(pb.ListSignUpPagesRequest())).total_count == 0
    with bound("tenant-a"):
        await stub.DeleteSignUpPage(pb.DeleteSignUpPageRequest(id=page.id))
        with pytest.raises(grpc.aio.AioRpcError) as gone:
            await stub.GetPublicSignUpPage(pb.GetPublicSignUpPageRequest(token=page.token))
        assert gone.value.code() == grpc.StatusCode.NOT_FOUND
        assert "no longer available" in (gone.value.details() or "")


async def test_bad_pages_are_refused_with_the_field_named(service: RunningService) -> None:
    stub = subscriptions_pb2_grpc.SignUpPageServiceStub(service.channel)
    with bound("tenant-a"):
        await _plans(service)
        cases = [
            (pb.SignUpPage(name="", plans=["basic"]), "name"),
            (pb.SignUpPage(name="X", plans=[]), "plans"),
            (pb.SignUpPage(name="X", plans=["basic", "nope"]), "plans[1]"),
            (pb.SignUpPage(name="X", plans=["basic"], type="weekly"), "type"),
            (pb.SignUpPage(name="X", plans=["basic"], trial_period_days=-1), "trial_period_days"),
            (pb.SignUpPage(name="X", plans=["basic"], thanks_url="javascript:alert(1)"), "thanks_url"),
        ]
        for page, param in cases:
            with pytest.raises(grpc.aio.AioRpcError) as bad:
                await stub.CreateSignUpPage(pb.CreateSignUpPageRequest(page=page))
            assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert dict(bad.value.trailing_metadata() or ())["x-portal-param"] == param
        assert (await stub.ListSignUpPages(pb.ListSignUpPagesRequest())).total_count == 0


async def test_wrong_page_tokens_are_not_found(service: RunningService) -> None:
    stub = subscriptions_pb2_grpc.SignUpPageServiceStub(service.channel)
    with bound("tenant-a"):
        await _plans(service)
        page = (await stub.CreateSignUpPage(pb.CreateSignUpPageRequest(
            page=pb.SignUpPage(name="Join", plans=["basic"])
        ))).page  # fmt: skip
        for token in ("", "x" * 101, page.token[:-1] + ("A" if page.token[-1] != "A" else "B")):
            with pytest.raises(grpc.aio.AioRpcError) as missing:
                await stub.GetPublicSignUpPage(pb.GetPublicSignUpPageRequest(token=token))
            assert missing.value.code() == grpc.StatusCode.NOT_FOUND


async def test_customer_links_exist_only_with_a_default_page(service: RunningService) -> None:
    stub = subscriptions_pb2_grpc.SignUpPageServiceStub(service.channel)
    with bound("tenant-a"):
        await _plans(service)
        none = await stub.GetCustomerSignUpLinks(pb.GetCustomerSignUpLinksRequest(customers=[7, 8]))
        assert none.sign_up_page == 0 and dict(none.tokens) == {}
        page = (await stub.CreateSignUpPage(pb.CreateSignUpPageRequest(
            page=pb.SignUpPage(name="Join", plans=["basic"])
        ))).page  # fmt: skip
        links = await stub.GetCustomerSignUpLinks(pb.GetCustomerSignUpLinksRequest(customers=[7, 8]))
        assert links.sign_up_page == page.id and set(links.tokens) == {7, 8}
        assert links.tokens[7] != links.tokens[8]


def test_customer_tokens_name_one_customer_of_one_tenant() -> None:
    key = b"k" * 32
    token = customer_links.customer_token(key, "tenant-a", 1234)
    assert len(token) == 22 and "1234" not in token
    assert customer_links.customer_of_token(key, "tenant-a", token) == 1234
    assert customer_links.customer_of_token(key, "tenant-b", token) is None
    assert customer_links.customer_of_token(b"x" * 32, "tenant-a", token) is None
    assert customer_links.customer_of_token(key, "tenant-a", token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert customer_links.customer_of_token(key, "tenant-a", "!" * 22) is None
    assert customer_links.customer_token(key, "tenant-a", 1235) != token
