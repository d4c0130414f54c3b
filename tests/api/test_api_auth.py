"""Signing in, tokens that expire or are revoked, admins creating users, fields clients may not set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.models import User
from tests.api.conftest import PASSWORD, bearer


async def sign_in(anon, username: str, password: str = PASSWORD):
    return await anon.post("/api/auth/token", data={"username": username, "password": password})


async def test_password_sign_in_gives_a_bearer_token_that_works(anon, learner):
    r = await sign_in(anon, "lena")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 30 * 60
    me = await anon.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "lena" and me.json()["role"] == "learner"
    assert "password_hash" not in me.json()


async def test_wrong_password_and_unknown_user_answer_alike(anon, learner):
    wrong = await sign_in(anon, "lena", "not the password")
    unknown = await sign_in(anon, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"
    assert "not the password" not in wrong.text


async def test_sign_in_form_missing_fields_is_422(anon):
    r = await anon.post("/api/auth/token", data={"username": "lena"})
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "password: required"


async def test_no_token_is_401_everywhere_but_health_and_scenarios(anon):
    assert (await anon.get("/api/health")).status_code == 200
    assert (await anon.get("/api/scenarios")).status_code == 200
    for method, path in [
        ("GET", "/api/sessions"),
        ("POST", "/api/sessions"),
        ("GET", "/api/sessions/abc"),
        ("POST", "/api/sessions/abc/turns"),
        ("POST", "/api/sessions/abc/turns/retry"),
        ("POST", "/api/sessions/abc/end"),
        ("GET", "/api/me"),
        ("GET", "/api/users"),
    ]:
        r = await anon.request(method, path, json={})
        assert r.status_code == 401, (method, path)
        assert r.json()["error"]["code"] == "not_authenticated"
        assert r.headers["www-authenticate"] == "Bearer"


async def test_expired_token_is_refused(running, anon, learner):
    headers = bearer(running, learner, now=datetime.now(UTC) - timedelta(minutes=31))
    r = await anon.get("/api/sessions", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"] == {"code": "invalid_token", "message": "the access token has expired; sign in again"}


async def test_forged_and_garbage_tokens_are_refused(running, anon, learner):
    import jwt

    forged = jwt.encode(
        {
            "sub": str(learner.id),
            "ver": 0,
            "typ": "access",
            "iat": datetime.now(UTC),
            "exp": datetime.now(UTC) + timedelta(minutes=5),
        },
        "another secret that is long enough to sign with",
        algorithm="HS256",
    )
    for token in (forged, "not-a-jwt", ""):
        r = await anon.get("/api/sessions", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, token


async def test_a_deleted_users_token_stops_working(running, client, learner):
    assert (await client.get("/api/sessions")).status_code == 200
    with running.state.sessionmaker() as db:
        db.delete(db.get(User, learner.id))
        db.commit()
    r = await client.get("/api/sessions")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_token"


async def test_deactivating_a_user_revokes_their_tokens_and_sign_in(client_for, make_user, client, learner, anon):
    admin = client_for(make_user("ada", "admin"))
    r = await admin.patch(f"/api/users/{learner.id}", json={"is_active": False})
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert (await client.get("/api/sessions")).status_code == 401
    assert (await sign_in(anon, "lena")).status_code == 401
    await admin.patch(f"/api/users/{learner.id}", json={"is_active": True})
    assert (await sign_in(anon, "lena")).status_code == 200


async def test_changing_the_password_revokes_old_tokens(client, anon, learner):
    r = await client.put("/api/me/password", json={"current_password": "wrong one", "new_password": "a new password"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "wrong_password"
    r = await client.put("/api/me/password", json={"current_password": PASSWORD, "new_password": "a new password"})
    assert r.status_code == 204
    assert (await client.get("/api/me")).status_code == 401
    assert (await sign_in(anon, "lena", "a new password")).status_code == 200


async def test_admin_creates_users_and_others_may_not(client_for, make_user, client):
    admin = client_for(make_user("ada", "admin"))
    r = await admin.post("/api/users", json={"username": "fay", "password": "facilitate!", "role": "facilitator"})
    assert r.status_code == 201, r.text
    assert r.json()["role"] == "facilitator" and r.json()["is_active"] is True
    r = await admin.post("/api/users", json={"username": "fay", "password": "facilitate!"})
    assert r.status_code == 409 and "'fay' is taken" in r.json()["error"]["message"]
    r = await admin.post("/api/users", json={"username": "x", "password": "short"})
    assert r.status_code == 422
    assert "username" in r.json()["error"]["message"] and "password" in r.json()["error"]["message"]
    assert [u["username"] for u in (await admin.get("/api/users")).json()["items"]] == ["ada", "fay", "lena"]
    r = await client.post("/api/users", json={"username": "eve", "password": "learner-made"})
    assert r.status_code == 403
    assert r.json()["error"] == {
        "code": "forbidden",
        "message": "this needs the role admin; you are signed in as a learner",
    }
    assert (await client.get("/api/users")).status_code == 403
    assert (await admin.patch("/api/users/999", json={"is_active": False})).status_code == 404


async def test_fields_a_client_must_not_set_are_refused(client_for, make_user, client, start):
    admin = client_for(make_user("ada", "admin"))
    for body in (
        {"username": "eve", "password": "long enough", "id": 7},
        {"username": "eve", "password": "long enough", "created_at": "2020-01-01T00:00:00Z"},
        {"username": "eve", "password": "long enough", "token_version": 3},
    ):
        r = await admin.post("/api/users", json=body)
        assert r.status_code == 422, body
        assert "unknown field (not allowed)" in r.json()["error"]["message"]
    r = await admin.patch("/api/users/1", json={"role": "admin"})
    assert r.status_code == 422 and r.json()["error"]["message"] == "role: unknown field (not allowed)"
    r = await client.post("/api/sessions", json={"scenario_id": "front_desk", "owner_id": 1})
    assert r.status_code == 422 and r.json()["error"]["message"] == "owner_id: unknown field (not allowed)"
    for extra in ({"status": "ended"}, {"created_at": "2020-01-01T00:00:00Z"}, {"outcome": "de_escalated"}):
        r = await client.post("/api/sessions", json={"scenario_id": "front_desk", **extra})
        assert r.status_code == 422, extra
    sid = (await start())["id"]
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "hi", "score_card": {"score": 9}})
    assert r.status_code == 422 and "score_card: unknown field" in r.json()["error"]["message"]
    r = await client.post(f"/api/sessions/{sid}/turns", json={"text": "hi", "score": 9})
    assert r.status_code == 422


async def test_a_fixture_creates_a_learner_beside_the_running_api_and_signs_in(running, anon, settings):
    from api.auth.bootstrap import create_user_at

    user_id = create_user_at(settings.database_url, username="e2e-learner", password="e2e password")
    r = await sign_in(anon, "e2e-learner", "e2e password")
    assert r.status_code == 200
    me = await anon.get("/api/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert me.json()["id"] == user_id and me.json()["role"] == "learner"
