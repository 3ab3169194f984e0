"""Typed clients for the backends, one module per service; made per request by services.gateway.deps."""
