"""Demo data for the local run: the business `acme` with customers, contacts, invoices, an estimate to approve,
plans and subscriptions.

Created through the same doors a real business uses: the auth admin gRPC call, then the JSON API.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from portal.auth.v1 import auth_pb2, auth_pb2_grpc
from portal_kit import grpc_client
from portal_kit.errors import AlreadyExists
from portal_kit.service_auth import ServiceCredential

DAY = 86_400
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class DemoBusiness:
    username: str
    display_name: str
    api_key: str
    sso_key: str
    created: bool


async def ensure_business(auth_addr: str, admin: ServiceCredential, username: str, display_name: str) -> DemoBusiness:
    """Creates the business, or issues a fresh API key when it already exists (keys are shown only once)."""
    channel = grpc_client.channel(auth_addr, credential=admin)
    stub = auth_pb2_grpc.BusinessAdminServiceStub(channel)
    try:
        try:
            created = await stub.CreateBusiness(
                auth_pb2.CreateBusinessRequest(username=username, display_name=display_name)
            )
            return DemoBusiness(username, display_name, created.api_key, created.sso_key, True)
        except Exception as error:  # noqa: BLE001
            domain = grpc_client.domain_error(error) if hasattr(error, "code") else error
            if not isinstance(domain, AlreadyExists):
                raise
        issued = await stub.IssueApiKey(auth_pb2.IssueApiKeyRequest(username=username))
        return DemoBusiness(username, issued.business.display_name, issued.api_key, issued.sso_key, False)
    finally:
        await channel.close()


CUSTOMERS: list[dict[str, Any]] = [
    {
        "customer": {
            "name": "Globex Corporation",
            "email": "ap@globex.example",
            "payment_terms": "NET 30",
            "address1": "1 Globex Way",
            "city": "Cypress Creek",
            "state": "OR",
            "postal_code": "97001",
            "country": "US",
            "currency": "usd",
        },  # fmt: skip
        "contacts": [
            {"name": "Hank Scorpio", "email": "hank@globex.example", "primary": True},
            {"name": "Pat Bookkeeper", "email": "pat@books.example"},
        ],
        "invoices": [
            {
                "days_ago": 3,
                "items": [
                    {"name": "Consulting", "quantity": 12, "unit_cost": 150},
                    {"name": "Hosting (monthly)", "quantity": 1, "unit_cost": 49.99},
                ],
                "taxes": [{"amount": 12.5}],
                "send": True,
                # A comment thread: the customer asks (as a guest from the emailed link), the business replies,
                # the customer follows up: the invoice needs attention.
                "thread": [
                    ("customer", "Hi! Could you add our PO number 4500-117 to this invoice? Our AP team needs it."),
                    ("business", "Of course. We will add it today and send you the updated PDF."),
                    ("customer", "Thanks! Also, is the hosting line for March or April?"),
                ],
            },
            {"days_ago": 0, "draft": True, "items": [{"name": "Support plan", "quantity": 1, "unit_cost": 299}]},
        ],
        "estimates": [
            {
                "days_ago": 1,
                "valid_days": 30,
                "name": "Website redesign",
                "items": [
                    {"name": "Discovery workshop", "quantity": 2, "unit_cost": 600},
                    {"name": "Design and build", "quantity": 1, "unit_cost": 4800},
                ],
                "deposit": 1500,
                "send": True,
            },
        ],
    },
    {
        "customer": {
            "name": "Initech",
            "email": "billing@initech.example",
            "payment_terms": "NET 30",
            "currency": "usd",
        },
        "contacts": [
            {"name": "Peter Gibbons", "email": "peter@initech.example"},
            {"name": "Bill Lumbergh", "email": "bill@initech.example", "primary": True},
            {"name": "Pat Bookkeeper", "email": "pat@books.example"},
        ],
        "invoices": [
            {
                "days_ago": 45,
                "items": [
                    {"name": "TPS report covers", "quantity": 250, "unit_cost": 0.35},
                    {"name": "Red stapler", "quantity": 1, "unit_cost": 18.75},
                ],
                "discounts": [{"amount": 5}],
                "payment": {"amount": 40, "method": "check", "reference": "1042"},  # partly paid by check
            },
        ],
    },
    {
        "customer": {
            "name": "Jane Doe",
            "type": "person",
            "email": "jane@example.com",
            "currency": "eur",
            "country": "DE",
            "payment_terms": "DUE ON RECEIPT",
        },  # fmt: skip
        "contacts": [],
        "invoices": [{"days_ago": 1, "items": [{"name": "Design workshop", "quantity": 1.5, "unit_cost": 480}]}],
    },
]

# Subscriptions: a monthly plan with a per-seat addon, a yearly plan, and a euro plan for the euro customer.
PLANS = [
    {"id": "starter-monthly", "name": "Starter", "currency": "usd", "amount": 29, "interval": "month"},
    {"id": "extra-seat", "name": "Extra seat", "currency": "usd", "amount": 9, "interval": "month"},
    {"id": "pro-yearly", "name": "Pro (yearly)", "currency": "usd", "amount": 990, "interval": "year"},
    {"id": "team-monthly-eur", "name": "Team", "currency": "eur", "amount": 49, "interval": "month"},
]
# customer name → subscriptions (days_ago: the start date; negative = starts later)
SUBSCRIPTIONS: dict[str, list[dict[str, Any]]] = {
    "Globex Corporation": [
        {"plan": "starter-monthly", "days_ago": 20, "addons": [{"plan": "extra-seat", "quantity": 3}]}
    ],
    "Initech": [{"plan": "pro-yearly", "days_ago": 100}],
    "Jane Doe": [{"plan": "team-monthly-eur", "days_ago": -7}],
}


async def seed_subscriptions(client: httpx.AsyncClient, customers: dict[str, int], now: int) -> None:
    for plan in PLANS:
        (await client.post("/plans", json=plan)).raise_for_status()
    for name, specs in SUBSCRIPTIONS.items():
        for spec in specs:
            body = {k: v for k, v in spec.items() if k != "days_ago"}
            body.update(customer=customers[name], start_date=now - spec["days_ago"] * DAY)
            (await client.post("/subscriptions", json=body)).raise_for_status()


# Approving a demo estimate asks for these terms; decisions are emailed to the dev mailbox's sales address.
ESTIMATE_SETTINGS = {"terms": "Work starts within two weeks of approval. The deposit is due on approval.",
                     "notify_email": "sales@acme.example"}  # fmt: skip


async def seed(api_url: str, api_key: str, host: str | None = None) -> int:
    """Adds the demo customers unless the business already has customers. Returns how many were created."""
    headers = {"Host": host} if host else {}
    async with httpx.AsyncClient(base_url=api_url, auth=(api_key, ""), headers=headers, timeout=30) as client:
        existing = await client.get("/customers", params={"per_page": 1})
        existing.raise_for_status()
        if int(existing.headers["x-total-count"]) > 0:
            return 0
        now = int(time.time())
        (await client.patch("/estimate_settings", json=ESTIMATE_SETTINGS)).raise_for_status()
        customers: dict[str, int] = {}
        for entry in CUSTOMERS:
            reply = await client.post("/customers", json=entry["customer"])
            reply.raise_for_status()
            customer_id = reply.json()["id"]
            customers[entry["customer"]["name"]] = customer_id
            for contact in entry["contacts"]:
                (await client.post(f"/customers/{customer_id}/contacts", json=contact)).raise_for_status()
            for spec in entry["invoices"]:
                body = {k: v for k, v in spec.items() if k not in ("days_ago", "send", "thread", "payment")}
                body.update(customer=customer_id, date=now - spec["days_ago"] * DAY)
                created = await client.post("/invoices", json=body)
                created.raise_for_status()
                if spec.get("send"):
                    (await client.post(f"/invoices/{created.json()['id']}/emails", json={})).raise_for_status()
                if payment := spec.get("payment"):
                    applied = [{"type": "invoice", "invoice": created.json()["id"], "amount": payment["amount"]}]
                    body = {**payment, "customer": customer_id, "applied_to": applied}
                    (await client.post("/payments", json=body)).raise_for_status()
                if spec.get("thread"):
                    await seed_thread(client, api_url, created.json(), spec["thread"])
            for spec in entry.get("estimates", []):
                body = {k: v for k, v in spec.items() if k not in ("days_ago", "valid_days", "send")}
                body.update(customer=customer_id, date=now - spec["days_ago"] * DAY,
                            expiration_date=now + spec["valid_days"] * DAY)  # fmt: skip
                created = await client.post("/estimates", json=body)
                created.raise_for_status()
                if spec.get("send"):
                    (await client.post(f"/estimates/{created.json()['id']}/emails", json={})).raise_for_status()
        await seed_subscriptions(client, customers, now)
        return len(CUSTOMERS)


async def seed_thread(
    api: httpx.AsyncClient, api_url: str, invoice: dict[str, Any], thread: list[tuple[str, str]]
) -> None:
    """The customer comments through the portal (a guest from the invoice's link); the business replies by API."""
    (await api.patch("/comment_settings", json={"notification_email": "billing@acme.example"})).raise_for_status()
    link = urlsplit(invoice["url"])
    origin = urlsplit(api_url)
    async with httpx.AsyncClient(base_url=f"{origin.scheme}://{origin.netloc}", headers={"Host": link.netloc},
                                 timeout=30) as browser:  # fmt: skip
        opened = await browser.get(link.path)
        page_path = opened.headers["location"]
        for author, text in thread:
            if author == "business":
                (await api.post("/notes", json={"invoice_id": invoice["id"], "notes": text})).raise_for_status()
                continue
            page = await browser.get(page_path)
            token = CSRF.search(page.text)
            assert token is not None, "the invoice page has no comment form"
            posted = await browser.post(f"{page_path}/comments", data={"csrf_token": token.group(1), "body": text},
                                        headers={"Origin": f"{link.scheme}://{link.netloc}"})  # fmt: skip
            if posted.status_code != 303:
                raise RuntimeError(f"the demo comment was refused ({posted.status_code})")


def seed_sync(api_url: str, api_key: str, host: str | None = None) -> int:
    return asyncio.run(seed(api_url, api_key, host))


DEMO_SIGN_UP_PAGE = {"name": "Join Acme", "plans": ["starter-monthly", "pro-yearly"], "has_quantity": True,
                     "header_text": "Pick a plan; cancel any time from your account.",
                     "thanks_text": "Thanks for subscribing to Acme! Your first invoice is paid."}  # fmt: skip


async def sign_up_page(api_url: str, api_key: str) -> str:
    """The demo's sign-up page (made once, offering two of the demo plans; its url on every run)."""
    async with httpx.AsyncClient(base_url=api_url, auth=(api_key, ""), timeout=30) as client:
        existing = await client.get("/sign_up_pages", params={"per_page": 1})
        existing.raise_for_status()
        if existing.json():
            return str(existing.json()[0]["url"])
        created = await client.post("/sign_up_pages", json=DEMO_SIGN_UP_PAGE)
        if created.status_code == 400:  # data from before the demo plans: no page to show
            return "(none: start with --fresh for the demo plans)"
        created.raise_for_status()
        return str(created.json()["url"])


def sign_up_page_sync(api_url: str, api_key: str) -> str:
    return asyncio.run(sign_up_page(api_url, api_key))
