"""The sign-in email: a Sign in button (the link) and the same sign-in as a 6-digit code. HTML is escaped."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

BUTTON_STYLE = (
    "display:inline-block;padding:12px 24px;background:#2563eb;color:#ffffff;"
    "text-decoration:none;border-radius:6px;font-weight:bold"
)
CODE_STYLE = "font-size:28px;font-weight:bold;letter-spacing:6px;font-family:Menlo,Consolas,monospace"


@dataclass(frozen=True)
class ComposedEmail:
    subject: str
    text: str
    html: str


def compose(business_name: str, link: str, code: str, valid_minutes: int) -> ComposedEmail:
    subject = f"Sign in to {business_name}"
    validity = f"The link and the code are valid for {valid_minutes} minutes and work once."
    ignore = "If you did not ask for this, ignore this email."
    text = "\n".join(
        [
            "Hello,",
            "",
            f"Sign in to {business_name} with this link:",
            link,
            "",
            f"Or enter this code: {code}",
            "",
            validity,
            ignore,
            "",
            business_name,
        ]
    )
    html = (
        '<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif;color:#222">'
        "<p>Hello,</p>"
        f"<p>Sign in to {escape(business_name)} with this button:</p>"
        f'<p><a href="{escape(link, quote=True)}" style="{BUTTON_STYLE}">Sign in</a></p>'
        f'<p>Or enter this code: <span style="{CODE_STYLE}">{escape(code)}</span></p>'
        f"<p>{escape(validity)}</p>"
        f'<p style="color:#555">{escape(ignore)}</p>'
        f"<p>{escape(business_name)}</p></body></html>"
    )
    return ComposedEmail(subject, text, html)
