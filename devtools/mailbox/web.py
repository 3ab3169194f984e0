"""The browser side: list and read caught messages, plus a small JSON API."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape

from devtools.mailbox.store import MailStore, Message

SANDBOX = "allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
# Also sandboxes the HTML body when it is opened directly rather than inside the iframe.
_BODY_CSP = f"sandbox {SANDBOX}; script-src 'none'; object-src 'none'; frame-ancestors 'self'"
_HEAD_TAG = re.compile(r"<head(?:\s[^>]*)?>", re.IGNORECASE)
# Matched on already-escaped text: "&amp;" may be part of a URL, any other entity ends it.
_URL = re.compile(r"https?://(?:[^\s&]|&amp;)+")
_TRAILING = ".,;:!?)"


def linkify(text: str) -> Markup:
    """Escape text and turn http(s) URLs into links."""

    def link(match: re.Match[str]) -> str:
        url = match.group(0)
        stripped = url.rstrip(_TRAILING)
        rest = url[len(stripped) :]
        return f'<a href="{stripped}" target="_blank" rel="noopener noreferrer">{stripped}</a>{rest}'

    return Markup(_URL.sub(link, str(escape(text))))  # noqa: S704 - input escaped above


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _with_link_target(html: str) -> str:
    """Make links in the body open outside the iframe."""
    base = '<base target="_blank">'
    match = _HEAD_TAG.search(html)
    return html[: match.end()] + base + html[match.end() :] if match else base + html


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True, auto_reload=False)
    env.filters["linkify"] = linkify
    env.filters["human_size"] = human_size
    return env


def message_json(message: Message, request: Request) -> dict[str, Any]:
    return {
        "id": message.id,
        "received_at": message.received_at.isoformat(),
        "from": message.sender,
        "to": message.to,
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "url": str(request.url_for("attachment", message_id=message.id, index=i)),
            }
            for i, a in enumerate(message.attachments)
        ],
    }


def create_app(store: MailStore) -> FastAPI:
    app = FastAPI(title="Dev mailbox", docs_url=None, redoc_url=None, openapi_url=None)
    env = _environment()

    def page(template: str, **context: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(template).render(**context))

    def find(message_id: str) -> Message:
        message = store.get(message_id)
        if message is None:
            raise HTTPException(status_code=404, detail="no such message")
        return message

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        return page("index.html", messages=list(reversed(store.messages())))

    @app.post("/clear")
    def clear() -> RedirectResponse:
        store.clear()
        return RedirectResponse("/", status_code=303)

    @app.get("/messages/{message_id}", response_class=HTMLResponse)
    def message_page(message_id: str) -> HTMLResponse:
        return page("message.html", message=find(message_id), sandbox=SANDBOX)

    @app.get("/messages/{message_id}/html", response_class=HTMLResponse)
    def message_html(message_id: str) -> HTMLResponse:
        message = find(message_id)
        if message.html is None:
            raise HTTPException(status_code=404, detail="no HTML body")
        return HTMLResponse(
            _with_link_target(message.html),
            headers={"Content-Security-Policy": _BODY_CSP, "X-Content-Type-Options": "nosniff"},
        )

    @app.get("/messages/{message_id}/raw")
    def message_raw(message_id: str) -> Response:
        return Response(find(message_id).raw, media_type="text/plain; charset=utf-8")

    @app.get("/messages/{message_id}/attachments/{index}", name="attachment")
    def attachment(message_id: str, index: int) -> Response:
        message = find(message_id)
        if not 0 <= index < len(message.attachments):
            raise HTTPException(status_code=404, detail="no such attachment")
        item = message.attachments[index]
        return Response(
            item.content,
            media_type=item.content_type,
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(item.filename)}",
                "X-Content-Type-Options": "nosniff",
            },
        )

    @app.get("/api/messages")
    def api_messages(request: Request) -> list[dict[str, Any]]:
        return [message_json(m, request) for m in reversed(store.messages())]

    @app.delete("/api/messages")
    def api_clear() -> dict[str, int]:
        return {"deleted": store.clear()}

    return app
