"""Sign-up pages as the gateway uses them: the business's pages (API), the public page and the sign-up (portal)."""

from __future__ import annotations

from portal.subscriptions.v1 import subscriptions_pb2 as pb
from portal.subscriptions.v1 import subscriptions_pb2_grpc
from portal_kit.balancing import Channel

from services.gateway.clients.calls import CallScope, unary


class SignUpPageStubs:
    def __init__(self, channel: Channel) -> None:
        self.pages = subscriptions_pb2_grpc.SignUpPageServiceStub(channel)


class SignUpPagesClient:
    def __init__(self, stubs: SignUpPageStubs, scope: CallScope) -> None:
        self.stubs = stubs
        self.scope = scope

    async def create(self, page: pb.SignUpPage) -> pb.SignUpPageResponse:
        reply: pb.SignUpPageResponse = await unary(
            self.stubs.pages.CreateSignUpPage, pb.CreateSignUpPageRequest(page=page), self.scope
        )
        return reply

    async def get(self, page_id: int) -> pb.SignUpPageResponse:
        reply: pb.SignUpPageResponse = await unary(
            self.stubs.pages.GetSignUpPage, pb.GetSignUpPageRequest(id=page_id), self.scope, read=True
        )
        return reply

    async def update(self, page_id: int, page: pb.SignUpPage, fields: list[str]) -> pb.SignUpPageResponse:
        request = pb.UpdateSignUpPageRequest(id=page_id, page=page, fields=fields)
        reply: pb.SignUpPageResponse = await unary(self.stubs.pages.UpdateSignUpPage, request, self.scope)
        return reply

    async def delete(self, page_id: int) -> None:
        await unary(self.stubs.pages.DeleteSignUpPage, pb.DeleteSignUpPageRequest(id=page_id), self.scope)

    async def list_pages(self, page: int, per_page: int) -> pb.ListSignUpPagesResponse:
        reply: pb.ListSignUpPagesResponse = await unary(
            self.stubs.pages.ListSignUpPages,
            pb.ListSignUpPagesRequest(page=page, per_page=per_page),
            self.scope,
            read=True,
        )
        return reply

    async def customer_links(self, customers: list[int]) -> pb.GetCustomerSignUpLinksResponse:
        reply: pb.GetCustomerSignUpLinksResponse = await unary(
            self.stubs.pages.GetCustomerSignUpLinks,
            pb.GetCustomerSignUpLinksRequest(customers=customers),
            self.scope,
            read=True,
        )
        return reply

    async def public_page(self, token: str = "", customer_token: str = "") -> pb.PublicSignUpPageResponse:
        reply: pb.PublicSignUpPageResponse = await unary(
            self.stubs.pages.GetPublicSignUpPage,
            pb.GetPublicSignUpPageRequest(token=token, customer_token=customer_token),
            self.scope,
            read=True,
        )
        return reply

    async def start_card_setup(self, token: str, client: pb.SignUpClient) -> pb.StartSignUpCardSetupResponse:
        reply: pb.StartSignUpCardSetupResponse = await unary(
            self.stubs.pages.StartSignUpCardSetup,
            pb.StartSignUpCardSetupRequest(token=token, client=client),
            self.scope,
        )
        return reply

    async def sign_up(self, request: pb.SignUpRequest) -> pb.SignUpResponse:
        reply: pb.SignUpResponse = await unary(self.stubs.pages.SignUp, request, self.scope)
        return reply
