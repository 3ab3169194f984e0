"""Stripe's webhooks: `POST /webhooks/stripe/{username}`, relayed untouched (raw body and signature) to billing,
which verifies the signature with that business's signing secret and applies each event once.

A refused signature answers 400 (Stripe retries only on errors, and a forged event must not be retried into
success); an event applied before answers 200 (Stripe stops resending it).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Path, Request
from portal_kit import metrics
from portal_kit.errors import FailedPrecondition, InvalidArgument
from starlette.responses import JSONResponse

from services.gateway.deps import backends_of

router = APIRouter()
log = logging.getLogger(__name__)
Username = Annotated[str, Path(min_length=1, max_length=63, pattern=r"^[a-z0-9-]+$")]
MAX_SIGNATURE = 1000


def counted(outcome: str, reason: str = "") -> None:
    """portal_webhook_events_applied_total / portal_webhook_events_refused_total{reason} (portal_kit.metrics)."""
    if outcome == "applied":
        metrics.webhook_applied("stripe")
    else:
        metrics.webhook_refused("stripe", reason)
    log.info("stripe webhook", extra={"outcome": outcome, "reason": reason})


@router.post("/webhooks/stripe/{username}")
async def stripe_webhook(request: Request, username: Username) -> JSONResponse:
    business = await request.app.state.tenancy.business_for(username)
    if business is None:
        counted("refused", "unknown_account")
        return JSONResponse({"error": "unknown business"}, status_code=404)
    signature = request.headers.get("stripe-signature", "")
    if not signature or len(signature) > MAX_SIGNATURE:
        counted("refused", "signature")
        return JSONResponse({"error": "missing signature"}, status_code=400)
    payload = await request.body()
    try:
        outcome = await backends_of(request).card_payments(business.id).receive_webhook(payload, signature)
    except InvalidArgument as refused:  # a forged, altered or stale signature
        counted("refused", "signature")
        return JSONResponse({"error": refused.message}, status_code=400)
    except FailedPrecondition as refused:  # no Stripe account connected
        counted("refused", "unknown_account")
        return JSONResponse({"error": refused.message}, status_code=400)
    if outcome.outcome == "applied":
        counted("applied")
    else:  # "duplicate": applied before; "ignored": about an object of another account
        counted("refused", "duplicate" if outcome.outcome == "duplicate" else "unknown_account")
    return JSONResponse({"received": True, "outcome": outcome.outcome})
