"""OpenDocumentLink: auth decides in one call what opening an emailed invoice link does."""

from __future__ import annotations

import pytest
from portal.auth.v1 import auth_pb2 as pb
from portal_kit.context import bound

from devtools.testing import RunningService
from services.auth.tests.fake_billing import FakeBilling
from services.auth.tests.fake_subscriptions import FakeSubscriptions
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


MANAGE = "manage-token-of-subscription-31"


async def open_manage_link(
    service: RunningService, tenant: Tenant, token: str = MANAGE, session_token: str = ""
) -> pb.OpenDocumentLinkResponse:
    with bound(tenant.id):
        return await sessions_stub(service).OpenDocumentLink(
            pb.OpenDocumentLinkRequest(
                link_token=token,
                session_token=session_token,
                client=CLIENT,
                start_guest_session=True,
                document_type="subscription",
            )  # fmt: skip
        )


async def test_a_manage_subscription_link_opens_a_guest_session_scoped_as_the_subscription_setting_says(
    portal: RunningService, tenant: Tenant, subscriptions: FakeSubscriptions
) -> None:
    """The link's own setting decides the scope, whatever the business's temporary_scope for invoice links."""
    subscriptions.links.add_link(tenant.id, MANAGE, 31, 1002, "subscription")
    subscriptions.links.add_link(tenant.id, MANAGE + "-account", 32, 1003, "account")
    one = await open_manage_link(portal, tenant)
    assert one.outcome == Outcome.OUTCOME_GUEST_SESSION
    assert (one.document_type, one.document_id) == ("subscription", 31)
    assert (one.session.kind, one.session.scope, one.session.customer_id) == ("temporary", "document", 1002)
    assert (one.session.document_type, one.session.document_id) == ("subscription", 31)
    with bound(tenant.id):
        await settings_stub(portal).UpdatePortalSettings(
            pb.UpdatePortalSettingsRequest(changes=pb.PortalSettingsChanges(temporary_scope="document"))
        )
    account = await open_manage_link(portal, tenant, MANAGE + "-account")
    assert account.outcome == Outcome.OUTCOME_GUEST_SESSION
    assert (account.session.scope, account.session.customer_id, account.document_id) == ("account", 1003, 32)


async def test_a_manage_link_unknown_to_subscriptions_or_of_another_business_opens_nothing(
    portal: RunningService, tenant: Tenant, subscriptions: FakeSubscriptions
) -> None:
    subscriptions.links.add_link(tenant.id, MANAGE, 31, 1002, "subscription")
    other = await new_tenant(portal)
    for token, where in (("no-such-link", tenant), ("", tenant), ("x" * 101, tenant), (MANAGE, other)):
        opened = await open_manage_link(portal, where, token)
        assert opened.outcome == Outcome.OUTCOME_EXPIRED and opened.session_token == ""
    assert (await open_link(portal, tenant, MANAGE)).outcome == Outcome.OUTCOME_EXPIRED  # not an invoice link


async def test_a_manage_link_goes_through_sign_in_when_the_business_requires_it(
    portal: RunningService, tenant: Tenant, subscriptions: FakeSubscriptions
) -> None:
    subscriptions.links.add_link(tenant.id, MANAGE, 31, 1002, "subscription")
    await require_sign_in(portal, tenant)
    assert (await open_manage_link(portal, tenant)).outcome == Outcome.OUTCOME_REQUIRE_SIGN_IN
    owner = await sso(portal, tenant, 1002)
    signed_in = await open_manage_link(portal, tenant, session_token=owner.session_token)
    assert signed_in.outcome == Outcome.OUTCOME_SIGNED_IN and signed_in.document_id == 31
