"""Stripe's webhooks: `POST /webhooks/stripe/{username}`, relayed untouched (raw body and signature) to billing,
which verifies the signature with that business's signing secret and applies each event once.

A refused signature answers 400 (Stripe retries only on errors, and a forged event must not be retried into
success); an event applied before answers 200 (Stripe stops resending it).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Path, Request
from portal_kit.errors import FailedPrecondition, InvalidArgument
from starlette.responses import JSONResponse

from services.gateway.deps import backends_of

router = APIRouter()
log = logging.getLogger(__name__)
Username = Annotated[str, Path(min_length=1, max_length=63, pattern=r"^[a-z0-9-]+$")]
MAX_SIGNATURE = 1000

# Counters of the observability engineer's metrics (coordination/metrics.md); one line each when they land.
WEBHOOKS_APPLIED = "stripe_webhooks_applied_total"
WEBHOOKS_REFUSED = "stripe_webhooks_refused_total"


@router.post("/webhooks/stripe/{username}")
async def stripe_webhook(request: Request, username: Username) -> JSONResponse:
    business = await request.app.state.tenancy.business_for(username)
    if business is None:
        return JSONResponse({"error": "unknown business"}, status_code=404)
    signature = request.headers.get("stripe-signature", "")
    if not signature or len(signature) > MAX_SIGNATURE:
        log.info("stripe webhook refused", extra={"business": business.id, "reason": "no signature"})
        return JSONResponse({"error": "missing signature"}, status_code=400)
    payload = await request.body()
    try:
        outcome = await backends_of(request).card_payments(business.id).receive_webhook(payload, signature)
    except (InvalidArgument, FailedPrecondition) as refused:
        log.info("stripe webhook refused", extra={"business": business.id, "reason": refused.message})
        return JSONResponse({"error": refused.message}, status_code=400)
    return JSONResponse({"received": True, "outcome": outcome.outcome})
