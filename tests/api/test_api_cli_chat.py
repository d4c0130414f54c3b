"""`practice chat` and `practice scenarios` against the real app served by uvicorn in a thread
(fake engine, fresh database), with scripted stdin."""

from __future__ import annotations

import argparse
import io
import socket
import sys
import threading
import time
from typing import Any, cast

import httpx
import pytest
import uvicorn

from api.auth.bootstrap import create_user
from api.exceptions import EngineUnavailable
from api.main import create_app
from api.models import Turn
from practice.commands import chat, scenarios_cmd
from practice.commands.api_client import ApiError, PracticeApi
from tests.api.conftest import PASSWORD
from tests.api.fakes import SCENARIOS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live(settings, engine):
    app = create_app(settings, engine_client=engine, scenario_loader=lambda: SCENARIOS)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    with app.state.sessionmaker() as db:
        create_user(db, username="lena", password=PASSWORD, role="learner")
    yield f"http://127.0.0.1:{port}", app
    server.should_exit = True
    thread.join(timeout=10)


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="practice")
    sub = parser.add_subparsers(dest="command", required=True)
    chat.add_parser(sub)
    scenarios_cmd.add_parser(sub)
    return parser.parse_args(argv)


def run_chat(
    monkeypatch, url: str, stdin: str, scenario: str = "front_desk", *, username: str = "lena", password: str = PASSWORD
) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.setenv("PRACTICE_PASSWORD", password)
    args = parse("chat", "--scenario", scenario, "--api", url, "--username", username)
    return args.handler(args)


def test_chat_happy_path(live, monkeypatch, capsys):
    url, _ = live
    code = run_chat(monkeypatch, url, "Can you tell me what happened?\n\n/end\n")
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Cancelled appointment at the front desk" in out
    assert "You are: receptionist, GP surgery reception" in out
    assert 'Mr Test Patient (angry [####-]):\n  "I\'ve been waiting two hours!"' in out
    assert "You > Can you tell me what happened?" in out  # piped input is echoed
    assert "Feedback: score +2.0, patient angry -> upset" in out
    assert '+ Open question: "Can you tell me what happened?"' in out
    assert "Chance to respond to a feeling (frustrated): taken" in out
    assert '> You asked an open question: "Can you tell me what happened?".' in out
    assert 'Mr Test Patient (upset [###--]):\n  "Patient reply 1."' in out
    assert "Session summary" in out
    assert "Outcome: abandoned. The conversation ended before the patient felt settled." in out
    assert "What we heard: Open question x1" in out
    assert "Chances to respond to a feeling: 1 of 2 taken" in out
    assert (
        'Done well:\n  + You asked an open question: \u201cwhat happened\u201d.\n  + You named the feeling.\n      "that sounds hard"'
        in out
    )
    assert "To try next time:\n  - Try naming the feeling you hear." in out
    assert (
        "Looking after yourself:\n  Difficult conversations take something out of you.\n  - Talk to your line manager."
        in out
    )
    assert "  - Samaritans: call 116 123" in out
    assert err == ""


def test_chat_engine_down_on_a_turn_keeps_it_and_enter_retries(live, monkeypatch, capsys, engine):
    url, app = live
    engine.turn_failures.append(
        EngineUnavailable("the Rasa engine at http://127.0.0.1:5005/webhooks/rest/webhook is not reachable")
    )
    code = run_chat(monkeypatch, url, "Hello there\nsomething else\n\n/end\n")
    out, err = capsys.readouterr()
    assert code == 0
    assert "not reachable" in err
    assert "Your message was kept. Press Enter to retry it" in out
    assert "still waiting for a reply: press Enter to retry it first" in out
    assert '"Patient reply 1."' in out
    with app.state.sessionmaker() as db:
        assert [(t.learner_text, t.status) for t in db.query(Turn).all()] == [("Hello there", "answered")]
    assert engine.learner_messages() == ["Hello there", "Hello there"]


def test_chat_carries_on_when_another_windows_turn_is_in_progress(capsys):
    """A 409 ``turn_in_progress`` (the session's turn is with the engine for another window):
    nothing was sent, so say so and let the learner type again; the session is not over."""

    def busy() -> dict[str, Any]:
        raise ApiError(409, "turn_in_progress", "Your previous reply is still being answered; try again in a moment.")

    conversation = chat.Chat(cast(PracticeApi, None))
    assert conversation._send(busy) is None
    assert not conversation.pending
    assert "still being answered" in capsys.readouterr().err


def test_chat_terminal_act_shows_summary_and_stops(live, monkeypatch, capsys, engine):
    url, _ = live
    engine.terminal_next = True
    code = run_chat(monkeypatch, url, "I can book you in at four today.\nthis is never read\n")
    out, _ = capsys.readouterr()
    assert code == 0
    assert "Thank you, really." in out and "calm [#----]" in out
    assert "Outcome: de-escalated. The patient calmed down and felt heard." in out
    assert "this is never read" not in out


def test_chat_eof_ends_cleanly(live, monkeypatch, capsys):
    url, _ = live
    assert run_chat(monkeypatch, url, "Hello\n") == 0
    assert "Session summary" in capsys.readouterr().out


def test_chat_safety_ends_for_safety(live, monkeypatch, capsys):
    url, _ = live
    assert run_chat(monkeypatch, url, "/safety\n") == 0
    out = capsys.readouterr().out
    assert "step away" in out
    assert "Fine, get someone else." in out
    assert "Outcome: ended-for-safety. You ended the conversation to keep yourself safe." in out


def test_chat_unknown_command_and_help(live, monkeypatch, capsys, engine):
    url, _ = live
    assert run_chat(monkeypatch, url, "/shout\n/help\n/end\n") == 0
    out = capsys.readouterr().out
    assert "Unknown command '/shout'" in out
    assert out.count("/safety  step away") == 2
    assert engine.learner_messages() == []


def test_chat_unknown_scenario(live, monkeypatch, capsys):
    url, _ = live
    assert run_chat(monkeypatch, url, "", scenario="nope") == 1
    err = capsys.readouterr().err
    assert "no scenario with id 'nope'" in err and "practice scenarios" in err


def test_chat_api_down_names_the_url(monkeypatch, capsys):
    url = f"http://127.0.0.1:{free_port()}"
    assert run_chat(monkeypatch, url, "Hello\n") == 2
    err = capsys.readouterr().err
    assert f"Cannot reach the practice API at {url}" in err
    assert "make run" in err


def test_chat_engine_down_at_start(live, monkeypatch, capsys, engine):
    url, _ = live
    engine.fail_with(
        EngineUnavailable("the Rasa engine at http://127.0.0.1:5005/webhooks/rest/webhook is not reachable")
    )
    assert run_chat(monkeypatch, url, "Hello\n") == 1
    assert "Could not start the practice: the Rasa engine" in capsys.readouterr().err


def test_scenarios_lists_the_catalogue(live, capsys):
    url, _ = live
    args = parse("scenarios", "--api", url)
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "TITLE", "STAFF", "ROLE", "SETTING", "DIFFICULTY"]
    assert lines[1].startswith("ward_visit  Visiting hours on the ward")
    assert lines[1].endswith("1 foundation")
    assert lines[2].endswith("2 intermediate")


def test_scenarios_api_down(monkeypatch, capsys):
    url = f"http://127.0.0.1:{free_port()}"
    args = parse("scenarios", "--api", url)
    assert args.handler(args) == 2
    assert "make run" in capsys.readouterr().err


def test_api_url_from_environment(monkeypatch):
    monkeypatch.setenv("PRACTICE_API_URL", "http://example.test:9000")
    assert parse("chat", "--scenario", "x").api == "http://example.test:9000"
    monkeypatch.delenv("PRACTICE_API_URL")
    assert parse("scenarios").api == "http://127.0.0.1:8000"


def test_chat_signs_in_and_the_session_is_the_learners(live, monkeypatch, capsys):
    url, app = live
    assert run_chat(monkeypatch, url, "Hello\n/end\n") == 0
    from api.models import PracticeSession, User

    with app.state.sessionmaker() as db:
        lena = db.query(User).filter_by(username="lena").one()
        assert [s.owner_id for s in db.query(PracticeSession).all()] == [lena.id]


def test_chat_wrong_password_says_so(live, monkeypatch, capsys):
    url, _ = live
    assert run_chat(monkeypatch, url, "Hello\n", password="not the password") == 1
    err = capsys.readouterr().err
    assert "Could not sign in: username or password is wrong" in err
    assert "not the password" not in err


def test_chat_without_username_explains_how_to_sign_in(monkeypatch, capsys):
    monkeypatch.delenv("PRACTICE_USERNAME", raising=False)
    args = parse("chat", "--scenario", "front_desk")
    assert args.handler(args) == 2
    assert "--username" in capsys.readouterr().err


def test_chat_username_from_environment(monkeypatch):
    monkeypatch.setenv("PRACTICE_USERNAME", "lena")
    assert parse("chat", "--scenario", "x").username == "lena"


def test_chat_branch_replays_then_carries_on(live, monkeypatch, capsys):
    url, _ = live
    assert run_chat(monkeypatch, url, "What happened?\nThat sounds hard.\nShall I help?\n/end\n") == 0
    capsys.readouterr()
    with httpx.Client(base_url=url) as http:
        token = http.post("/api/auth/token", data={"username": "lena", "password": PASSWORD}).json()["access_token"]
        listed = http.get("/api/sessions", headers={"Authorization": f"Bearer {token}"}).json()["items"]
    original = listed[0]["id"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("Tell me more.\n/end\n"))
    args = parse("chat", "--branch", f"{original}:3", "--api", url, "--username", "lena")
    assert args.handler(args) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "Replaying your conversation up to reply 3" in out
    assert "You (as before) > What happened?" in out and "You (as before) > That sounds hard." in out
    assert "Shall I help?" not in out
    assert "This is where you said reply 3 before. Say something different:" in out
    assert "You > Tell me more." in out
    assert 'Mr Test Patient (upset [###--]):\n  "Patient reply 3."' in out
    assert "Session summary" in out


def test_chat_branch_errors(live, monkeypatch, capsys):
    url, _ = live
    monkeypatch.setenv("PRACTICE_PASSWORD", PASSWORD)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    args = parse("chat", "--branch", "0" * 32 + ":2", "--api", url, "--username", "lena")
    assert args.handler(args) == 1
    assert "Could not try a different reply: no practice session with id" in capsys.readouterr().err
    for bad in ("abc", "abc:0", ":3", "abc:x"):
        with pytest.raises(SystemExit):
            parse("chat", "--branch", bad)
    with pytest.raises(SystemExit):
        parse("chat", "--branch", "abc:1", "--scenario", "front_desk")
