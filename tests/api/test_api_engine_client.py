"""EngineClient against a mock transport: request shape, custom payloads, error mapping."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from api.engine import EngineClient
from api.exceptions import EngineError, EngineTimeout, EngineUnavailable


def client_for(handler) -> EngineClient:
    return EngineClient("http://127.0.0.1:5005/", timeout=3, transport=httpx.MockTransport(handler))


async def test_send_posts_sender_and_message_and_returns_custom_payloads():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["url"] = str(request.url)
        seen["body"] = json.loads(request.content)
        return httpx.Response(
            200,
            json=[
                {"recipient_id": "abc", "custom": {"type": "score_card", "turn": 1}},
                {"recipient_id": "abc", "text": "a plain utterance"},
                {"recipient_id": "abc", "custom": {"type": "patient_line", "text": "Hm."}},
            ],
        )

    engine = client_for(handler)
    out = await engine.send("abc", "hello")
    await engine.aclose()
    assert seen == {"url": "http://127.0.0.1:5005/webhooks/rest/webhook", "body": {"sender": "abc", "message": "hello"}}
    assert out == [{"type": "score_card", "turn": 1}, {"type": "patient_line", "text": "Hm."}]


@pytest.mark.parametrize(
    ("exc", "expected", "words"),
    [
        (httpx.ConnectError("refused"), EngineUnavailable, "not reachable"),
        (httpx.ReadTimeout("slow"), EngineTimeout, "within 3 s"),
        (httpx.RemoteProtocolError("garbled"), EngineError, "RemoteProtocolError"),
    ],
)
async def test_transport_errors_map_to_engine_errors(exc, expected, words):
    def handler(request):
        raise exc

    with pytest.raises(expected) as info:
        await client_for(handler).send("abc", "hello")
    assert words in str(info.value)
    assert "http://127.0.0.1:5005/webhooks/rest/webhook" in str(info.value)


@pytest.mark.parametrize(
    ("response", "words"),
    [
        (httpx.Response(500, text="boom"), "HTTP 500"),
        (httpx.Response(200, text="<html>"), "not JSON"),
        (httpx.Response(200, json={"oops": 1}), "expected a list"),
    ],
)
async def test_bad_replies_are_engine_errors(response, words):
    with pytest.raises(EngineError, match=words):
        await client_for(lambda request: response).send("abc", "hello")


async def test_an_empty_reply_means_the_action_server_is_away():
    with pytest.raises(EngineUnavailable, match="action server is not reachable") as info:
        await client_for(lambda request: httpx.Response(200, json=[])).send("abc", "hello")
    assert info.value.status_code == 503 and info.value.headers == {"Retry-After": "5"}


async def test_status_probes_root():
    def handler(request):
        assert request.url.path == "/"
        return httpx.Response(200, text="Hello from Rasa: 3.6.21")

    assert await client_for(handler).status() is True
    assert await client_for(lambda r: httpx.Response(503)).status() is False

    def refuse(request):
        raise httpx.ConnectError("refused")

    assert await client_for(refuse).status() is False


async def test_real_refused_connection_is_unavailable():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    engine = EngineClient(f"http://127.0.0.1:{port}", timeout=2, status_timeout=1)
    with pytest.raises(EngineUnavailable, match=f"127.0.0.1:{port}"):
        await engine.send("abc", "hello")
    assert await engine.status() is False
    await engine.aclose()


def test_settings_accept_plain_database_url(monkeypatch):
    from actions.settings import Settings

    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db/practice")
    monkeypatch.setenv("PRACTICE_RASA_URL", "http://rasa:5005/")
    settings = Settings()
    assert settings.database_url == "postgresql://u:p@db/practice"
    assert settings.rasa_url == "http://rasa:5005"
    monkeypatch.setenv("PRACTICE_DATABASE_URL", "sqlite:///x.db")
    assert Settings().database_url == "sqlite:///x.db"
    assert Settings(database_url="sqlite:///y.db").database_url == "sqlite:///y.db"
