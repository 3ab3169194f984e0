import json

import uvicorn
from portal_kit import logs

from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings

logs.configure("gateway")
settings = GatewaySettings.from_env()
app = create_app(settings)
config = uvicorn.Config(app, host="0.0.0.0", port=settings.http_port, log_config=None, access_log=False,
                        proxy_headers=True, server_header=False)  # fmt: skip
server = uvicorn.Server(config)
print(json.dumps({"service": "gateway", "http_port": settings.http_port}), flush=True)
server.run()
