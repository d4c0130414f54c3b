"""A scenario written in the browser and published AFTER the engine started is played by the
real Rasa model and action server: no restart, no retraining (issue 20).

The API writes the published version to the stack's authored directory; the action server,
already running, reads it on the next action (``actions.scenarios.load_library``); the model
file and every server's process stay the same.
"""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

import httpx
import pytest
import yaml

from actions.settings import DEFAULT_SCENARIO_DIR
from api.auth.bootstrap import create_user_at
from practice.supervisor import Stack
from tests.e2e.conftest import Conversation

pytestmark = pytest.mark.e2e

PASSWORD = "a long e2e authoring password"


def _sign_in(stack: Stack, username: str) -> httpx.Client:
    r = httpx.post(f"{stack.config.api_url}/api/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    return httpx.Client(base_url=stack.config.api_url, timeout=120, headers=headers)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_scenario_published_after_start_is_playable_without_restart(
    stack: Stack, trained_model: Path, api: httpx.Client
) -> None:
    model_before = _digest(trained_model)
    pids_before = stack.service_pids()
    url = stack.config.resolved_database_url
    create_user_at(url, username="e2e-admin", password=PASSWORD, role="admin")
    create_user_at(url, username="e2e-author", password=PASSWORD, role="facilitator")
    with _sign_in(stack, "e2e-admin") as admin, _sign_in(stack, "e2e-author") as author:
        users = {u["username"]: u["id"] for u in admin.get("/api/users").json()["items"]}
        assert admin.patch(f"/api/users/{users['e2e-author']}", json={"can_author": True}).status_code == 200
        cohort = admin.post("/api/cohorts", json={"name": "Authored scenario e2e"}).json()
        for name, role in (("e2e-author", "facilitator"), ("e2e-learner", "learner")):
            r = admin.put(f"/api/cohorts/{cohort['id']}/members/{users[name]}", json={"role": role})
            assert r.status_code == 200, r.text

        data = copy.deepcopy(yaml.safe_load((DEFAULT_SCENARIO_DIR / "gp_reception_appointment.yml").read_text()))
        data.pop("id")
        data["title"] = "A scenario written after the engine started"
        data["opening"] = [{"text": "Written in the browser, and I want my appointment.", "opportunity": "frustrated"}]
        data["opening"].append("Nobody rang me.")
        r = author.post("/api/authoring/scenarios", json={"id": "e2e_written", "data": data})
        assert r.status_code == 201, r.text
        r = author.post("/api/authoring/scenarios/e2e_written/versions/1/publish", json={"cohort_ids": [cohort["id"]]})
        assert r.status_code == 200, r.text

    assert (stack.config.resolved_authored_dir / "e2e_written__v1.yml").is_file()
    conversation = Conversation(api, "e2e_written", seed=7).start()
    assert conversation.session["scenario_version"] == 1
    opening = [line["text"] for line in conversation.session["opening"]]
    assert set(opening) & {"Written in the browser, and I want my appointment.", "Nobody rang me."}
    reply = conversation.say("I can see how frustrating this is. What happened this morning?")
    assert reply["turn"]["status"] == "answered" and reply["turn"]["patient_lines"]
    assert conversation.end()  # the summary

    assert _digest(trained_model) == model_before  # no retraining
    assert stack.service_pids() == pids_before  # no restart
