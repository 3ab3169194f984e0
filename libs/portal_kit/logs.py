"""Structured logs: one JSON object per line, with the trace and span ids when in a traced span and the tenant id
of the call in progress. Never pass secrets, tokens or card data as fields: callers cut tokens out of what they
log (e.g. the gateway's `loggable_path`), and the formatter redacts, as a second line of defence, fields whose
name says secret and values shaped like an API key or a signed token (JWT)."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Any

from portal_kit import tracing
from portal_kit.context import current_tenant_or_none

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
REDACTED = "[redacted]"
SECRET_FIELD = re.compile(r"token|secret|passw|authori[sz]ation|cookie|api_?key|sso_?key|card|cvc|session_id", re.I)
# An API key (`key_` + random) or a JWT (three base64url parts, the first a JSON header): cut out of any text.
SECRET_VALUE = re.compile(r"\bkey_[A-Za-z0-9_-]{16,}|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def scrub(value: Any) -> Any:
    """`value` with secret-shaped text replaced; other types as they are."""
    if isinstance(value, str):
        return SECRET_VALUE.sub(REDACTED, value)
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": scrub(record.getMessage()),
        }
        if ids := tracing.ids_of_current():
            entry["trace_id"], entry["span_id"] = ids
        if tenant := current_tenant_or_none():
            entry["tenant_id"] = tenant
        for key, value in record.__dict__.items():
            if key not in _RESERVED:
                entry[key] = REDACTED if SECRET_FIELD.search(key) else scrub(value)
        if record.exc_info:
            entry["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def configure(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    logging.getLogger(service).info("logging configured", extra={"service": service})
