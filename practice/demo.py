"""A small demonstration world on a running practice service, and the list of its web pages.

`practice screenshots` and the browser tests' accessibility check both use it, so the pages
photographed are the pages checked. Accounts go straight into the database (as `practice user
create` does); everything else goes through the JSON API, as a real admin, learner,
facilitator and reviewer would do it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from actions.vocabulary import COHORT_ROLES, ROLES, Role

SCENARIO = "gp_reception_appointment"
# Replies that a skilled receptionist might give in the GP reception scenario.
WELL_HANDLED = [
    "I can see how frustrated you are, and I'm really sorry your appointment was cancelled without anyone telling you.",
    "Can you tell me a bit more about what the appointment was for?",
    "So you've given up a shift to be here, and you've been worried about your chest for weeks.",
    "Would you like me to ask the duty doctor to see you this afternoon, or would you rather I book the first appointment tomorrow?",
]
# A different reply 2 for the finished conversation's branch (then and now on its report).
TRIED_DIFFERENTLY = [
    "Look, if you'd kept your number up to date you'd have got the text.",
    "What would help you most right now?",
]
# Two replies that keep a conversation going (so the chat page has feedback on it, not a report).
GOING = [
    "I'm sorry, that sounds really frustrating. Can you tell me what happened this morning?",
    "Nobody rang you, and you've taken the afternoon off for this.",
]


@dataclass(frozen=True)
class Page:
    """One web page: a name (also the screenshot's file name), its path, and who looks at it."""

    name: str
    path: str
    who: str  # a role in Demo.accounts, or "" for a page seen signed out


@dataclass
class Demo:
    api_url: str
    accounts: dict[str, tuple[str, str]] = field(default_factory=dict)  # role -> (username, password)
    display: dict[str, str] = field(default_factory=dict)
    cohort_id: int = 0
    assignment_id: int = 0
    finished_id: str = ""  # a whole conversation, ended, with a reviewer's comment
    active_id: str = ""  # a conversation in progress, with feedback on two replies
    safety_id: str = ""  # a conversation ended by stepping away
    branch_id: str = ""  # the finished conversation tried differently from reply 2, and ended

    def client(self, role: str) -> httpx.Client:
        username, password = self.accounts[role]
        token = httpx.post(
            f"{self.api_url}/api/auth/token", data={"username": username, "password": password}, timeout=30
        )
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        return httpx.Client(base_url=self.api_url, headers=headers, timeout=120)

    def pages(self) -> list[Page]:
        """Every page of the site, with the demo's ids filled in."""
        return [
            Page("sign-in", "/sign-in", ""),
            Page("catalogue", "/practise", "learner"),
            Page("chat", f"/practise/sessions/{self.active_id}", "learner"),
            Page("report", f"/practise/sessions/{self.finished_id}/report", "learner"),
            Page("branch-report", f"/practise/sessions/{self.branch_id}/report", "learner"),
            Page("step-away", f"/practise/sessions/{self.safety_id}/step-away", "learner"),
            Page("history", "/practise/history", "learner"),
            Page("my-assignments", "/practise/assignments", "learner"),
            Page("confidence", "/practise/confidence", "learner"),
            Page("confidence-form", f"/practise/confidence/{self.cohort_id}/post", "learner"),
            Page("cohorts", "/facilitate", "facilitator"),
            Page("cohort", f"/facilitate/cohorts/{self.cohort_id}", "facilitator"),
            Page("new-assignment", f"/facilitate/cohorts/{self.cohort_id}/assignments/new", "facilitator"),
            Page("edit-assignment", f"/facilitate/assignments/{self.assignment_id}/edit", "facilitator"),
            Page("completion", f"/facilitate/assignments/{self.assignment_id}", "facilitator"),
            Page("review-list", "/review", "reviewer"),
            Page("review-transcript", f"/review/sessions/{self.finished_id}", "reviewer"),
            Page("admin-scorer", "/admin/scorer", "admin"),
            Page("not-for-you", "/facilitate", "learner"),
            Page("not-found", "/practise/sessions/no-such-session", "learner"),
        ]


def _check(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path} -> {response.status_code}: {response.text[:300]}"
        )
    return response.json() if response.content else None


def _converse(api: httpx.Client, replies: list[str], *, seed: int, end: str | None) -> str:
    session = _check(api.post("/api/sessions", json={"scenario_id": SCENARIO, "seed": seed}))
    ended = False
    for text in replies:
        body = _check(api.post(f"/api/sessions/{session['id']}/turns", json={"text": text}))
        if body.get("summary"):
            ended = True
            break
    if end and not ended:
        _check(api.post(f"/api/sessions/{session['id']}/end", json={"reason": end}))
    return str(session["id"])


def _branch(api: httpx.Client, session_id: str, *, turn: int, replies: list[str]) -> str:
    """``session_id`` tried differently from reply ``turn`` with ``replies``, then ended."""
    branch = _check(api.post(f"/api/sessions/{session_id}/branches", json={"turn": turn}))
    for text in replies:
        if _check(api.post(f"/api/sessions/{branch['id']}/turns", json={"text": text})).get("summary"):
            return str(branch["id"])
    _check(api.post(f"/api/sessions/{branch['id']}/end", json={"reason": "finished"}))
    return str(branch["id"])


def _sign_in(api_url: str, username: str, password: str) -> httpx.Client:
    token = httpx.post(f"{api_url}/api/auth/token", data={"username": username, "password": password}, timeout=30)
    token.raise_for_status()
    return httpx.Client(
        base_url=api_url, headers={"Authorization": f"Bearer {token.json()['access_token']}"}, timeout=120
    )


def _answers(point: int, lift: int = 0) -> dict[str, Any]:
    from actions.confidence import load_scale

    items = [i.id for i in load_scale().items]
    return {"answers": {item: min(5, point + (lift if n % 2 == 0 else 0)) for n, item in enumerate(items)}}


# Three more learners' confidence before and after (answers only, no practice), so the cohort
# page has a change to show: aggregates of fewer than three are hidden.
CLASSMATES = {"Lee Chen": (2, 3, 1), "Mo Begum": (3, 4, 0), "Ola Nowak": (2, 3, 2)}


def seed(api_url: str, database_url: str, *, prefix: str = "demo") -> Demo:
    """Accounts for each role (random passwords), a cohort, an assignment, three conversations
    (finished, in progress, stepped away) and a reviewer's comment and correction; confidence
    answered before the course by the learner and three classmates, the after-course
    questionnaire open (answered by the classmates), and the finished conversation rated."""
    from api.auth.bootstrap import create_user_at

    demo = Demo(api_url=api_url)
    names: dict[Role, str] = {
        "learner": "Sam Patel",
        "facilitator": "Fay Okafor",
        "reviewer": "Rae Lindqvist",
        "admin": "Ada Admin",
    }
    for role in ROLES:
        username, password = f"{prefix}-{role}", secrets.token_urlsafe(12)
        user_id = create_user_at(database_url, username=username, password=password, role=role)
        demo.accounts[role] = (username, password)
        demo.display[role] = str(user_id)
    with demo.client("admin") as admin:
        for role, name in names.items():
            _check(admin.patch(f"/api/users/{demo.display[role]}", json={"display_name": name}))
        cohort = _check(
            admin.post("/api/cohorts", json={"name": f"De-escalation course, {datetime.now(UTC):%-d %B} ({prefix})"})
        )
        demo.cohort_id = cohort["id"]
        for role in COHORT_ROLES:  # each account joins the cohort in the role of its name
            _check(admin.put(f"/api/cohorts/{cohort['id']}/members/{demo.display[role]}", json={"role": role}))
    with demo.client("facilitator") as fac:
        due = (datetime.now(UTC) + timedelta(days=7)).isoformat()
        body = {
            "scenario_ids": [SCENARIO, "ward_relative_news"],
            "due_at": due,
            "min_attempts": 1,
            "note": "Please practise before the course day. Ten minutes is enough.",
        }
        demo.assignment_id = _check(fac.post(f"/api/cohorts/{cohort['id']}/assignments", json=body))["id"]
    classmates: list[tuple[str, str, int, int]] = []  # username, password, answer after, lift
    with demo.client("admin") as admin:
        for n, (name, (before, after, lift)) in enumerate(CLASSMATES.items()):
            username, password = f"{prefix}-classmate{n + 1}", secrets.token_urlsafe(12)
            user_id = create_user_at(database_url, username=username, password=password, role="learner")
            _check(admin.patch(f"/api/users/{user_id}", json={"display_name": name}))
            _check(admin.put(f"/api/cohorts/{cohort['id']}/members/{user_id}", json={"role": "learner"}))
            with _sign_in(api_url, username, password) as classmate:
                _check(classmate.put(f"/api/me/confidence/{cohort['id']}/pre", json=_answers(before)))
            classmates.append((username, password, after, lift))
    with demo.client("learner") as learner:
        _check(learner.put(f"/api/me/confidence/{cohort['id']}/pre", json=_answers(2, 1)))
    with demo.client("facilitator") as fac:
        _check(fac.put(f"/api/cohorts/{cohort['id']}/post-questionnaire", json={"open": True}))
    for username, password, after, lift in classmates:
        with _sign_in(api_url, username, password) as classmate:
            _check(classmate.put(f"/api/me/confidence/{cohort['id']}/post", json=_answers(after, lift)))
    with demo.client("learner") as learner:
        demo.finished_id = _converse(learner, WELL_HANDLED, seed=7, end="finished")
        _check(learner.put(f"/api/sessions/{demo.finished_id}/satisfaction", json={"rating": 5}))
        demo.safety_id = _converse(learner, GOING[:1], seed=8, end="safety")
        demo.branch_id = _branch(learner, demo.finished_id, turn=2, replies=TRIED_DIFFERENTLY)
        demo.active_id = _converse(learner, GOING, seed=9, end=None)
    with demo.client("reviewer") as rev:
        _check(
            rev.post(
                f"/api/sessions/{demo.finished_id}/comments",
                json={
                    "turn_index": 1,
                    "body": "Lovely start: you named the frustration before anything else. Try pausing after it.",
                },
            )
        )
        transcript = _check(rev.get(f"/api/sessions/{demo.finished_id}"))
        detected = [c["cue"] for c in transcript["turns"][0]["score_card"]["cues"]]
        missed = next(c for c in ("validate", "summarise", "affirm", "introduce_self") if c not in detected)
        _check(
            rev.post(f"/api/sessions/{demo.finished_id}/turns/1/corrections", json={"cue": missed, "kind": "missed"})
        )
    return demo
