from __future__ import annotations

import json
import select
import signal
import smtplib
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from devtools.mailbox import Message, SmtpSink
from devtools.mailbox.web import create_app, linkify

REPO = Path(__file__).resolve().parents[3]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
LINK = "https://portal.example.test/verify?token=abc&next=/home"


def _email(to: str = "ana@example.com", subject: str = "Your invoice <INV-1>") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Billing <billing@example.com>"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(f"Hello Ana,\nverify here: {LINK}.\n")
    msg.add_alternative(
        f'<p>Hello <b>Ana</b>, <a href="{LINK}">verify</a><script>alert(1)</script></p>', subtype="html"
    )
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="invoice-1.pdf")
    return msg


def _send(port: int, msg: EmailMessage, bcc: list[str] | None = None) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
        to = [str(msg["To"]), *(bcc or [])]
        smtp.send_message(msg, to_addrs=to)


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as s:
        yield s


@pytest.fixture
async def client(sink: SmtpSink) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(sink.store))
    async with httpx.AsyncClient(transport=transport, base_url="http://mailbox.test") as c:
        yield c


def test_sink_receives_and_parses_multipart(sink: SmtpSink) -> None:
    _send(sink.port, _email(), bcc=["audit@example.com"])
    [message] = sink.wait_for(lambda m: "ana@example.com" in m.to, timeout=5)
    assert message.sender == "Billing <billing@example.com>"
    assert message.to == ["ana@example.com", "audit@example.com"]
    assert message.subject == "Your invoice <INV-1>"
    assert message.text is not None and LINK in message.text
    assert message.html is not None and "<b>Ana</b>" in message.html
    [pdf] = message.attachments
    assert (pdf.filename, pdf.content_type, pdf.content) == ("invoice-1.pdf", "application/pdf", PDF)
    assert sink.messages() == [message]


def test_wait_for_times_out(sink: SmtpSink) -> None:
    with pytest.raises(TimeoutError):
        sink.wait_for(timeout=0.2)


def test_linkify_escapes_and_links() -> None:
    html = str(linkify('<b>x</b> see https://a.test/p?q=1&r=2. and "https://b.test/<i>"'))
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert '<a href="https://a.test/p?q=1&amp;r=2" target="_blank"' in html
    assert '<a href="https://b.test/" target="_blank"' in html


async def _one(sink: SmtpSink) -> Message:
    _send(sink.port, _email())
    [message] = await sink.wait_for_async(timeout=5)
    return message


async def test_web_pages(sink: SmtpSink, client: httpx.AsyncClient) -> None:
    message = await _one(sink)

    index = await client.get("/")
    assert index.status_code == 200
    assert f'href="/messages/{message.id}"' in index.text
    assert "Your invoice &lt;INV-1&gt;" in index.text
    assert "ana@example.com" in index.text

    page = await client.get(f"/messages/{message.id}")
    assert page.status_code == 200
    assert "Billing &lt;billing@example.com&gt;" in page.text
    assert f'src="/messages/{message.id}/html"' in page.text
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"' in page.text
    assert "<pre>Hello Ana," in page.text
    assert '<a href="https://portal.example.test/verify?token=abc&amp;next=/home"' in page.text
    assert f'href="/messages/{message.id}/attachments/0"' in page.text
    assert "<script>" not in page.text

    body = await client.get(f"/messages/{message.id}/html")
    assert body.headers["content-type"].startswith("text/html")
    assert "sandbox" in body.headers["content-security-policy"]
    assert f'<a href="{LINK}">verify</a>' in body.text
    assert '<base target="_blank">' in body.text

    pdf = await client.get(f"/messages/{message.id}/attachments/0")
    assert pdf.content == PDF
    assert pdf.headers["content-type"] == "application/pdf"
    assert "invoice-1.pdf" in pdf.headers["content-disposition"]

    assert (await client.get("/messages/nope")).status_code == 404
    assert (await client.get(f"/messages/{message.id}/attachments/1")).status_code == 404


async def test_json_api(sink: SmtpSink, client: httpx.AsyncClient) -> None:
    message = await _one(sink)
    second = _email(to="bo@example.com", subject="Second")
    _send(sink.port, second)
    await sink.wait_for_async(count=2, timeout=5)

    items = (await client.get("/api/messages")).json()
    assert [i["subject"] for i in items] == ["Second", "Your invoice <INV-1>"]  # newest first
    first = items[1]
    assert first["id"] == message.id
    assert first["from"] == "Billing <billing@example.com>"
    assert first["to"] == ["ana@example.com"]
    assert LINK in first["text"] and "<b>Ana</b>" in first["html"]
    assert first["received_at"].endswith("+00:00")
    [att] = first["attachments"]
    assert att == {
        "filename": "invoice-1.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "url": f"http://mailbox.test/messages/{message.id}/attachments/0",
    }
    assert (await client.get(att["url"])).content == PDF

    assert (await client.delete("/api/messages")).json() == {"deleted": 2}
    assert (await client.get("/api/messages")).json() == []


def test_mailbox_process(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "devtools.mailbox", "--smtp-port", "0", "--http-port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=(tmp_path / "mailbox.log").open("wb"),
        text=True,
    )
    try:
        assert proc.stdout is not None
        readable, _, _ = select.select([proc.stdout], [], [], 15)
        assert readable, "no ready line"
        ports = json.loads(proc.stdout.readline())
        assert set(ports) == {"smtp_port", "http_port"}
        assert ports["smtp_port"] > 0 and ports["http_port"] > 0

        _send(ports["smtp_port"], _email())
        url = f"http://127.0.0.1:{ports['http_port']}/api/messages"
        with httpx.Client(timeout=5) as http:
            [item] = http.get(url).json()
        assert item["subject"] == "Your invoice <INV-1>"
        assert item["attachments"][0]["filename"] == "invoice-1.pdf"

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
