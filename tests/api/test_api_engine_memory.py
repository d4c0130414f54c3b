"""The engine's copy of a conversation is forgotten once the API holds the record."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from api.engine import forget_conversations


def tracker_store(path: Path, senders: list[str]) -> str:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, data TEXT)")
        db.executemany("INSERT INTO events (sender_id, data) VALUES (?, ?)", [(s, "{}") for s in senders])
    return f"sqlite:///{path}"


def senders_left(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return sorted(row[0] for row in db.execute("SELECT sender_id FROM events"))


def test_forgetting_deletes_only_those_conversations(tmp_path: Path) -> None:
    url = tracker_store(tmp_path / "trackers.db", ["a", "a", "b", "c"])
    assert forget_conversations(url, ["a", "c"]) == 3
    assert senders_left(tmp_path / "trackers.db") == ["b"]


def test_nothing_to_forget_is_not_an_error(tmp_path: Path) -> None:
    assert forget_conversations(None, ["a"]) == 0
    assert forget_conversations(f"sqlite:///{tmp_path / 'empty.db'}", ["a"]) == 0  # no events table yet
    assert forget_conversations(tracker_store(tmp_path / "t.db", ["a"]), []) == 0


def test_a_broken_store_is_logged_not_raised(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert forget_conversations("sqlite:////nonexistent/dir/trackers.db", ["secret-session"]) == 0
    assert "could not forget" in caplog.text


async def test_ending_a_session_forgets_it_on_the_engine(client, start, engine) -> None:
    ended = await start()
    await client.post(f"/api/sessions/{ended['id']}/end", json={"reason": "finished"})
    engine.terminal_next = True
    finished = await start()
    await client.post(f"/api/sessions/{finished['id']}/turns", json={"text": "Thank you for telling me."})
    live = await start()
    await client.post(f"/api/sessions/{live['id']}/turns", json={"text": "What happened?"})
    assert engine.forgotten == [ended["id"], finished["id"]]
