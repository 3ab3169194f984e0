from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, Request
from starlette.responses import PlainTextResponse

from services.gateway.body_limit import BodyLimitMiddleware


def client() -> httpx.AsyncClient:
    app = FastAPI()

    @app.post("/echo")
    async def echo(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(len(await request.body())))

    app.add_middleware(BodyLimitMiddleware, limit=1000)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_a_body_within_the_limit_reaches_the_app() -> None:
    async with client() as http:
        assert (await http.post("/echo", content=b"x" * 1000)).text == "1000"
        assert (await http.post("/echo")).text == "0"


async def test_a_declared_oversized_body_is_a_413_with_the_error_json() -> None:
    async with client() as http:
        reply = await http.post("/echo", content=b"x" * 1001)
    assert reply.status_code == 413
    assert reply.json()["type"] == "invalid_request" and "larger than" in reply.json()["message"]


async def test_a_streamed_oversized_body_without_length_is_a_413() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"x" * 300

    async with client() as http:
        reply = await http.post("/echo", content=chunks())
    assert reply.status_code == 413


async def test_a_nonsense_content_length_is_a_413() -> None:
    async with client() as http:
        reply = await http.post("/echo", content=b"x", headers={"content-length": "9" * 40})
    assert reply.status_code == 413
