"""The Rasa engine, reached through its REST channel (the Rasa HTTP API stays off)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any, Protocol

import httpx

from api.engine.memory import forget_conversations
from api.exceptions import EngineError, EngineTimeout, EngineUnavailable, EngineUnreachable

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/rest/webhook"


class EngineClient:
    """Talks to one Rasa server: ``send`` a learner message, ``status`` to probe it.

    The HTTP client is made on first use (not at import) and closed by ``aclose``.
    Logs carry the sender id, status and timing, never the message or the reply.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 60.0,
        status_timeout: float = 2.0,
        transport: httpx.AsyncBaseTransport | None = None,
        tracker_url: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tracker_url = tracker_url
        self.timeout = timeout
        self.status_timeout = status_timeout
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    def forget(self, sender_ids: Sequence[str]) -> int:
        """Delete the engine's copy of these conversations (see api/engine/memory.py)."""
        return forget_conversations(self.tracker_url, sender_ids)

    @property
    def webhook_url(self) -> str:
        return webhook_url(self.base_url)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(transport=self._transport, timeout=self.timeout)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        """Send one message as ``sender``; return the ``custom`` payloads of the reply, in order."""
        url = self.webhook_url
        started = time.perf_counter()
        try:
            response = await self._http().post(url, json=webhook_body(sender, message))
        except (httpx.ConnectTimeout, httpx.NetworkError) as exc:
            # Never connected: nothing was sent, so another server may take it (api/engine/pool.py).
            unsent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
            raise (EngineUnreachable if unsent else EngineUnavailable)(
                f"the Rasa engine at {url} is not reachable ({type(exc).__name__}); "
                "is it running? (`make run` starts it)"
            ) from exc
        except httpx.TimeoutException as exc:
            raise EngineTimeout(f"the Rasa engine at {url} did not answer within {self.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise EngineError(f"the Rasa engine at {url} failed: {type(exc).__name__}") from exc
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.info("engine reply sender=%s status=%s in %.0f ms", sender, response.status_code, elapsed_ms)
        if response.status_code != 200:
            raise EngineError(f"the Rasa engine at {url} answered HTTP {response.status_code}")
        try:
            messages = response.json()
        except ValueError as exc:
            raise EngineError(f"the Rasa engine at {url} answered with something that is not JSON") from exc
        if not isinstance(messages, list):
            raise EngineError(
                f"the Rasa engine at {url} answered a JSON {type(messages).__name__}, expected a list of messages"
            )
        if not messages:  # every message we send runs an action that answers: its server is away
            raise EngineUnavailable(
                f"the Rasa engine at {url} answered nothing; its action server is not reachable or is restarting"
            )
        custom = [m["custom"] for m in messages if isinstance(m, dict) and isinstance(m.get("custom"), dict)]
        if len(custom) != len(messages):
            log.warning(
                "engine reply sender=%s had %d non-custom messages (ignored)", sender, len(messages) - len(custom)
            )
        return custom

    async def status(self) -> bool:
        """True if the Rasa server answers ``GET /`` (its "Hello from Rasa") within the probe timeout."""
        try:
            response = await self._http().get(status_url(self.base_url), timeout=self.status_timeout)
        except httpx.HTTPError:
            return False
        return response.status_code == 200


STATUS_PATH = "/"  # answers "Hello from Rasa" once the server is up (the HTTP API need not be on)


def webhook_url(base_url: str) -> str:
    """Where the REST channel of the Rasa server at ``base_url`` takes messages."""
    return base_url.rstrip("/") + WEBHOOK_PATH


def status_url(base_url: str) -> str:
    """What to poll to know the Rasa server at ``base_url`` is up."""
    return base_url.rstrip("/") + STATUS_PATH


def webhook_body(sender: str, message: str) -> dict[str, str]:
    """The JSON body the REST channel takes: who speaks (the conversation id) and what."""
    return {"sender": sender, "message": message}


class DialogueEngine(Protocol):
    """What the API needs of the engine: ``EngineClient`` in service, ``api.engine.fake.FakeEngine`` in tests."""

    async def send(self, sender: str, message: str) -> list[dict[str, Any]]: ...

    async def status(self) -> bool: ...

    def forget(self, sender_ids: Sequence[str]) -> int: ...

    async def aclose(self) -> None: ...
