"""Who a portal call acts for: a signed-in customer, or a guest (a temporary session from an emailed link).

The gateway sets it in the `x-portal-principal` metadata of every call it makes for a portal visitor; services
that hold a customer's documents read it back (portal_kit.context) and refuse what the principal may not see.
Text form: `customer:<id>` (full sign-in), `guest:<id>` (temporary, whole account) or
`guest:<id>/<document type>:<document id>` (temporary, one document).
"""

from __future__ import annotations

from dataclasses import dataclass

from portal_kit.context import current_principal
from portal_kit.errors import PermissionDenied

MISSING = "This call must be made for a signed-in customer."


@dataclass(frozen=True)
class Principal:
    customer_id: int
    document_type: str | None = None
    document_id: int | None = None
    guest: bool = False

    def encode(self) -> str:
        text = f"{'guest' if self.guest else 'customer'}:{self.customer_id}"
        if self.document_type is not None and self.document_id is not None:
            text += f"/{self.document_type}:{self.document_id}"
        return text

    def may_see(self, document_type: str, document_id: int, owner_id: int) -> bool:
        """A document is visible to its own customer, and to a document-scope guest only if it is that document."""
        if owner_id != self.customer_id:
            return False
        if self.document_type is None:
            return True
        return self.document_type == document_type and self.document_id == document_id

    @property
    def whole_account(self) -> bool:
        return self.document_type is None

    @classmethod
    def decode(cls, text: str) -> Principal:
        customer, _, document = text.partition("/")
        kind, _, raw_id = customer.partition(":")
        if kind not in ("customer", "guest") or not raw_id.isdigit():
            raise PermissionDenied(MISSING)
        guest = kind == "guest"
        if not document:
            return cls(int(raw_id), guest=guest)
        document_type, _, document_id = document.partition(":")
        if not guest or not document_type or not document_id.isdigit():
            raise PermissionDenied(MISSING)
        return cls(int(raw_id), document_type, int(document_id), guest=True)


def required_principal() -> Principal:
    """The customer of the call in progress; refuses a call that carries none."""
    text = current_principal()
    if not text:
        raise PermissionDenied(MISSING)
    return Principal.decode(text)
