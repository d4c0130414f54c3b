"""EnginePool: turns spread over Rasa servers, a refused server passed over, nothing sent twice."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from actions.settings import Settings
from api.engine import EngineClient, EnginePool
from api.exceptions import EngineBusy, EngineTimeout, EngineUnreachable
from api.main import make_engine

REPLY = [{"recipient_id": "s", "custom": {"type": "patient_line", "text": "Hm."}}]


class FakeServer:
    """One Rasa server behind a mock transport: counts what reached it, can be slow or down."""

    def __init__(self, name: str, *, refuse: bool = False, time_out: bool = False, delay: float = 0.0) -> None:
        self.name, self.refuse, self.time_out, self.delay = name, refuse, time_out, delay
        self.received: list[str] = []

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if self.refuse:
            raise httpx.ConnectError("connection refused", request=request)
        self.received.append(json.loads(request.content)["message"])
        if self.time_out:
            raise httpx.ReadTimeout("no answer", request=request)
        await asyncio.sleep(self.delay)
        return httpx.Response(200, json=REPLY)

    def client(self) -> EngineClient:
        return EngineClient(f"http://{self.name}:5005", timeout=3, transport=httpx.MockTransport(self.handle))


def pool_of(*servers: FakeServer, clock=None) -> EnginePool:
    kwargs = {"clock": clock} if clock else {}
    return EnginePool([s.client() for s in servers], **kwargs)


async def test_turns_one_after_another_go_round_the_servers():
    a, b = FakeServer("a"), FakeServer("b")
    pool = pool_of(a, b)
    for n in range(6):
        await pool.send("s", f"turn {n}")
    assert a.received == ["turn 0", "turn 2", "turn 4"]
    assert b.received == ["turn 1", "turn 3", "turn 5"]


async def test_concurrent_turns_go_to_the_least_busy_server():
    slow, other = FakeServer("slow", delay=0.3), FakeServer("other", delay=0.01)
    pool = pool_of(slow, other)
    first = asyncio.create_task(pool.send("s1", "long"))
    await asyncio.sleep(0.05)  # "long" is in flight on one server
    for n in range(3):
        await pool.send("s2", f"quick {n}")
    await first
    busy = slow if slow.received[:1] == ["long"] else other
    idle = other if busy is slow else slow
    assert idle.received == ["quick 0", "quick 1", "quick 2"]  # none queued behind the long turn


async def test_a_refused_connection_sends_the_same_message_to_another_server_once():
    down, up = FakeServer("down", refuse=True), FakeServer("up")
    pool = pool_of(down, up)
    assert await pool.send("s", "hello") == [{"type": "patient_line", "text": "Hm."}]
    assert up.received == ["hello"]


async def test_a_refused_server_is_passed_over_until_its_cool_off_ends():
    now = [100.0]
    down, up = FakeServer("down", refuse=True), FakeServer("up")
    pool = pool_of(down, up, clock=lambda: now[0])
    await pool.send("s", "one")
    down.refuse = False  # back, but the pool has not looked yet
    await pool.send("s", "two")
    await pool.send("s", "three")
    assert down.received == [] and up.received == ["one", "two", "three"]
    now[0] += pool.cool_off + 0.1
    await pool.send("s", "four")
    await pool.send("s", "five")
    assert len(down.received) == 1 and len(up.received) == 4  # back in the rotation


async def test_every_server_refusing_is_an_outage_the_learner_can_retry():
    pool = pool_of(FakeServer("a", refuse=True), FakeServer("b", refuse=True))
    with pytest.raises(EngineUnreachable) as raised:
        await pool.send("s", "hello")
    assert raised.value.status_code == 503 and raised.value.retryable


async def test_a_turn_that_was_sent_is_never_sent_to_a_second_server():
    """A timeout after sending: that server may have taken the turn, so it is not resent."""
    slow, other = FakeServer("slow", time_out=True), FakeServer("other")
    pool = pool_of(slow, other)
    with pytest.raises(EngineTimeout):
        await pool.send("s", "hello")
    assert slow.received == ["hello"] and other.received == []


async def test_the_pool_is_up_while_any_server_answers():
    def answering(up: bool) -> EngineClient:
        def handler(request: httpx.Request) -> httpx.Response:
            if not up:
                raise httpx.ConnectError("refused", request=request)
            return httpx.Response(200, text="Hello from Rasa")

        return EngineClient("http://x:5005", transport=httpx.MockTransport(handler))

    assert await EnginePool([answering(False), answering(True)]).status()
    assert not await EnginePool([answering(False), answering(False)]).status()


def test_the_rasa_urls_become_one_pool_with_the_settings_admission():
    one = make_engine(Settings(rasa_url="http://127.0.0.1:5005/", engine_queue_timeout=3))
    assert isinstance(one, EnginePool) and [c.base_url for c in one.clients] == ["http://127.0.0.1:5005"]
    assert one.queue_timeout == 3
    several = make_engine(Settings(rasa_url=" http://10.0.0.1:5005/ , http://10.0.0.2:5005"))
    assert isinstance(several, EnginePool)
    assert [c.base_url for c in several.clients] == ["http://10.0.0.1:5005", "http://10.0.0.2:5005"]


async def test_a_turn_that_finds_no_place_is_refused_at_once_and_never_sent():
    slow = FakeServer("slow", delay=0.5)
    pool = EnginePool([slow.client()], max_in_flight=1, queue_timeout=0.1)
    first = asyncio.create_task(pool.send("s1", "first"))
    await asyncio.sleep(0.05)
    started = asyncio.get_running_loop().time()
    with pytest.raises(EngineBusy) as refused:
        await pool.send("s2", "second")
    assert asyncio.get_running_loop().time() - started < 0.4  # told at once, not after the slow turn
    assert refused.value.status_code == 503 and refused.value.retryable
    assert refused.value.code == "engine_busy" and refused.value.headers == {"Retry-After": "2"}
    await first
    assert slow.received == ["first"]  # the refused turn never reached the engine
    await pool.send("s2", "second")  # a place is free again
    assert slow.received == ["first", "second"]


async def test_turns_wait_in_order_for_a_place_within_the_timeout():
    server = FakeServer("a", delay=0.05)
    pool = EnginePool([server.client()], max_in_flight=1, queue_timeout=2.0)
    await asyncio.gather(*(pool.send("s", f"turn {n}") for n in range(5)))
    assert server.received == [f"turn {n}" for n in range(5)]


async def test_places_grow_with_the_servers():
    a, b = FakeServer("a", delay=0.2), FakeServer("b", delay=0.2)
    pool = EnginePool([a.client(), b.client()], max_in_flight=1, queue_timeout=0.05)
    both = [asyncio.create_task(pool.send("s", n)) for n in ("one", "two")]
    await asyncio.gather(*both)  # one place per server: two at once, neither refused
    assert len(a.received) == len(b.received) == 1


def test_an_empty_pool_is_refused():
    with pytest.raises(ValueError):
        EnginePool([])
