"""The checks every request passes before a route sees it, as one plain ASGI layer:

1. the ``Host`` header names this server (a page on another site that rebinds its DNS name
   to 127.0.0.1 sends its own name): else 400;
2. the bearer token: none or a wrong one is 401; the read-only token may only read (403);
3. the body: a declared ``Content-Length`` over the cap is refused with 413 before a byte of
   it is read; a chunked body is cut off at the cap; a client that stalls while sending
   gets 408, so a slow or dead client never holds a worker thread.

The OpenAPI document and its docs page need no token (they say nothing about the queue).
"""

from __future__ import annotations

import hmac
import json

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from prismq_desktop.api.config import ApiConfig

OPEN_PATHS = ("/docs", "/docs/oauth2-redirect", "/openapi.json", "/redoc")
READS = ("GET", "HEAD", "OPTIONS")


class Refused(Exception):
    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


class Guard:
    def __init__(self, app: ASGIApp, config: ApiConfig) -> None:
        self.app = app
        self.config = config
        self.hosts = {name.lower() for name in config.host_names()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1"): value.decode("latin-1")
                   for key, value in scope["headers"]}
        try:
            self._check_host(headers.get("host", ""))
            self._check_token(scope, headers.get("authorization", ""))
            receive = await self._body(scope, receive, headers)
        except Refused as refused:
            await _answer(send, refused)
            return
        await self.app(scope, receive, send)

    def _check_host(self, host: str) -> None:
        name = host.rsplit("]", 1)[0].lstrip("[") if host.startswith("[") \
            else host.rsplit(":", 1)[0]
        if name.lower() not in self.hosts:
            raise Refused(400, f"Host {host!r} is not this server's (use --allow-host to add it)")

    def _check_token(self, scope: Scope, header: str) -> None:
        tokens = self.config.tokens
        if tokens is None or (scope["path"] in OPEN_PATHS and scope["method"] in READS):
            return
        scheme, _space, given = header.partition(" ")
        challenge = {"WWW-Authenticate": "Bearer"}
        if scheme.lower() != "bearer" or not given:
            raise Refused(401, "Missing bearer token (Authorization: Bearer TOKEN)", challenge)
        if hmac.compare_digest(given.encode(), tokens.full.encode()):
            return
        if not hmac.compare_digest(given.encode(), tokens.read_only.encode()):
            raise Refused(401, "Invalid token", challenge)
        if scope["method"] not in READS:
            raise Refused(403, "This token may only read")

    async def _body(self, scope: Scope, receive: Receive, headers: dict[str, str]) -> Receive:
        """The body read here, capped and timed, then handed on as one message."""
        if scope["method"] in READS:
            return receive
        cap = self.config.max_body_bytes
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > cap):
            raise Refused(413, f"Request body larger than {cap} bytes")
        chunks, size, more = [], 0, True
        while more:
            with anyio.move_on_after(self.config.body_timeout_s) as waited:
                message = await receive()
            if waited.cancel_called:
                raise Refused(408, "Request body not received in time")
            if message["type"] == "http.disconnect":
                return _replay(message)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                raise Refused(413, f"Request body larger than {cap} bytes")
            chunks.append(chunk)
            more = message.get("more_body", False)
        return _replay({"type": "http.request", "body": b"".join(chunks), "more_body": False})


def _replay(first: Message) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return first
        await anyio.sleep_forever()  # what a finished request's receive does until disconnect
        raise AssertionError("unreachable")
    return receive


async def _answer(send: Send, refused: Refused) -> None:
    body = json.dumps({"detail": refused.detail}).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in refused.headers.items()]
    if refused.status in (408, 413):
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
