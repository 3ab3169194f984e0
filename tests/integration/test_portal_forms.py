"""Every state-changing portal form is checked by the one CSRF dependency and refused with the one refusal page."""

from __future__ import annotations

import pytest

from devtools.stack import Stack
from tests.conftest import Business
from tests.integration.portal_client import portal

FORMS = (
    "/sign-in",
    "/sign-in/code",
    "/sign-in/some-link-token",
    "/choose-account",
    "/sign-out",
    "/sign-out/everywhere",
    "/account/details",
    "/account/full-sign-in",
)


@pytest.mark.parametrize("path", FORMS)
def test_every_form_refuses_a_missing_or_forged_token_with_the_same_page(
    stack: Stack, business: Business, path: str
) -> None:
    with portal(stack, business) as browser:
        browser.get("/")  # a pre-session cookie, so only the token is wrong
        for data in ({}, {"csrf_token": "forged"}):
            refused = browser.post(path, data=data)
            assert refused.status_code == 403, (path, data)
            assert "This form has expired" in refused.text
            assert "Reload the page and try again." in refused.text
