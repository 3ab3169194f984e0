"""SignUpPageService: the business's pages (API), the public page and the sign-up (portal)."""

from __future__ import annotations

import grpc
from portal.billing.v1.invoices_pb2 import Presentation
from portal.subscriptions.v1 import subscriptions_pb2 as pb
from portal.subscriptions.v1 import subscriptions_pb2_grpc
from portal_kit.context import current_tenant
from portal_kit.db import Database
from portal_kit.errors import InvalidArgument, NotFound
from portal_kit.timestamps import unix

from services.subscriptions.servicer import plan_to_pb
from services.subscriptions.sign_up_pages import customer_links, pages
from services.subscriptions.sign_up_pages.billing import SignUpBillingSteps
from services.subscriptions.sign_up_pages.models import SignUpPage
from services.subscriptions.sign_up_pages.saga import SignUpForm, SignUpSaga

MAX_LINKS = 100


def page_to_pb(page: SignUpPage, secret_key: bytes) -> pb.SignUpPage:
    message = pb.SignUpPage(
        id=page.id,
        name=page.name,
        type=page.type,
        plans=pages.plan_ids(page),
        has_quantity=page.has_quantity,
        trial_period_days=page.trial_period_days,
        billing_address=page.billing_address,
        shipping_address=page.shipping_address,
        allow_multiple_subscriptions=page.allow_multiple_subscriptions,
        header_text=page.header_text,
        thanks_text=page.thanks_text,
        token=pages.page_token(secret_key, page),
        is_default=page.is_default,
        metadata=pages.metadata_of(page),
        created_at=unix(page.created_at),
        updated_at=unix(page.updated_at),
    )
    if page.tos_url is not None:
        message.tos_url = page.tos_url
    if page.thanks_url is not None:
        message.thanks_url = page.thanks_url
    return message


def fields_of(message: pb.SignUpPage) -> pages.PageFields:
    return pages.PageFields(
        name=message.name,
        type=message.type or "recurring",
        plans=list(message.plans),
        has_quantity=message.has_quantity,
        trial_period_days=message.trial_period_days,
        billing_address=message.billing_address,
        shipping_address=message.shipping_address,
        allow_multiple_subscriptions=message.allow_multiple_subscriptions,
        header_text=message.header_text,
        thanks_text=message.thanks_text,
        tos_url=message.tos_url if message.HasField("tos_url") else None,
        thanks_url=message.thanks_url if message.HasField("thanks_url") else None,
        is_default=message.is_default,
        metadata=dict(message.metadata),
    )


class SignUpPageServicer(subscriptions_pb2_grpc.SignUpPageServiceServicer):
    def __init__(self, db: Database, secret_key: bytes, billing: SignUpBillingSteps | None = None) -> None:
        self.db = db
        self.secret_key = secret_key
        self.billing = billing or SignUpBillingSteps()
        self.saga = SignUpSaga(db, secret_key, self.billing)

    async def _reply(self, page: SignUpPage) -> pb.SignUpPageResponse:
        async with self.db.unit_of_work() as session:
            plans = await pages.offered_plans(session, page)
        return pb.SignUpPageResponse(page=page_to_pb(page, self.secret_key), plans=[plan_to_pb(p) for p in plans])

    async def CreateSignUpPage(
        self, request: pb.CreateSignUpPageRequest, context: grpc.aio.ServicerContext
    ) -> pb.SignUpPageResponse:
        async with self.db.unit_of_work() as session:
            page = await pages.create_page(session, self.secret_key, fields_of(request.page))
        return await self._reply(page)

    async def GetSignUpPage(
        self, request: pb.GetSignUpPageRequest, context: grpc.aio.ServicerContext
    ) -> pb.SignUpPageResponse:
        async with self.db.unit_of_work() as session:
            page = await pages.get_page(session, request.id)
        return await self._reply(page)

    async def UpdateSignUpPage(
        self, request: pb.UpdateSignUpPageRequest, context: grpc.aio.ServicerContext
    ) -> pb.SignUpPageResponse:
        async with self.db.unit_of_work() as session:
            page = await pages.update_page(session, request.id, fields_of(request.page), frozenset(request.fields))
        return await self._reply(page)

    async def DeleteSignUpPage(
        self, request: pb.DeleteSignUpPageRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteSignUpPageResponse:
        async with self.db.unit_of_work() as session:
            await pages.delete_page(session, request.id)
        return pb.DeleteSignUpPageResponse()

    async def ListSignUpPages(
        self, request: pb.ListSignUpPagesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListSignUpPagesResponse:
        async with self.db.unit_of_work() as session:
            rows, total = await pages.list_pages(session, request.page or 1, request.per_page or 100)
            plans = await pages.plans_of(session, rows)
        return pb.ListSignUpPagesResponse(
            pages=[page_to_pb(p, self.secret_key) for p in rows],
            total_count=total,
            plans=[plan_to_pb(p) for p in plans],
        )

    async def GetCustomerSignUpLinks(
        self, request: pb.GetCustomerSignUpLinksRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetCustomerSignUpLinksResponse:
        if len(request.customers) > MAX_LINKS:
            raise InvalidArgument(f"At most {MAX_LINKS} customers per call.", "customers")
        async with self.db.unit_of_work() as session:
            default = await pages.default_page(session)
        if default is None:
            return pb.GetCustomerSignUpLinksResponse()
        tenant = current_tenant()
        tokens = {c: customer_links.customer_token(self.secret_key, tenant, c) for c in request.customers if c > 0}
        return pb.GetCustomerSignUpLinksResponse(sign_up_page=default.id, tokens=tokens)

    async def GetPublicSignUpPage(
        self, request: pb.GetPublicSignUpPageRequest, context: grpc.aio.ServicerContext
    ) -> pb.PublicSignUpPageResponse:
        reply = pb.PublicSignUpPageResponse()
        async with self.db.unit_of_work() as session:
            if request.customer_token:
                customer_id = customer_links.customer_of_token(
                    self.secret_key, current_tenant(), request.customer_token
                )
                page = await pages.default_page(session)
                if customer_id is None or page is None:
                    raise NotFound(pages.GONE, "customer_token")
                page = await pages.public_page(session, self.secret_key, pages.page_token(self.secret_key, page))
            else:
                customer_id = None
                page = await pages.public_page(session, self.secret_key, request.token)
            plans = await pages.offered_plans(session, page)
        if customer_id is not None:
            customer = await self.billing.customer(customer_id)
            if customer is None:
                raise NotFound(pages.GONE, "customer_token")
            reply.customer = customer.id
            reply.customer_name = customer.name
            reply.customer_email = customer.email
        reply.page.CopyFrom(page_to_pb(page, self.secret_key))
        reply.plans.extend(plan_to_pb(p) for p in plans)
        return reply

    async def StartSignUpCardSetup(
        self, request: pb.StartSignUpCardSetupRequest, context: grpc.aio.ServicerContext
    ) -> pb.StartSignUpCardSetupResponse:
        setup = await self.saga.start_card_setup(request.token, request.client.ip)
        return pb.StartSignUpCardSetupResponse(client_secret=setup.client_secret, publishable_key=setup.publishable_key)

    async def SignUp(self, request: pb.SignUpRequest, context: grpc.aio.ServicerContext) -> pb.SignUpResponse:
        a = request.address
        form = SignUpForm(
            presentation=Presentation(business_name=request.business_name, portal_url=request.portal_url)
            if request.portal_url
            else None,
            token=request.token,
            customer_token=request.customer_token,
            plan=request.plan,
            quantity=request.quantity or 1,
            name=request.name,
            email=request.email,
            address={
                "address1": a.address1,
                "address2": a.address2,
                "city": a.city,
                "state": a.state,
                "postal_code": a.postal_code,
                "country": a.country,
            },  # fmt: skip
            setup_intent=request.setup_intent,
            idempotency_key=request.idempotency_key,
            ip=request.client.ip,
        )
        outcome = await self.saga.run(form)
        reply = pb.SignUpResponse(customer=outcome.customer, subscription=outcome.subscription,
                                  invoice=outcome.invoice, status=outcome.status, thanks_text=outcome.thanks_text)  # fmt: skip
        if outcome.thanks_url is not None:
            reply.thanks_url = outcome.thanks_url
        return reply
