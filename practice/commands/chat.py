"""`practice chat --scenario ID`: rehearse a conversation in the terminal, through the API.
`practice chat --branch SESSION:TURN`: try a different reply at reply TURN of a finished
session of yours (the conversation before it is replayed exactly, then you carry on).

Reads the learner's replies with ``input()`` (so piped stdin works too), shows the patient's
lines with a calm/angry meter, feedback on every reply, and the summary at the end.
``/end`` finishes, ``/safety`` ends for safety, Ctrl-D or Ctrl-C finish cleanly.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from actions.vocabulary import EndReason
from practice.commands import chat_view as view
from practice.commands.api_client import (
    PASSWORD_ENV,
    ApiError,
    ApiProblem,
    ApiUnreachable,
    PracticeApi,
    add_api_argument,
    add_sign_in_arguments,
    read_password,
)

# What the learner types to end the conversation, and the end reason each sends.
COMMANDS: dict[str, EndReason] = {"/end": "finished", "/safety": "safety"}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("chat", help="practise a conversation with a simulated patient")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--scenario", metavar="ID", help="scenario id (see `practice scenarios`)")
    which.add_argument(
        "--branch",
        type=branch_point,
        metavar="SESSION:TURN",
        help="try a different reply at reply TURN of your finished session SESSION (its id, as on its report)",
    )
    add_api_argument(parser)
    add_sign_in_arguments(parser)
    parser.set_defaults(handler=run)


def branch_point(value: str) -> tuple[str, int]:
    """``SESSION:TURN`` as (session id, reply number from 1)."""
    session_id, _, turn = value.strip().rpartition(":")
    if not session_id or not turn.isdigit() or int(turn) < 1:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not SESSION:TURN (a session id, a colon, a reply number from 1, e.g. 3f2a...:3)"
        )
    return session_id, int(turn)


def run(args: argparse.Namespace, *, api: PracticeApi | None = None) -> int:
    if not args.username:
        _warn("Sign in to practise: practice chat --username NAME --scenario ID (or set PRACTICE_USERNAME).")
        return 2
    password = read_password(args.username)
    if password is None:
        _warn(f"No password: set {PASSWORD_ENV}, or run in a terminal to be asked for it.")
        return 2
    api = api or PracticeApi(args.api)
    try:
        try:
            api.sign_in(args.username, password)
        except ApiUnreachable as exc:
            _warn(str(exc))
            return 2
        except ApiError as exc:
            _warn(f"Could not sign in: {exc.message}")
            return 1
        if args.branch is not None:
            return Chat(api).run_branch(*args.branch)
        return Chat(api).run(args.scenario)
    finally:
        api.close()


def _say(text: str = "") -> None:
    print(text, flush=True)


def _warn(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Chat:
    """One practice conversation: start it, loop over the learner's replies, end it."""

    def __init__(self, api: PracticeApi) -> None:
        self.api = api
        self.session_id = ""
        self.name = "Patient"
        self.labels: dict[str, str] = {}  # cue id -> label, from the score cards seen
        self.pending = False  # a reply the engine has not answered yet, kept by the API
        self.echo = not sys.stdin.isatty()  # show piped replies so the output reads as a dialogue

    def run(self, scenario_id: str) -> int:
        try:
            session = self.api.start(scenario_id)
        except ApiUnreachable as exc:
            _warn(str(exc))
            return 2
        except ApiError as exc:
            _warn(f"Could not start the practice: {exc.message}")
            if exc.code == "scenario_not_found":
                _warn("See the scenarios you can practise with: practice scenarios")
            return 1
        return self._converse(session)

    def run_branch(self, session_id: str, turn: int) -> int:
        """Replay ``session_id`` up to reply ``turn`` (the API checks it comes back the same),
        show the conversation so far, then carry on from reply ``turn``."""
        _say(f"Replaying your conversation up to reply {turn}...")
        try:
            session = self.api.branch(session_id, turn)
            replayed = self.api.transcript(session["id"]).get("turns") or []
        except ApiUnreachable as exc:
            _warn(str(exc))
            return 2
        except ApiError as exc:
            _warn(f"Could not try a different reply: {exc.message}")
            return 1
        return self._converse(session, replayed=replayed, turn=turn)

    def _converse(self, session: dict[str, Any], *, replayed: list[dict[str, Any]] | None = None, turn: int = 0) -> int:
        self.session_id = session["id"]
        self.name = view.patient_name(session.get("scenario"))
        _say(view.intro(session))
        _say()
        _say(view.patient_lines(session.get("opening") or [], self.name))
        for earlier in replayed or []:
            _say()
            _say(f"You (as before) > {earlier['learner_text']}")
            self._show_turn({"turn": earlier})
        if turn:
            _say()
            _say(f"This is where you said reply {turn} before. Say something different:")
        try:
            return self._loop()
        except KeyboardInterrupt:
            _say()
            return self._end("finished")

    def _read(self) -> str | None:
        prompt = "[Enter] retry, /end to stop > " if self.pending else "You > "
        try:
            line = input(prompt)
        except EOFError:
            _say()
            return None
        if self.echo:
            _say(line)
        return line

    def _loop(self) -> int:
        while True:
            line = self._read()
            if line is None:
                return self._end("finished")
            text = line.strip()
            if text in COMMANDS:
                return self._end(COMMANDS[text])
            if text == "/help":
                _say(view.HELP)
                continue
            if self.pending:
                if text:
                    _say("Your earlier message is still waiting for a reply: press Enter to retry it first.")
                    continue
                outcome = self._send(lambda: self.api.retry(self.session_id))
            elif not text:
                continue
            elif text.startswith("/"):
                _say(f"Unknown command {text.split()[0]!r}. Type /help for the commands.")
                continue
            else:
                outcome = self._send(lambda text=text: self.api.say(self.session_id, text))
            if outcome is not None:
                return outcome

    def _send(self, call: Any) -> int | None:
        """Send or retry a reply; show the result. Returns an exit code once the session is over."""
        try:
            result = call()
        except ApiUnreachable as exc:
            _warn(str(exc))
            return 2
        except ApiError as exc:
            if exc.retryable or exc.code == "turn_pending":
                self.pending = True
                reason = exc.message.split(". Your message was kept")[0]  # the API's retry hint is for HTTP clients
                _warn(reason if exc.code == "turn_pending" else f"The patient could not answer: {reason}")
                _say("Your message was kept. Press Enter to retry it, or type /end to stop.")
                return None
            if exc.code == "nothing_pending":
                self.pending = False
                return None
            if exc.code == "turn_in_progress":  # another window's turn on this session: nothing was sent
                _warn(exc.message)
                return None
            _warn(exc.message)
            if exc.status in (404, 409):  # the session is gone or over
                return 1
            return None
        self.pending = False
        self._show_turn(result)
        if result["session"]["status"] == "ended":
            _say(view.summary(result.get("summary") or {}, self.labels))
            return 0
        return None

    def _show_turn(self, result: dict[str, Any]) -> None:
        turn = result["turn"]
        card = turn.get("score_card")
        for cue in (card or {}).get("cues") or []:
            if cue.get("label"):
                self.labels[cue["cue"]] = cue["label"]
        if card:
            _say(view.score_card(card))
        _say()
        _say(view.patient_lines(turn.get("patient_lines") or [], self.name))

    def _end(self, reason: str) -> int:
        if reason == "safety":
            _say("Ending for safety: step away, and talk to a colleague or your manager.")
        try:
            result = self.api.end(self.session_id, reason)
        except ApiProblem as exc:
            _warn(f"Could not end the session: {exc}")
            _warn("Your practice so far is saved.")
            return 1
        lines = result.get("patient_lines") or []
        if lines:
            _say(view.patient_lines(lines, self.name))
        _say(view.summary(result.get("summary") or {}, self.labels))
        return 0
