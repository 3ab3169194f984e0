"""The API matches its OpenAPI document: schemathesis generates requests from /api/openapi.json on the running stack.

Every operation gets schema-valid requests (positive) and malformed ones (negative): no answer is a 5xx, every
status code is documented, and every body matches its documented schema. The example budget keeps it under a
minute; generation is derandomized so a failure reproduces.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from devtools.stack import Stack
from tests.conftest import Business

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# A deeper local run: PORTAL_CONTRACT_EXAMPLES=100 ./portal test tests/integration/test_api_contract.py (random seed)
DEEP = int(os.environ.get("PORTAL_CONTRACT_EXAMPLES", "0"))
EXAMPLES = {GenerationMode.POSITIVE: DEEP or 8, GenerationMode.NEGATIVE: (DEEP * 2 // 3) or 5}


@pytest.fixture
def existing(stack: Stack, business: Business) -> dict[str, Any]:
    """Real ids for the path parameters, so requests reach objects and not only 404s."""
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.http_port}/api", auth=(business.api_key, "")) as api:
        customer = api.post("/customers", json={"name": "Contract", "email": "contract@example.com"}).json()
        contact = api.post(f"/customers/{customer['id']}/contacts", json={"name": "C", "email": "c@example.com"})
        invoice = api.post("/invoices", json={"customer": customer["id"], "items": [{"name": "x", "unit_cost": 5}]})
    return {"customer_id": customer["id"], "contact_id": contact.json()["id"], "invoice_id": invoice.json()["id"]}


def run_operation(operation: Any, mode: GenerationMode, call: Callable[[Any], None]) -> None:
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=not DEEP,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def examples(case: Any) -> None:
        call(case)

    examples()


def test_every_answer_matches_the_document(stack: Stack, business: Business, existing: dict[str, Any]) -> None:
    base_url = f"http://127.0.0.1:{stack.http_port}"
    document = httpx.get(f"{base_url}/api/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    token = base64.b64encode(f"{business.api_key}:".encode()).decode()
    session = requests.Session()
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda operation: operation.method.upper() == "DELETE")  # deletes last: ids stay usable

    def call(case: Any) -> None:
        for name, value in existing.items():
            generated = (case.path_parameters or {}).get(name)
            if isinstance(generated, int) and generated % 3 == 0:
                case.path_parameters[name] = value
        case.headers = {**(case.headers or {}), "Authorization": f"Basic {token}"}
        case.call_and_validate(base_url=base_url, session=session, checks=CHECKS, timeout=10)

    assert len(operations) >= 20
    for operation in operations:
        for mode in EXAMPLES:
            run_operation(operation, mode, call)


def test_the_document_covers_the_api_only_with_real_error_codes(stack: Stack) -> None:
    document = httpx.get(f"http://127.0.0.1:{stack.http_port}/api/openapi.json").json()
    assert document["paths"] and all(path.startswith("/api/") for path in document["paths"])
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["ApiError"]["properties"]) == {"type", "message", "param"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            assert "422" not in answers, (method, path)
            assert {"400", "401", "413"} <= set(answers), (method, path)
            assert answers["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ApiError"}
            if "{" in path:
                assert "404" in answers, (method, path)
            if method in ("post", "patch"):
                body = operation["requestBody"]["content"]["application/json"]["schema"]
                reference = body["$ref"] if "$ref" in body else body["anyOf"][0]["$ref"]  # optional bodies
                assert schemas[reference.rsplit("/", 1)[-1]]["additionalProperties"] is False, (method, path)
    invoice = schemas["InvoiceCreate"]
    assert invoice["required"] == ["customer"]
    unit_cost = schemas["LineItemIn"]["properties"]["unit_cost"]["anyOf"][0]
    assert unit_cost["type"] == "number"


def test_the_docs_page_is_served_on_the_api_host_without_scripts(stack: Stack) -> None:
    page = httpx.get(f"http://127.0.0.1:{stack.http_port}/api/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script" not in page.text
    for text in ("POST", "/api/invoices/{invoice_id}/emails", "InvoiceCreate", "unit_cost", "ApiError"):
        assert text in page.text
    assert httpx.get(f"http://127.0.0.1:{stack.http_port}/static/api_docs.css").status_code == 200
