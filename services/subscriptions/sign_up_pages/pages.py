"""Sign-up pages: what a business offers on a public page, and the unguessable token of its url."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from portal_kit.errors import InvalidArgument, NotFound
from portal_kit.ids import derived_token, keyed_hash, new_public_id, new_token
from portal_kit.timestamps import utcnow
from sqlmodel.ext.asyncio.session import AsyncSession

from services.subscriptions.models import Plan
from services.subscriptions.sign_up_pages.models import SignUpPage
from services.subscriptions.sign_up_pages.repository import OfferedPlanRepository, SignUpPageRepository

TOKEN_PURPOSE = "sign-up-page"
TYPES = ("recurring", "autopay")
MAX_PLANS = 20
MAX_TRIAL_DAYS = 730
MAX_TEXT = 5000
MAX_URL = 500
MAX_METADATA = 50
GONE = "This sign-up page does not exist or is no longer available."
FIELDS = frozenset({
    "name", "type", "plans", "has_quantity", "trial_period_days", "billing_address", "shipping_address",
    "allow_multiple_subscriptions", "header_text", "thanks_text", "tos_url", "thanks_url", "is_default", "metadata",
})  # fmt: skip


@dataclass
class PageFields:
    """What a business sets on a page; on update only the names in `changed` apply (None clears the urls)."""

    name: str = ""
    type: str = "recurring"
    plans: list[str] = field(default_factory=list)
    has_quantity: bool = False
    trial_period_days: int = 0
    billing_address: bool = False
    shipping_address: bool = False
    allow_multiple_subscriptions: bool = False
    header_text: str = ""
    thanks_text: str = ""
    tos_url: str | None = None
    thanks_url: str | None = None
    is_default: bool = False
    metadata: dict[str, str] = field(default_factory=dict)


def page_token(secret_key: bytes, page: SignUpPage) -> str:
    return derived_token(secret_key, page.token_nonce, TOKEN_PURPOSE)


def token_hash(secret_key: bytes, token: str) -> str:
    return keyed_hash(secret_key, token, TOKEN_PURPOSE)


def plan_ids(page: SignUpPage) -> list[str]:
    return [str(p) for p in json.loads(page.plans)]


def metadata_of(page: SignUpPage) -> dict[str, str]:
    return {str(k): str(v) for k, v in json.loads(page.metadata_json).items()}


def _url(value: str | None, name: str) -> str | None:
    if value is None or value == "":
        return None
    if len(value) > MAX_URL or not value.startswith(("https://", "http://")) or any(c.isspace() for c in value):
        raise InvalidArgument(f"{name} must be an http(s) URL of at most {MAX_URL} characters.", name)
    return value


def _text(value: str, name: str) -> str:
    if len(value) > MAX_TEXT:
        raise InvalidArgument(f"{name} is longer than {MAX_TEXT} characters.", name)
    return value


async def _checked_plans(session: AsyncSession, ids: list[str]) -> list[str]:
    if not ids:
        raise InvalidArgument("A sign-up page offers at least one plan.", "plans")
    if len(ids) > MAX_PLANS:
        raise InvalidArgument(f"A sign-up page offers at most {MAX_PLANS} plans.", "plans")
    found = {plan.id for plan in await OfferedPlanRepository(session).among(ids)}
    for i, plan_id in enumerate(ids):
        if plan_id not in found:
            raise InvalidArgument(f"No such plan: '{plan_id}'", f"plans[{i}]")
    return list(dict.fromkeys(ids))


def _apply(page: SignUpPage, values: PageFields, changed: frozenset[str]) -> None:
    if "name" in changed:
        if not values.name.strip() or len(values.name) > 200:
            raise InvalidArgument("A sign-up page needs a name (at most 200 characters).", "name")
        page.name = values.name.strip()
    if "type" in changed:
        if values.type not in TYPES:
            raise InvalidArgument("type must be recurring or autopay.", "type")
        page.type = values.type
    if "trial_period_days" in changed:
        if not 0 <= values.trial_period_days <= MAX_TRIAL_DAYS:
            raise InvalidArgument(f"trial_period_days must be 0 to {MAX_TRIAL_DAYS}.", "trial_period_days")
        page.trial_period_days = values.trial_period_days
    for flag in ("has_quantity", "billing_address", "shipping_address", "allow_multiple_subscriptions"):
        if flag in changed:
            setattr(page, flag, bool(getattr(values, flag)))
    if "header_text" in changed:
        page.header_text = _text(values.header_text, "header_text")
    if "thanks_text" in changed:
        page.thanks_text = _text(values.thanks_text, "thanks_text")
    if "tos_url" in changed:
        page.tos_url = _url(values.tos_url, "tos_url")
    if "thanks_url" in changed:
        page.thanks_url = _url(values.thanks_url, "thanks_url")
    if "metadata" in changed:
        if len(values.metadata) > MAX_METADATA:
            raise InvalidArgument(f"At most {MAX_METADATA} metadata keys.", "metadata")
        page.metadata_json = json.dumps(values.metadata, sort_keys=True)


async def create_page(session: AsyncSession, secret_key: bytes, values: PageFields) -> SignUpPage:
    """A new page; the business's first page is its default one (customers' sign_up_url) until another is."""
    repository = SignUpPageRepository(session)
    nonce = new_token(24)
    page = SignUpPage(tenant_id=repository.tenant_id, id=new_public_id(), name="", token_nonce=nonce, token_hash="")
    page.token_hash = token_hash(secret_key, page_token(secret_key, page))
    _apply(page, values, FIELDS)
    page.plans = json.dumps(await _checked_plans(session, values.plans))
    make_default = values.is_default or await repository.default_page() is None
    if make_default:
        await repository.clear_default()
    page.is_default = make_default
    return await repository.add(page)


async def get_page(session: AsyncSession, page_id: int) -> SignUpPage:
    return await SignUpPageRepository(session).get(page_id)


async def update_page(session: AsyncSession, page_id: int, values: PageFields, changed: frozenset[str]) -> SignUpPage:
    unknown = changed - FIELDS
    if unknown:
        raise InvalidArgument(f"Unknown field: '{sorted(unknown)[0]}'", sorted(unknown)[0])
    repository = SignUpPageRepository(session)
    page = await repository.get(page_id)
    _apply(page, values, changed)
    if "plans" in changed:
        page.plans = json.dumps(await _checked_plans(session, values.plans))
    if "is_default" in changed and values.is_default != page.is_default:
        if values.is_default:
            await repository.clear_default()
        page.is_default = values.is_default
    page.updated_at = utcnow()
    return await repository.save(page)


async def delete_page(session: AsyncSession, page_id: int) -> None:
    """Deletes the page: its url answers 404 from now on. Subscriptions signed up on it keep their page id."""
    repository = SignUpPageRepository(session)
    await repository.discard(await repository.get(page_id))


async def list_pages(session: AsyncSession, page: int, per_page: int) -> tuple[list[SignUpPage], int]:
    return await SignUpPageRepository(session).oldest_first(max(page, 1), min(max(per_page, 1), 100))


async def offered_plans(session: AsyncSession, page: SignUpPage) -> list[Plan]:
    """The page's plans that still exist, in the page's order."""
    found = {plan.id: plan for plan in await OfferedPlanRepository(session).among(plan_ids(page))}
    return [found[plan_id] for plan_id in plan_ids(page) if plan_id in found]


async def plans_of(session: AsyncSession, rows: list[SignUpPage]) -> list[Plan]:
    """The plans some pages offer, each once."""
    wanted = list(dict.fromkeys(plan_id for page in rows for plan_id in plan_ids(page)))
    return await OfferedPlanRepository(session).among(wanted)


async def public_page(session: AsyncSession, secret_key: bytes, token: str) -> SignUpPage:
    """The page behind a public url; NOT_FOUND alike for a wrong token, a deleted page or one with no plan left."""
    if not token or len(token) > 100:
        raise NotFound(GONE, "token")
    page = await SignUpPageRepository(session).by_token_hash(token_hash(secret_key, token))
    if page is None or not await offered_plans(session, page):
        raise NotFound(GONE, "token")
    return page


async def default_page(session: AsyncSession) -> SignUpPage | None:
    return await SignUpPageRepository(session).default_page()
