"""The business's side of comment threads, in Invoiced's Note shape (contract §7.11) where it fits.

- A thread is per document: `GET /invoices/{id}/notes` (or `GET /notes?filter[invoice]=id`) lists it oldest first;
  each comment is a Note whose `user` says who wrote it (`{"name", "type": "customer" | "business"}`).
- `POST /notes` with `invoice_id` (or `estimate_id`) and `notes` is the business's reply; the customer is emailed.
- `GET /invoices/{id}/comment_thread` adds the thread's status; `POST /invoices/{id}/resolve` resolves it, which
  clears the invoice's `needs_attention` through the same event path that set it.
- `GET`/`PATCH /comment_settings`: comments on or off, guests allowed, the notification address.
Note ids are the comment ids (random strings), not Invoiced's integers; notes on a customer alone, PATCH and
DELETE are not offered (a thread is a record of what was said).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request
from portal.auth.v1 import auth_pb2
from portal.billing.v1 import common_pb2
from portal.comments.v1 import comments_pb2 as pb
from portal_kit.errors import InvalidArgument

from services.gateway.api.jsonio import JsonResponse
from services.gateway.api.models import (
    CommentSettings,
    CommentSettingsUpdate,
    CommentThread,
    EmptyBody,
    Note,
    NoteCreate,
)
from services.gateway.api.pagination import list_headers, page_of
from services.gateway.api.routing import api_router, errors
from services.gateway.clients.billing import BillingClient
from services.gateway.clients.estimates import EstimatesClient
from services.gateway.deps import ApiBilling, ApiBusiness, ApiComments, Settings
from services.gateway.portal import comment_thread
from services.gateway.settings import GatewaySettings

router = api_router()
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def note_json(comment: pb.Comment, customer_id: int) -> dict[str, Any]:
    return {
        "id": comment.id,
        "object": "note",
        "notes": comment.body,
        "customer": customer_id or None,
        "invoice": comment.document_id if comment.document_type == "invoice" else None,
        "estimate": comment.document_id if comment.document_type == "estimate" else None,
        "user": {"name": comment.author, "type": comment.author_kind or "customer"},
        "created_at": comment.created_at,
        "updated_at": comment.created_at,
    }


def thread_json(thread: pb.Thread) -> dict[str, Any]:
    document_type, document_id = thread.document_type, thread.document_id
    return {
        "id": f"{document_type}:{document_id}",
        "object": "comment_thread",
        "invoice": document_id if document_type == "invoice" else None,
        "estimate": document_id if document_type == "estimate" else None,
        "customer": thread.customer_id or None,
        "status": thread.status or "none",
        "resolved_at": thread.resolved_at or None,
        "notes": [note_json(c, thread.customer_id) for c in thread.comments],
    }


def settings_json(settings: pb.CommentSettings) -> dict[str, Any]:
    return {
        "id": "comment_settings",
        "object": "comment_settings",
        "comments_enabled": settings.comments_enabled,
        "guests_may_comment": settings.guests_may_comment,
        "notification_email": settings.notification_email or None,
    }


def presentation(settings: GatewaySettings, business: auth_pb2.Business) -> pb.Presentation:
    return pb.Presentation(business_name=business.display_name, portal_url=settings.portal_url(business.username))


async def _invoice_thread(billing: BillingClient, comments: ApiComments, invoice_id: int) -> pb.Thread:
    await billing.get_invoice(invoice_id)  # 404 for another business's or a missing invoice
    return await comments.thread("invoice", invoice_id)


def _notes_response(request: Request, thread: pb.Thread) -> JsonResponse:
    rows = [note_json(c, thread.customer_id) for c in thread.comments]
    info = common_pb2.PageInfo(total_count=len(rows), page=1, last_page=1)  # a thread is one page, oldest first
    return JsonResponse(rows, headers=list_headers(request, page_of(1, 100), info))


@router.get("/invoices/{invoice_id}/notes", response_model=list[Note], responses=errors(404))
async def invoice_notes(
    request: Request, invoice_id: ObjectId, billing: ApiBilling, comments: ApiComments
) -> JsonResponse:
    """The invoice's comment thread, oldest first: the customer's comments and the business's replies."""
    return _notes_response(request, await _invoice_thread(billing, comments, invoice_id))


@router.get("/estimates/{estimate_id}/notes", response_model=list[Note], responses=errors(404))
async def estimate_notes(
    request: Request, estimate_id: ObjectId, billing: ApiBilling, comments: ApiComments
) -> JsonResponse:
    """The estimate's comment thread, oldest first."""
    await EstimatesClient(billing).get(estimate_id)  # 404 for another business's or a missing estimate
    return _notes_response(request, await comments.thread("estimate", estimate_id))


@router.get("/notes", response_model=list[Note], responses=errors(404))
async def list_notes(request: Request, billing: ApiBilling, comments: ApiComments) -> JsonResponse:
    """`filter[invoice]=<id>` (required): that invoice's thread."""
    raw = {k[len("filter[") : -1]: v for k, v in request.query_params.items() if k.startswith("filter[")}
    unknown = sorted(set(raw) - {"invoice"})
    if unknown or "invoice" not in raw:
        raise InvalidArgument("List notes of one invoice: give filter[invoice]=<invoice id>.", "filter[invoice]")
    if not raw["invoice"].isdigit() or not 1 <= int(raw["invoice"]) < 2**63:
        raise InvalidArgument("filter[invoice] must be an invoice id.", "filter[invoice]")
    return _notes_response(request, await _invoice_thread(billing, comments, int(raw["invoice"])))


@router.post("/notes", status_code=201, response_model=Note, responses=errors(404))
async def create_note(
    body: NoteCreate, business: ApiBusiness, billing: ApiBilling, comments: ApiComments, settings: Settings
) -> JsonResponse:
    """The business's reply on the invoice's (or estimate's) thread. The customer gets an email."""
    if body.customer_id is not None and body.invoice_id is None and body.estimate_id is None:
        raise InvalidArgument("Notes here are replies on a document's comment thread: give invoice_id.", "invoice_id")
    if (body.invoice_id is None) == (body.estimate_id is None):
        raise InvalidArgument("Give exactly one of invoice_id and estimate_id.", "invoice_id")
    if body.invoice_id is not None:
        document_type, document_id = "invoice", body.invoice_id
        await billing.get_invoice(document_id)
    else:
        assert body.estimate_id is not None
        document_type, document_id = "estimate", body.estimate_id
        await EstimatesClient(billing).get(document_id)
    author = (body.author or "").strip() or business.display_name
    replied = await comments.reply(document_type, document_id, author, body.notes, presentation(settings, business))
    return JsonResponse(note_json(replied.comment, replied.thread.customer_id), status_code=201)


@router.get("/invoices/{invoice_id}/comment_thread", response_model=CommentThread, responses=errors(404))
async def invoice_thread(invoice_id: ObjectId, billing: ApiBilling, comments: ApiComments) -> JsonResponse:
    return JsonResponse(thread_json(await _invoice_thread(billing, comments, invoice_id)))


@router.post("/invoices/{invoice_id}/resolve", response_model=CommentThread, responses=errors(404))
async def resolve_invoice_thread(
    invoice_id: ObjectId,
    business: ApiBusiness,
    billing: ApiBilling,
    comments: ApiComments,
    settings: Settings,
    body: EmptyBody | None = None,
) -> JsonResponse:
    """Marks the invoice's thread resolved; `needs_attention` clears through the comment-flag event (within a
    second or so). The customer sees "resolved" and gets an email. Resolving twice changes nothing."""
    await billing.get_invoice(invoice_id)
    return JsonResponse(thread_json(await comments.resolve("invoice", invoice_id, presentation(settings, business))))


@router.get("/comment_settings", response_model=CommentSettings, responses=errors())
async def get_comment_settings(comments: ApiComments) -> JsonResponse:
    return JsonResponse(settings_json(await comments.settings()))


@router.patch("/comment_settings", response_model=CommentSettings, responses=errors())
async def update_comment_settings(
    body: CommentSettingsUpdate, comments: ApiComments, business: ApiBusiness
) -> JsonResponse:
    """Only the fields sent change; `notification_email: ""` removes the address."""
    changes = pb.CommentSettingsChanges(**{k: v for k, v in body.given().items() if v is not None})
    updated = await comments.update_settings(changes)
    comment_thread.forget_settings(business.id)
    return JsonResponse(settings_json(updated))
