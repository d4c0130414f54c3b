"""The Rasa server(s) behind one ``DialogueEngine``: admission, and each turn to the least busy.

Scaling out is Rasa's own design (docs/DESIGN.md, "Scaling out"): the servers share one SQL
tracker store, where each conversation's events live, and a Redis lock store, whose ticket
lock makes them process one conversation's messages in order whichever server takes them.
So any server can take any turn, and the API needs no stickiness: it sends each message to
the server with the fewest requests in flight (ties go round the servers in turn), which
keeps a slow turn on one server from queueing others behind it.

A server that refuses the connection (``EngineUnreachable``: stopped, restarting) never saw
the message, so the same message goes to the next server at once and that server is passed
over for ``cool_off`` seconds. Any failure after the message was sent (a timeout, a dropped
connection, an error status) is raised as it is: that server may have taken the turn, and
sending it again is the learner's retry, which the turn's pending record makes safe.

Admission: at most ``max_in_flight`` turns per server are with the engine from this process at
once; the next waits for a place, and one that finds none within ``queue_timeout`` seconds is
answered ``EngineBusy`` (503, Retry-After) without being sent, so it is kept and retried like
any turn the engine could not take. A Rasa server works through its messages on one core, so
turns beyond a few in flight only queue inside it, every learner's wait growing with the crowd;
here they queue in order, and the ones that would wait too long are told so at once. Eight per
server keeps one busy (its action server and database calls overlap) and, at the ~20 turns/s
measured on two cores, drains in under half a second; five seconds of waiting for a place plus
a turn's own time keeps every request well under ten. With one server this is a pool of one.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from api.engine.client import EngineClient
from api.engine.memory import forget_conversations
from api.exceptions import EngineBusy, EngineUnreachable

log = logging.getLogger(__name__)


class EnginePool:
    """Spreads turns over Rasa servers that share a tracker store and a lock store."""

    def __init__(
        self,
        clients: Sequence[EngineClient],
        *,
        tracker_url: str | None = None,
        max_in_flight: int = 8,
        queue_timeout: float = 5.0,
        cool_off: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not clients:
            raise ValueError("an engine pool needs at least one Rasa server")
        self.clients = list(clients)
        self.tracker_url = tracker_url
        self.queue_timeout = queue_timeout
        self._places = asyncio.Semaphore(max_in_flight * len(self.clients))  # binds to the loop on first use
        self.cool_off = cool_off
        self._clock = clock
        self._in_flight = [0] * len(self.clients)
        self._refused_until = [0.0] * len(self.clients)
        self._turns = itertools.count()  # breaks ties between equally busy servers, in turn

    def _order(self) -> list[int]:
        """Servers to try for the next message: answering ones first, least busy first."""
        now = self._clock()
        start = next(self._turns) % len(self.clients)
        rotated = [(start + offset) % len(self.clients) for offset in range(len(self.clients))]
        return sorted(rotated, key=lambda i: (self._refused_until[i] > now, self._in_flight[i]))

    async def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        """Once there is a place, send to the least busy server; on a refused connection, to the next."""
        try:
            async with asyncio.timeout(self.queue_timeout):
                await self._places.acquire()
        except TimeoutError:
            log.warning("engine busy: no place for a turn within %.1f s", self.queue_timeout)
            raise EngineBusy() from None
        try:
            return await self._send_to_a_server(sender, message)
        finally:
            self._places.release()

    async def _send_to_a_server(self, sender: str, message: str) -> list[dict[str, Any]]:
        refused: EngineUnreachable | None = None
        for index in self._order():
            self._in_flight[index] += 1
            try:
                return await self.clients[index].send(sender, message)
            except EngineUnreachable as exc:
                self._refused_until[index] = self._clock() + self.cool_off
                log.warning("engine %d of %d refused the connection; trying another", index + 1, len(self.clients))
                refused = exc
            finally:
                self._in_flight[index] -= 1
        assert refused is not None  # the loop ran at least once and every server refused
        raise refused

    async def status(self) -> bool:
        """Up while any server answers: the others' turns go to it."""
        for client in self.clients:
            if await client.status():
                return True
        return False

    def forget(self, sender_ids: Sequence[str]) -> int:
        """The servers share one tracker store, so the conversations are forgotten once, there."""
        return forget_conversations(self.tracker_url, sender_ids)

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()
