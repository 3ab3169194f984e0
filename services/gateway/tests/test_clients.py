"""The typed clients carry the tenant, the principal and the deadline; routers reach backends only through them."""

from __future__ import annotations

import re
from pathlib import Path

from portal_kit.context import PRINCIPAL_METADATA_KEY, TENANT_METADATA_KEY
from portal_kit.principal import Principal

from services.gateway.clients.calls import CallScope

GATEWAY = Path(__file__).resolve().parents[1]
ROUTERS = [*sorted((GATEWAY / "api").glob("*.py")), *(GATEWAY / "portal" / n for n in ("account.py", "documents.py",
                                                                                        "signin.py"))]  # fmt: skip


def test_a_scope_stamps_tenant_and_principal_metadata() -> None:
    guest = CallScope("tenant-1", 2.5, Principal(7, "invoice", 9, guest=True))
    assert list(guest.metadata()) == [(TENANT_METADATA_KEY, "tenant-1"), (PRINCIPAL_METADATA_KEY, "guest:7/invoice:9")]
    assert list(CallScope(None, 2.5).metadata()) == []
    assert list(CallScope("tenant-1", 2.5).acting_for(Principal(7)).metadata())[1] == (
        PRINCIPAL_METADATA_KEY,
        "customer:7",
    )


def test_routers_use_typed_dependencies_not_app_state() -> None:
    untyped = re.compile(r"app\.state|backends\.call\(|request\.state\.")
    offenders = [
        f"{path.name}:{number}"
        for path in ROUTERS
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if untyped.search(line)
    ]
    assert offenders == []
