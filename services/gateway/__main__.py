import json

import uvicorn
from portal_kit import logs
from portal_kit.service_auth import require_own_credential

from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings

logs.configure("gateway")
settings = GatewaySettings.from_env()
require_own_credential("gateway")
app = create_app(settings)
config = uvicorn.Config(app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False,
                        proxy_headers=True, server_header=False)  # fmt: skip
server = uvicorn.Server(config)
print(json.dumps({"service": "gateway", "http_port": settings.http_port}), flush=True)
server.run()
