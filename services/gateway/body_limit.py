"""A maximum request body size, enforced before anything reads or parses the body."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway.api.errors import error_response

MAX_BODY_BYTES = 1024 * 1024


class BodyLimitMiddleware:
    """Reads at most `limit` bytes of a request body (declared or streamed); a larger one is a 413.

    The body is buffered here, so the rest of the app reads it from memory and never sees more than the limit.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or len(declared) > 18 or int(declared) > self.limit):
            await self._too_large(scope, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._too_large(scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        megabytes = self.limit / (1024 * 1024)
        response = error_response(413, f"The request body is larger than {megabytes:g} MB.")
        response.headers["Connection"] = "close"
        await response(scope, self._no_receive, send)

    @staticmethod
    async def _no_receive() -> Message:
        return {"type": "http.disconnect"}
