"""OpenDocumentLink: auth decides in one call what opening an emailed invoice link does."""

from __future__ import annotations

import pytest
from portal.auth.v1 import auth_pb2 as pb
from portal_kit.context import bound

from devtools.testing import RunningService
from services.auth.tests.fake_billing import FakeBilling
from services.auth.tests.portal_steps import (
    CLIENT,
    Mailbox,
    Tenant,
    get_session,
    new_tenant,
    redeem_link,
    sessions_stub,
    settings_stub,
    sign_in_stub,
)

Outcome = pb.OpenDocumentLinkResponse.Outcome
LINK = "link-token-of-invoice-7001"


@pytest.fixture
async def tenant(portal: RunningService, billing: FakeBilling) -> Tenant:
    created = await new_tenant(portal)
    billing.customers.add(created.id, 1001, "alice@example.com", "shared@example.com")
    billing.customers.add(created.id, 1002, "shared@example.com")
    billing.customers.add(created.id, 1003, "carol@example.com")
    billing.invoices.add_link(created.id, LINK, 7001, 1002)
    return created


async def open_link(
    service: RunningService, tenant: Tenant, token: str = LINK, session_token: str = "", start: bool = True
) -> pb.OpenDocumentLinkResponse:
    with bound(tenant.id):
        return await sessions_stub(service).OpenDocumentLink(
            pb.OpenDocumentLinkRequest(
                link_token=token, session_token=session_token, client=CLIENT, start_guest_session=start
            )
        )


async def require_sign_in(service: RunningService, tenant: Tenant) -> None:
    with bound(tenant.id):
        await settings_stub(service).UpdatePortalSettings(
            pb.UpdatePortalSettingsRequest(changes=pb.PortalSettingsChanges(require_sign_in=True))
        )


async def sso(service: RunningService, tenant: Tenant, customer_id: int) -> pb.RedeemResponse:
    with bound(tenant.id):
        issued = await sign_in_stub(service).IssueSsoToken(pb.IssueSsoTokenRequest(customer_id=customer_id))
        return await sign_in_stub(service).RedeemSsoToken(pb.RedeemSsoTokenRequest(token=issued.token, client=CLIENT))


async def test_a_visitor_without_a_session_gets_a_guest_session_for_that_document(
    portal: RunningService, tenant: Tenant
) -> None:
    opened = await open_link(portal, tenant)
    assert opened.outcome == Outcome.OUTCOME_GUEST_SESSION
    assert (opened.document_type, opened.document_id) == ("invoice", 7001)
    assert opened.session.kind == "temporary" and opened.session.customer_id == 1002
    assert (opened.session.document_type, opened.session.document_id) == ("invoice", 7001)
    assert (await get_session(portal, tenant, opened.session_token)).id == opened.session.id


async def test_unknown_and_foreign_links_read_as_expired_and_start_nothing(
    portal: RunningService, tenant: Tenant, billing: FakeBilling
) -> None:
    other = await new_tenant(portal)
    for token, where in (("no-such-link", tenant), ("", tenant), ("x" * 101, tenant), (LINK, other)):
        opened = await open_link(portal, where, token)
        assert opened.outcome == Outcome.OUTCOME_EXPIRED
        assert (opened.session_token, opened.document_id) == ("", 0)


async def test_a_signed_in_person_of_that_account_is_switched_to_it(
    portal: RunningService, tenant: Tenant, mailbox: Mailbox
) -> None:
    emailed = await mailbox.sign_in_email(tenant, "shared@example.com")
    signed_in = await redeem_link(portal, tenant, emailed.token)
    assert signed_in.session.customer_id == 1001
    opened = await open_link(portal, tenant, session_token=signed_in.session_token)
    assert opened.outcome == Outcome.OUTCOME_SIGNED_IN and opened.session_token == ""
    assert (await get_session(portal, tenant, signed_in.session_token)).customer_id == 1002


async def test_someone_signed_in_to_another_account_or_as_a_guest_gets_a_guest_session(
    portal: RunningService, tenant: Tenant
) -> None:
    carol = await sso(portal, tenant, 1003)
    opened = await open_link(portal, tenant, session_token=carol.session_token)
    assert opened.outcome == Outcome.OUTCOME_GUEST_SESSION and opened.session.customer_id == 1002
    assert (await get_session(portal, tenant, carol.session_token)).customer_id == 1003  # untouched
    again = await open_link(portal, tenant, session_token=opened.session_token)
    assert again.outcome == Outcome.OUTCOME_GUEST_SESSION and again.session_token != opened.session_token


async def test_a_business_that_requires_sign_in_gets_no_guest_sessions(portal: RunningService, tenant: Tenant) -> None:
    await require_sign_in(portal, tenant)
    opened = await open_link(portal, tenant)
    assert opened.outcome == Outcome.OUTCOME_REQUIRE_SIGN_IN and opened.session_token == ""
    owner = await sso(portal, tenant, 1002)
    assert (await open_link(portal, tenant, session_token=owner.session_token)).outcome == Outcome.OUTCOME_SIGNED_IN
    fetch_only = await open_link(portal, tenant, start=False)
    assert fetch_only.outcome == Outcome.OUTCOME_REQUIRE_SIGN_IN


async def test_fetching_the_document_by_link_never_starts_a_session(portal: RunningService, tenant: Tenant) -> None:
    opened = await open_link(portal, tenant, start=False)
    assert opened.outcome == Outcome.OUTCOME_OPEN_BY_LINK
    assert opened.session_token == "" and not opened.HasField("session")
    assert opened.document_id == 7001
