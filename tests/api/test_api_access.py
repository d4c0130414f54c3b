"""A learner reaches only their own sessions; anyone else's answers like a missing one (404)."""

from __future__ import annotations

import pytest

from actions.vocabulary import STAFF_ROLES


@pytest.fixture
def other(client_for, make_user):
    return client_for(make_user("omar", "learner"))


async def test_another_learners_session_is_404_like_a_missing_one(client, other, start):
    sid = (await start())["id"]
    await client.post(f"/api/sessions/{sid}/turns", json={"text": "Hello"})
    for method, path, body in [
        ("GET", f"/api/sessions/{sid}", None),
        ("POST", f"/api/sessions/{sid}/turns", {"text": "hello"}),
        ("POST", f"/api/sessions/{sid}/turns/retry", None),
        ("POST", f"/api/sessions/{sid}/end", {"reason": "finished"}),
    ]:
        theirs = await other.request(method, path, json=body)
        missing = await other.request(method, path.replace(sid, "0" * 32), json=body)
        assert theirs.status_code == missing.status_code == 404, path
        assert theirs.json()["error"]["code"] == missing.json()["error"]["code"] == "session_not_found"
        assert theirs.json()["error"]["message"] == f"no practice session with id {sid!r}"
    transcript = (await client.get(f"/api/sessions/{sid}")).json()
    assert transcript["status"] == "active" and len(transcript["turns"]) == 1


async def test_the_list_holds_only_your_own_sessions(client, other, start):
    mine = (await start())["id"]
    theirs = (await start(as_client=other))["id"]
    assert [s["id"] for s in (await client.get("/api/sessions")).json()["items"]] == [mine]
    listing = (await other.get("/api/sessions")).json()
    assert [s["id"] for s in listing["items"]] == [theirs] and listing["total"] == 1


async def test_staff_of_another_cohort_and_admins_do_not_see_a_learners_session(client_for, make_user, start):
    sid = (await start())["id"]
    for role in STAFF_ROLES:
        staff = client_for(make_user(f"staff-{role}", role))
        r = await staff.get(f"/api/sessions/{sid}")
        assert r.status_code == 404, role


async def test_list_filters(client, start, engine):
    a = (await start("front_desk"))["id"]
    b = (await start("ward_visit"))["id"]
    await client.post(f"/api/sessions/{b}/end", json={"reason": "safety"})

    async def ids(**params):
        r = await client.get("/api/sessions", params=params)
        assert r.status_code == 200, r.text
        return [s["id"] for s in r.json()["items"]]

    assert await ids(scenario_id="front_desk") == [a]
    assert await ids(status="ended") == [b]
    assert await ids(outcome="ended_for_safety") == [b]
    assert await ids(since="2000-01-01T00:00:00Z") == [b, a]
    assert await ids(until="2000-01-01T00:00:00Z") == []
    r = await client.get("/api/sessions", params={"status": "sleeping"})
    assert r.status_code == 422 and r.json()["error"]["message"].startswith("status:")
