"""Traces, metrics and probes of the running portal (every component a process of its own, tracing on: the test
stack sends its spans to an in-memory OTLP receiver, `devtools.localservers.OtlpSink`)."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable

import httpx
import invoiced
import pytest
from prometheus_client.parser import text_string_to_metric_families

from devtools.localservers import OtlpSink, ReceivedSpan
from devtools.mailbox import SmtpSink
from devtools.stack import BACKENDS, Stack
from tests.conftest import Business, create_business
from tests.integration.portal_client import ask_for_link, code_of, link_path, portal, sign_in_email

SERVER, CLIENT, PRODUCER, CONSUMER = 2, 3, 4, 5
COMPONENTS = ("gateway", *BACKENDS)
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(stack: Stack, component: str) -> Samples:
    reply = httpx.get(stack.metrics_url(component), timeout=10)
    assert reply.status_code == 200, component
    samples: Samples = {}
    for family in text_string_to_metric_families(reply.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of a family's samples whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(value for (sample, pairs), value in samples.items() if sample == name and wanted <= set(pairs))


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)


def new_customer(client: invoiced.Client) -> tuple[str, object]:
    email = f"ap-{secrets.token_hex(4)}@globex.example"
    return email, client.Customer.create(name="Globex", email=email)


def one_trace(spans: list[ReceivedSpan], trace_id: str) -> list[ReceivedSpan]:
    return [span for span in spans if span.trace_id == trace_id]


def test_a_sign_in_request_is_one_trace_from_the_gateway_through_auth_and_billing_to_the_mailer(
    stack: Stack, business: Business, client: invoiced.Client, smtp_sink: SmtpSink, otlp_sink: OtlpSink
) -> None:
    email, _customer = new_customer(client)
    started = time.time()
    with portal(stack, business) as browser:
        assert ask_for_link(browser, email).status_code == 303
    message = sign_in_email(smtp_sink, email, after=started)

    def request_span(spans: list[ReceivedSpan]) -> ReceivedSpan | None:
        found = [
            s for s in spans
            if s.service == "gateway" and s.name == "POST /sign-in" and s.attributes.get("portal.tenant_id") == business.id
        ]  # fmt: skip
        return found[-1] if found else None

    def complete(spans: list[ReceivedSpan]) -> bool:
        """The mailer has handled the email, and every span of the trace has reached the receiver (each service
        exports in its own batches, so a parent may arrive after its child)."""
        root = request_span(spans)
        if root is None:
            return False
        trace = one_trace(spans, root.trace_id)
        ids = {span.span_id for span in trace}
        mailed = any(s.service == "mailer" and s.kind == CONSUMER for s in trace)
        return mailed and all(span.parent_span_id in ids for span in trace if span is not root)

    spans = otlp_sink.wait_for(complete)
    root = request_span(spans)
    assert root is not None
    trace = one_trace(spans, root.trace_id)
    assert root.parent_span_id == ""  # the browser sent no trace context: the gateway started the trace
    assert root.attributes["http.route"] == "/sign-in"
    assert {"gateway", "auth", "billing", "mailer"} <= {span.service for span in trace}
    by_id = {span.span_id: span for span in trace}
    assert all(span.parent_span_id in by_id for span in trace if span is not root)  # one tree, no orphan
    kinds = {(span.service, span.kind) for span in trace}
    assert {("gateway", CLIENT), ("auth", SERVER), ("auth", PRODUCER), ("auth", CONSUMER)} <= kinds
    assert {("billing", SERVER), ("mailer", CONSUMER)} <= kinds
    mailer = next(span for span in trace if span.service == "mailer" and span.kind == CONSUMER)
    assert mailer.name == "auth.email_requested.v1 process"
    assert by_id[mailer.parent_span_id].kind == PRODUCER  # the relay's publish, parent of the consumer
    statements = [span for span in trace if span.attributes.get("db.system") == "postgresql"]
    assert {span.service for span in statements} >= {"auth", "billing"}
    assert all("@" not in str(span.attributes.get("db.statement")) for span in statements)  # placeholders only

    # The logs written while handling it carry the trace and the tenant, and never the link's token or the code.
    token = link_path(message).rsplit("/", 1)[1]
    entries = {component: log_entries(stack, component) for component in ("gateway", "auth", "mailer")}
    requested = [
        e for e in entries["auth"] if e["msg"] == "sign-in email requested" and e.get("trace_id") == root.trace_id
    ]
    assert requested and requested[0]["tenant_id"] == business.id and len(requested[0]["span_id"]) == 16
    assert any(e["msg"] == "email sent" and e.get("trace_id") == root.trace_id for e in entries["mailer"])
    for component, lines in entries.items():
        text = json.dumps(lines)
        assert token not in text and code_of(message) not in text, component


def test_an_invoice_email_continues_the_api_request_trace_into_the_mailer_and_its_pdf_call(
    stack: Stack, client: invoiced.Client, smtp_sink: SmtpSink, otlp_sink: OtlpSink
) -> None:
    email, customer = new_customer(client)
    invoice = client.Invoice.create(customer=customer.id, items=[{"name": "Audit", "quantity": 1, "unit_cost": 90}])
    invoice.send()
    smtp_sink.wait_for(lambda message: email in message.to, timeout=30)

    def send_span(spans: list[ReceivedSpan]) -> ReceivedSpan | None:
        found = [
            s for s in spans if s.service == "gateway" and s.name == "POST /api/invoices/{invoice_id}/emails"
        ]  # fmt: skip
        return found[-1] if found else None

    def complete(spans: list[ReceivedSpan]) -> bool:
        root = send_span(spans)
        if root is None:
            return False
        kinds = {(s.service, s.kind, s.name.rsplit("/", 1)[-1]) for s in one_trace(spans, root.trace_id)}
        return {
            ("billing", SERVER, "RenderInvoicePdf"),
            ("mailer", CONSUMER, "billing.email_requested.v1 process"),
        } <= kinds

    spans = otlp_sink.wait_for(complete)
    root = send_span(spans)
    assert root is not None
    trace = one_trace(spans, root.trace_id)
    consumer = next(s for s in trace if s.service == "mailer" and s.kind == CONSUMER)
    assert consumer.name == "billing.email_requested.v1 process"
    pdf_call = next(s for s in trace if s.service == "mailer" and s.kind == CLIENT and "RenderInvoicePdf" in s.name)
    assert pdf_call.parent_span_id == consumer.span_id
    pdf_served = next(s for s in trace if s.service == "billing" and s.kind == SERVER and "RenderInvoicePdf" in s.name)
    assert pdf_served.parent_span_id == pdf_call.span_id


def test_an_incoming_traceparent_is_continued(stack: Stack, business: Business, otlp_sink: OtlpSink) -> None:
    trace_id = secrets.token_hex(16)
    parent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    with portal(stack, business) as browser:
        assert browser.get("/", headers={"traceparent": parent}).status_code == 200

    def continued(spans: list[ReceivedSpan]) -> bool:  # each service exports in its own batches
        seen = {(s.service, s.kind) for s in one_trace(spans, trace_id)}
        return {("gateway", SERVER), ("auth", SERVER)} <= seen

    spans = otlp_sink.wait_for(continued)
    [root] = [s for s in one_trace(spans, trace_id) if s.service == "gateway" and s.kind == SERVER]
    assert root.parent_span_id == parent.split("-")[2]


def test_every_component_serves_metrics_and_the_request_families_move(
    stack: Stack, client: invoiced.Client, business: Business
) -> None:
    before = {component: scrape(stack, component) for component in COMPONENTS}
    email, _customer = new_customer(client)
    listed = client.Invoice.list()
    assert listed is not None
    with portal(stack, business) as browser:
        assert browser.get("/no-such-page").status_code == 404

    def moved() -> bool:
        gateway = scrape(stack, "gateway")
        auth = scrape(stack, "auth")
        return total(gateway, "portal_http_requests_total", route="/api/invoices", method="GET", status="200") > total(
            before["gateway"], "portal_http_requests_total", route="/api/invoices", method="GET", status="200"
        ) and total(auth, "portal_rpc_server_requests_total") > total(
            before["auth"], "portal_rpc_server_requests_total"
        )

    wait_until(moved)
    gateway = scrape(stack, "gateway")
    assert total(gateway, "portal_http_request_duration_seconds_count", route="/api/invoices") > total(
        before["gateway"], "portal_http_request_duration_seconds_count", route="/api/invoices"
    )
    assert total(gateway, "portal_http_requests_total", route="(unrouted)", status="404") > total(
        before["gateway"], "portal_http_requests_total", route="(unrouted)", status="404"
    )
    billing_calls = "/portal.billing.v1.InvoiceService/ListInvoices"
    assert total(gateway, "portal_rpc_client_requests_total", method=billing_calls, code="OK") > total(
        before["gateway"], "portal_rpc_client_requests_total", method=billing_calls, code="OK"
    )
    billing = scrape(stack, "billing")
    assert total(billing, "portal_rpc_server_duration_seconds_count", method=billing_calls) > total(
        before["billing"], "portal_rpc_server_duration_seconds_count", method=billing_calls
    )
    for component in ("auth", "billing"):
        samples = scrape(stack, component)
        assert ("portal_outbox_backlog_events", ()) in samples, component
        assert ("portal_outbox_oldest_event_age_seconds", ()) in samples, component
    for component in COMPONENTS:
        assert total(scrape(stack, component), "process_cpu_seconds_total") > 0, component
    # No unbounded label value: no raw path, id, address or business name in any label.
    for component in COMPONENTS:
        for (_name, labels), _value in scrape(stack, component).items():
            for _label, value in labels:
                assert "@" not in value and business.username not in value and business.id not in value
                assert "/no-such-page" not in value and email not in value


def test_mail_metrics_move_sent_and_rate_limited_sign_in_emails_and_consumer_lag(
    stack: Stack, smtp_sink: SmtpSink
) -> None:  # fmt: skip
    business = create_business(stack, "Metered Co")
    client = invoiced.Client(business.api_key)
    client.api_url = f"http://localhost:{stack.http_port}/api"
    email, _customer = new_customer(client)
    mailer_before, auth_before = scrape(stack, "mailer"), scrape(stack, "auth")
    started = time.time()
    with portal(stack, business) as browser:
        for _ in range(6):  # five emails per address in 15 minutes; the sixth request is refused
            assert ask_for_link(browser, email).status_code == 303
    wait_until(
        lambda: len([m for m in smtp_sink.messages() if email in m.to and m.received_at.timestamp() >= started]) == 5
    )

    def refused() -> float:
        return total(scrape(stack, "auth"), "portal_sign_in_emails_refused_total", limit="address_limit")

    wait_until(
        lambda: refused() == total(auth_before, "portal_sign_in_emails_refused_total", limit="address_limit") + 1
    )
    mailer = scrape(stack, "mailer")
    sent = total(mailer, "portal_emails_sent_total", template="sign_in")
    assert sent >= total(mailer_before, "portal_emails_sent_total", template="sign_in") + 5
    handled = total(mailer, "portal_consumer_events_total", consumer="mailer", outcome="handled")
    assert handled >= total(mailer_before, "portal_consumer_events_total", consumer="mailer", outcome="handled") + 5
    lag = [v for (name, labels), v in mailer.items() if name == "portal_consumer_lag_messages"]
    assert lag and all(value >= 0 for value in lag)
    assert ("topic", "auth.email_requested.v1") in {
        pair for (name, labels) in mailer for pair in labels if name == "portal_consumer_lag_messages"
    }
    published = total(scrape(stack, "auth"), "portal_outbox_published_total", topic="auth.email_requested.v1")
    assert published >= total(auth_before, "portal_outbox_published_total", topic="auth.email_requested.v1") + 5


def test_liveness_and_readiness(stack: Stack) -> None:
    base = f"http://127.0.0.1:{stack.http_port}"
    assert httpx.get(f"{base}/healthz").json() == {"status": "alive"}
    ready = httpx.get(f"{base}/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "backends": dict.fromkeys(("auth", "billing", "subscriptions", "comments"), True),
    }


@pytest.mark.parametrize("component", COMPONENTS)
def test_logs_are_json_lines(stack: Stack, component: str) -> None:
    entries = log_entries(stack, component)
    assert entries, component
    assert all({"ts", "level", "logger", "msg"} <= set(entry) for entry in entries), component


def log_entries(stack: Stack, component: str) -> list[dict[str, object]]:
    """Every line a component logged; each must be one JSON object (the stack prints a start line first)."""
    lines = (stack.options.workdir / "logs" / f"{component}.log").read_text().splitlines()
    entries = []
    for line in lines:
        entry = json.loads(line)
        if isinstance(entry, dict) and "msg" in entry:
            entries.append(entry)
    return entries
