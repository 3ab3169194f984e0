"""Run the dev mailbox: `python -m devtools.mailbox --smtp-port 1025 --http-port 8025` (0 picks free ports).

Prints one JSON line to stdout once both servers listen: {"smtp_port": N, "http_port": M}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import socket
import sys

import uvicorn

from devtools.localservers import PortInUse, ensure_port_free
from devtools.mailbox.smtp import start_smtp
from devtools.mailbox.store import MailStore
from devtools.mailbox.web import create_app


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devtools.mailbox", description=__doc__)
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    parser.add_argument("--host", default="127.0.0.1")
    return parser.parse_args(argv)


def _listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


async def _serve(server: uvicorn.Server, sock: socket.socket, smtp_port: int) -> None:
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            await task
            return
        await asyncio.sleep(0.02)
    http_port = sock.getsockname()[1]
    host = sock.getsockname()[0]
    print(f"dev mailbox: http://{host}:{http_port} (SMTP on {host}:{smtp_port})", file=sys.stderr)
    print(json.dumps({"smtp_port": smtp_port, "http_port": http_port}), flush=True)
    await task


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command
    try:
        for port, what in ((args.smtp_port, "dev mailbox SMTP"), (args.http_port, "dev mailbox HTTP")):
            if port:
                ensure_port_free(port, what, args.host)
    except PortInUse as exc:
        print(exc, file=sys.stderr)
        return 2

    store = MailStore()
    config = uvicorn.Config(create_app(store), log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)

    def request_exit(signum: int, frame: object) -> None:
        server.should_exit = True

    # uvicorn handles both while serving and hands them back to these handlers when it is done.
    signal.signal(signal.SIGINT, request_exit)
    signal.signal(signal.SIGTERM, request_exit)

    controller, smtp_port = start_smtp(store, args.host, args.smtp_port)
    try:
        sock = _listen(args.host, args.http_port)
        with sock:
            asyncio.run(_serve(server, sock, smtp_port))
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
