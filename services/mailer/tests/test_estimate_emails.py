"""The estimate emails: the customer's "View Estimate" email, and the business's decision email."""

from __future__ import annotations

import pytest
from portal.billing.v1 import events_pb2
from portal.mailer.v1 import email_pb2

from services.mailer.rendering import render
from services.mailer.requests import EmailRequest, MalformedEmail

ENVELOPE = email_pb2.Envelope(to=[email_pb2.Recipient(email="a@example.test")], from_name="Acme & Sons")


def test_the_estimate_email_has_the_view_estimate_link_and_exact_jpy_and_kwd_amounts() -> None:
    data = events_pb2.EstimateEmail(number="EST-0007", customer_name="Eve <b>", total=123456, deposit=500, currency="kwd",
                                    link="http://acme.localhost:8000/estimates/tok", expiration_date=1_800_000_000)  # fmt: skip
    rendered = render(EmailRequest(ENVELOPE, "new_estimate", data))
    assert rendered.subject == "Estimate EST-0007 from Acme & Sons"
    assert (
        '<a href="http://acme.localhost:8000/estimates/tok"' in rendered.html and ">View Estimate</a>" in rendered.html
    )
    assert "Eve &lt;b&gt;" in rendered.html
    assert "Total: 123.456 KWD\nDeposit: 0.500 KWD\nValid until: January 15, 2027" in rendered.text
    yen = render(EmailRequest(ENVELOPE, "new_estimate", events_pb2.EstimateEmail(
        number="EST-0008", customer_name="Ken", total=3702, currency="jpy", link="https://acme.example/estimates/t")))  # fmt: skip
    assert "Total: ¥3,702\n" in yen.text and "Deposit" not in yen.text


def test_the_decision_email_tells_the_business_who_decided_what_and_why() -> None:
    approved = events_pb2.EstimateDecisionEmail(number="EST-0001", customer_name="Globex", decision="approved",
                                                initials="JD", total=1000, currency="usd", version=2,
                                                invoice_number="INV-0009")  # fmt: skip
    rendered = render(EmailRequest(ENVELOPE, "estimate_decision", approved))
    assert rendered.subject == "Globex approved estimate EST-0001"
    assert "Initials: JD" in rendered.text and "Invoice created: INV-0009" in rendered.text
    assert "EST-0001 (version 2)" in rendered.text and "certificate is attached" in rendered.text
    declined = events_pb2.EstimateDecisionEmail(number="EST-0002", customer_name="Globex", decision="changes_requested",
                                                reason="<i>Cheaper</i>", total=1000, currency="usd", version=1)  # fmt: skip
    shown = render(EmailRequest(ENVELOPE, "estimate_decision", declined))
    assert shown.subject == "Globex asked for changes to estimate EST-0002"
    assert "&lt;i&gt;Cheaper&lt;/i&gt;" in shown.html and "<i>Cheaper</i>" in shown.text
    with pytest.raises(MalformedEmail):
        render(
            EmailRequest(
                ENVELOPE, "estimate_decision", events_pb2.EstimateDecisionEmail(decision="maybe", currency="usd")
            )
        )
