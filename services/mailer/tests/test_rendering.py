"""The templates: what customers and businesses typed is escaped in HTML and kept as typed in the text part."""

from __future__ import annotations

import pytest

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
