"""`Idempotency-Key` on POST and PATCH: the services that do the writes keep their replies and replay them.

The key and a fingerprint of the request (method, path, query string and body) travel with every backend call made
for the request (`portal_kit.idempotency`). Each service stores the reply of a keyed write in the write's own
transaction and answers a retry from it (`portal_kit.replays`). So:

- a retry gets the first request's result, and the response says `Idempotent-Replayed: true`;
- the same key on a different request (method, path or body) is a 400 that says so, and replays nothing;
- a retry while the first request is still running is a 409;
- a request that fails, however it fails (an error status or an exception), stored nothing: its key is free.

A key on any other method is a 400: a client that sends one expects a guarantee the API does not give there.

A plain ASGI middleware (not BaseHTTPMiddleware): the request runs in this task, so the claim's context reaches the
backend calls, and an exception in the request reaches the app's error handler unchanged.
"""

from __future__ import annotations

from portal_kit import idempotency
from portal_kit.errors import DomainError
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway.api.errors import domain_error_response, error_response

KEYED_METHODS = ("POST", "PATCH")


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        key = request.headers.get("idempotency-key")
        if key is None or not request.url.path.startswith("/api/"):
            await self.app(scope, receive, send)
            return
        if request.method not in KEYED_METHODS:
            refusal = error_response(
                400, "Idempotency-Key is only allowed on POST and PATCH requests.", idempotency.KEY_PARAM
            )
            await refusal(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        try:
            idempotency.validate_key(key)
        except DomainError as error:
            await domain_error_response(error)(scope, receive, send)
            return
        fingerprint = idempotency.fingerprint(request.method, request.url.path, request.url.query, bytes(body))
        replayed_body = False

        async def receive_again() -> Message:
            nonlocal replayed_body
            if not replayed_body:
                replayed_body = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        with idempotency.claimed(key, fingerprint) as claim:

            async def send_marked(message: Message) -> None:
                if message["type"] == "http.response.start" and claim.replayed:
                    MutableHeaders(scope=message).append("Idempotent-Replayed", "true")
                await send(message)

            await self.app(scope, receive_again, send_marked)
