"""The templates: what customers and businesses typed is escaped in HTML and kept as typed in the text part."""

from __future__ import annotations

import pytest
from portal.billing.v1 import events_pb2 as billing_events
from portal.mailer.v1 import email_pb2

from services.mailer.rendering import render
from services.mailer.requests import EmailRequest, MalformedEmail
from services.mailer.tests.mailing import invoice_email, sign_in_email

SCRIPT = "<script>alert('x')</script>"


def _request(message: object) -> EmailRequest:
    template = message.WhichOneof("template")  # type: ignore[attr-defined]
    return EmailRequest(message.envelope, template, getattr(message, template))  # type: ignore[attr-defined]


def test_customer_and_business_text_is_escaped_in_the_html_part() -> None:
    rendered = render(
        _request(invoice_email(customer_name=f"Eve {SCRIPT}", from_name="Acme & <b>Sons</b>", message=f"Hi {SCRIPT}"))
    )
    assert "<script>" not in rendered.html and "<b>Sons</b>" not in rendered.html
    assert "Hello Eve &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;," in rendered.html
    assert "<p>Hi &lt;script&gt;" in rendered.html
    assert "Acme &amp; &lt;b&gt;Sons&lt;/b&gt;" in rendered.html
    assert rendered.text.startswith(f"Hello Eve {SCRIPT},\n\nHi {SCRIPT}\n")
    assert rendered.subject == "Invoice INV-0001 from Acme & <b>Sons</b>"


def test_a_subject_is_one_line_whatever_it_was_given() -> None:
    rendered = render(_request(invoice_email("Header injection\r\nBcc: evil@example.com")))
    assert rendered.subject == "Header injection Bcc: evil@example.com"


def test_a_link_cannot_break_out_of_its_attribute() -> None:
    rendered = render(_request(invoice_email(link='https://acme.example/i/"onmouseover="alert(1)')))
    assert 'href="https://acme.example/i/&#34;onmouseover=&#34;alert(1)"' in rendered.html


def test_the_sign_in_email_has_one_layout_and_both_parts() -> None:
    rendered = render(_request(sign_in_email(from_name="Acme Inc", code="123456")))
    assert rendered.subject == "Sign in to Acme Inc"
    assert rendered.text == (
        "Hello,\n\nSign in to Acme Inc with this link:\nhttp://acme.localhost:8000/sign-in/tok\n\n"
        "Or enter this code: 123456\n\nThe link and the code are valid for 15 minutes and work once.\n"
        "If you did not ask for this, ignore this email.\n\nAcme Inc\n"
    )
    assert rendered.html.startswith("<!doctype html>") and "<title>Sign in to Acme Inc</title>" in rendered.html
    assert ">Sign in</a>" in rendered.html and ">123456</span>" in rendered.html


def test_an_unknown_template_is_malformed() -> None:
    request = _request(sign_in_email())
    with pytest.raises(MalformedEmail):
        render(EmailRequest(request.envelope, "no_such_template", request.data))


def _attention(*excerpts: str, more: int = 0) -> billing_events.EmailRequested:
    items = [billing_events.AttentionItem(invoice_id=i + 1, number=f"INV-000{i + 1}", customer_name="Jane <Co>",
                                          excerpt=text) for i, text in enumerate(excerpts)]  # fmt: skip
    return billing_events.EmailRequested(
        envelope=email_pb2.Envelope(to=[email_pb2.Recipient(email="ops@acme.test")], from_name="Acme"),
        needs_attention=billing_events.NeedsAttentionEmail(items=items, more=more),
    )


def test_the_needs_attention_email_groups_invoices_and_shows_comments_as_text() -> None:
    one = render(_request(_attention('<a href="https://evil.test">click</a>')))
    assert one.subject == "Invoice INV-0001 needs attention: Jane <Co> commented"
    assert '<a href="https://evil.test">' not in one.html
    assert "&lt;a href=&#34;https://evil.test&#34;&gt;click&lt;/a&gt;" in one.html
    assert '"<a href="https://evil.test">click</a>"' in one.text  # the text part is plain text
    many = render(_request(_attention("one", "two", more=5)))
    assert many.subject == "7 invoices need attention"
    assert 'INV-0002 (Jane <Co>): "two"' in many.text and "… and 5 more." in many.text
    with pytest.raises(MalformedEmail):
        render(_request(_attention()))


def test_the_customer_hears_of_a_reply_and_of_resolving() -> None:
    def update(resolved: bool) -> billing_events.EmailRequested:
        return billing_events.EmailRequested(
            envelope=email_pb2.Envelope(to=[email_pb2.Recipient(email="jane@example.com")], from_name="Acme"),
            comment_update=billing_events.CommentUpdateEmail(number="INV-0001", customer_name="Jane", resolved=resolved,
                                                             author="Sam at Acme", excerpt="Done <b>now</b>",
                                                             link="https://acme.example/invoices/tok"),
        )  # fmt: skip

    replied = render(_request(update(False)))
    assert replied.subject == "Acme replied to your comment on invoice INV-0001"
    assert "Done &lt;b&gt;now&lt;/b&gt;" in replied.html and "Done <b>now</b>" in replied.text
    assert "View Invoice: https://acme.example/invoices/tok" in replied.text
    resolved = render(_request(update(True)))
    assert resolved.subject == "Acme resolved your comment on invoice INV-0001"
    assert "marked your comment on invoice INV-0001 as resolved" in resolved.text


def _autopay_failed(next_attempt: int | None) -> object:
    email = billing_events.AutoPayFailedEmail(
        customer_name="Globex", invoice_number="INV-0007", amount=12345, currency="kwd",
        failure_message=f"Your card was declined. {SCRIPT}", link="https://acme.example.com/update-card/tok",
    )  # fmt: skip
    if next_attempt is not None:
        email.next_attempt = next_attempt
    envelope = email_pb2.Envelope(to=[email_pb2.Recipient(name="Globex", email="ap@globex.example")], from_name="Acme")
    return billing_events.EmailRequested(envelope=envelope, autopay_failed=email)


def test_the_autopay_failure_email_says_what_failed_when_it_is_retried_and_links_to_the_card_page() -> None:
    rendered = render(_request(_autopay_failed(1_800_000_000)))
    assert rendered.subject == "AutoPay could not charge your card for invoice INV-0007"
    assert "Amount: 12.345 KWD" in rendered.text
    assert "We will try again on January 15, 2027." in rendered.text
    assert "Update your card: https://acme.example.com/update-card/tok" in rendered.text
    assert "<script>" not in rendered.html and 'href="https://acme.example.com/update-card/tok"' in rendered.html
    last = render(_request(_autopay_failed(None)))
    assert "We will not try again automatically" in last.text


def test_a_subscription_invoice_email_has_view_invoice_and_manage_subscription_buttons() -> None:
    message = invoice_email()
    message.new_invoice.manage_link = "https://acme.example.com/subscriptions/tok"
    rendered = render(_request(message))
    assert "Manage Subscription: https://acme.example.com/subscriptions/tok" in rendered.text
    assert 'href="https://acme.example.com/subscriptions/tok"' in rendered.html and "View Invoice</a>" in rendered.html
    plain = render(_request(invoice_email()))
    assert "Manage Subscription" not in plain.text and "Manage Subscription" not in plain.html
    message.new_invoice.manage_link = "javascript:alert(1)"
    with pytest.raises(MalformedEmail):
        render(_request(message))


def _notice(notice: str, invoice: bool) -> object:
    email = billing_events.SubscriptionNoticeEmail(
        customer_name="Globex", notice=notice, plan_name=f"Pro {SCRIPT}", currency="kwd",
        manage_link="https://acme.example.com/subscriptions/tok",
    )  # fmt: skip
    if invoice:
        email.invoice_number, email.balance = "INV-0009", 12345
        email.invoice_link = "https://acme.example.com/invoices/itok"
    envelope = email_pb2.Envelope(to=[email_pb2.Recipient(name="Globex", email="ap@globex.example")], from_name="Acme")
    return billing_events.EmailRequested(envelope=envelope, subscription_notice=email)


@pytest.mark.parametrize(
    ("notice", "subject", "line"),
    [
        ("past_due", "Your subscription is past due (Acme)", "subscription is past due"),
        ("reactivated", "Your subscription is active again (Acme)", "is active again"),
        ("canceled", "Your subscription has been canceled (Acme)", "has been canceled"),
        ("finished", "Your subscription has ended (Acme)", "has ended"),
    ],
)
def test_subscription_notices_say_what_changed_and_link_to_the_subscription(
    notice: str, subject: str, line: str
) -> None:
    rendered = render(_request(_notice(notice, invoice=notice == "past_due")))
    assert rendered.subject == subject
    assert line in rendered.text and "Manage Subscription: https://acme.example.com/subscriptions/tok" in rendered.text
    assert "<script>" not in rendered.html
    if notice == "past_due":
        assert (
            "Balance due: 12.345 KWD" in rendered.text
            and "View Invoice: https://acme.example.com/invoices/itok" in rendered.text
        )
    else:
        assert "View Invoice" not in rendered.text


def test_an_unknown_subscription_notice_is_malformed() -> None:
    with pytest.raises(MalformedEmail):
        render(_request(_notice("deleted", invoice=False)))
