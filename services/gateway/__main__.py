"""`python -m services.gateway`. The settings come first: unfit ones end the process before the heavy imports."""

from services.gateway.settings import GatewaySettings

settings = GatewaySettings.load()

import json  # noqa: E402
import math  # noqa: E402

import uvicorn  # noqa: E402
from portal_kit import logs, metrics, tracing  # noqa: E402
from portal_kit.service_auth import require_own_credential  # noqa: E402

from services.gateway.app import create_app  # noqa: E402
from services.gateway.draining import GatewayServer  # noqa: E402

logs.configure("gateway")
require_own_credential("gateway")
tracing.configure("gateway")
metrics.serve(metrics.endpoint_from_env())
app = create_app(settings)
# proxy_headers off: uvicorn would believe X-Forwarded-For from 127.0.0.1; the gateway reads it itself, only from
# PORTAL_TRUSTED_PROXIES (services/gateway/client_ip.py).
config = uvicorn.Config(app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False,
                        proxy_headers=False, server_header=False, loop="uvloop", http="httptools",
                        timeout_graceful_shutdown=math.ceil(settings.shutdown_grace_seconds))  # fmt: skip
server = GatewayServer(config, app.state.readiness)
print(json.dumps({"service": "gateway", "http_port": settings.http_port}), flush=True)
try:
    server.run()
finally:
    tracing.shutdown()
