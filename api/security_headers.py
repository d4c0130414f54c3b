"""Security headers on every response: pages, JSON, static files, redirects and errors.

``wrap(app, ...)`` puts two layers outside the whole application (outside even Starlette's
ServerErrorMiddleware, so an unexpected 500 carries them too):

- uvicorn's ``ProxyHeadersMiddleware``: ``X-Forwarded-Proto`` (and ``X-Forwarded-For``) are
  believed only from the addresses in ``PRACTICE_TRUSTED_PROXIES`` (none by default). A request
  that reached a trusted proxy over https is then an https request here: its session cookie is
  ``Secure`` (``api.web.session``) and it gets ``Strict-Transport-Security``.
- ``SecurityHeaders``: the headers below. The pages have no inline script or style, so the
  Content-Security-Policy needs no 'unsafe-inline' and no 'unsafe-eval'. The one exception is
  FastAPI's Swagger UI (``/docs``): its script and stylesheet come from a CDN and it starts with
  an inline script, so those paths allow that CDN and that script by its hash, and nothing more.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Collection
from typing import TYPE_CHECKING, cast

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

if TYPE_CHECKING:
    from uvicorn._types import ASGI3Application

# Everything from this site only; no plugins; never framed; forms and <base> stay here.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI as FastAPI serves it: the bundle and stylesheet from jsDelivr, FastAPI's favicon,
# images inlined as data: URLs by its stylesheet, and its inline start-up script by hash.
SWAGGER_CDN = "https://cdn.jsdelivr.net"
SWAGGER_POLICY = (
    "default-src 'self'; script-src 'self' " + SWAGGER_CDN + " {hashes}; style-src 'self' " + SWAGGER_CDN + "; "
    "img-src 'self' data: https://fastapi.tiangolo.com; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000"  # a year; not includeSubDomains: other services may share the domain
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def script_hashes(html: bytes) -> str:
    """The CSP source expressions ('sha256-...') allowing exactly the inline scripts of ``html``."""
    found = (base64.b64encode(hashlib.sha256(body).digest()).decode() for body in _INLINE_SCRIPT.findall(html))
    return " ".join(f"'sha256-{digest}'" for digest in found)


class SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` to every HTTP response, and HSTS to those served over https.

    Responses on ``swagger_paths`` are buffered (they are small) so their policy can name the
    hashes of their own inline scripts.
    """

    def __init__(self, app: ASGIApp, *, swagger_paths: Collection[str] = ()) -> None:
        self.app = app
        self.swagger_paths = frozenset(swagger_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        def secure(message: Message, policy: str = CONTENT_SECURITY_POLICY) -> Message:
            headers = MutableHeaders(scope=message)
            for name, value in SECURITY_HEADERS.items():
                headers[name] = value
            headers["Content-Security-Policy"] = policy
            if https:
                headers["Strict-Transport-Security"] = HSTS
            return message

        if scope["path"] not in self.swagger_paths:

            async def send_secured(message: Message) -> None:
                await send(secure(message) if message["type"] == "http.response.start" else message)

            await self.app(scope, receive, send_secured)
            return

        start: Message | None = None
        body: list[bytes] = []

        async def send_buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.append(message.get("body", b""))
            if not message.get("more_body", False):
                whole = b"".join(body)
                await send(secure(start, SWAGGER_POLICY.format(hashes=script_hashes(whole))))
                await send({"type": "http.response.body", "body": whole})

        await self.app(scope, receive, send_buffered)


def wrap(app: ASGIApp, *, trusted_proxies: list[str], swagger_paths: Collection[str] = ()) -> ASGIApp:
    """``app`` with the security headers inside, and the proxy headers of trusted proxies outside."""
    # uvicorn types ASGI apps with its own TypedDicts, Starlette with plain mappings: the same protocol.
    inner = cast("ASGI3Application", SecurityHeaders(app, swagger_paths=swagger_paths))
    return cast("ASGIApp", ProxyHeadersMiddleware(inner, trusted_hosts=trusted_proxies))
