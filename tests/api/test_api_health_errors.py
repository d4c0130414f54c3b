"""Health, the error shape everywhere, and privacy of logs."""

from __future__ import annotations

import logging

from api.exceptions import EngineUnavailable


async def test_health_up_and_down(client, engine):
    r = await client.get("/api/health")
    assert r.json() == {"status": "ok", "engine": "up", "database": "up"}
    engine.up = False
    r = await client.get("/api/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "engine": "down", "database": "up"}


async def test_health_says_when_the_database_does_not_answer(client, app, monkeypatch):
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    database = app.state.database

    def refuse(error):
        def connect():
            raise error

        return connect

    monkeypatch.setattr(database, "connect", refuse(OperationalError("SELECT 1", {}, Exception("gone"))))
    r = await client.get("/api/health")
    assert r.status_code == 200 and r.json()["database"] == "down"
    monkeypatch.setattr(database, "connect", refuse(PoolTimeout("no connection free")))
    assert (await client.get("/api/health")).json()["database"] == "busy"


async def test_unknown_route_and_method_use_the_error_shape(client):
    r = await client.get("/api/nowhere")
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "not_found", "message": "no such endpoint: GET /api/nowhere"}}
    r = await client.delete("/api/health")
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"


async def test_extra_field_on_start_is_named(client):
    r = await client.post("/api/sessions", json={"scenario_id": "front_desk", "learner": "me"})
    assert r.status_code == 422
    assert r.json() == {"error": {"code": "validation_error", "message": "learner: unknown field (not allowed)"}}


async def test_broken_scenario_library_is_500_with_the_problem(settings, engine):
    import httpx

    from api.main import create_app

    def broken():
        raise ValueError("data/scenarios/x.yml: persona.name: required")

    app = create_app(settings, engine_client=engine, scenario_loader=broken)
    async with app.router.lifespan_context(app):
        from api.auth.bootstrap import create_user
        from tests.api.conftest import bearer

        with app.state.sessionmaker() as db:
            user = create_user(db, username="lena", password="correct horse battery", role="learner")
        headers = bearer(app, user)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers
        ) as client:
            r = await client.get("/api/scenarios")
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "scenario_library_error"
    assert "persona.name" in r.json()["error"]["message"]


async def test_no_transcript_text_in_logs(client, start, engine, caplog):
    caplog.set_level(logging.DEBUG)
    secret_learner = "My secret learner words about Mrs Zebedee"
    sid = (await start())["id"]
    await client.post(f"/api/sessions/{sid}/turns", json={"text": secret_learner})
    engine.fail_with(EngineUnavailable("down"))
    await client.post(f"/api/sessions/{sid}/turns", json={"text": secret_learner + " again"})
    await client.post(f"/api/sessions/{sid}/turns", json={"text": "another while pending"})
    await client.post(f"/api/sessions/{sid}/turns/retry")
    await client.post(f"/api/sessions/{sid}/turns", json={"text": "x" * 2000})
    await client.post(f"/api/sessions/{sid}/end", json={"reason": "finished"})
    await client.get(f"/api/sessions/{sid}")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert sid in logged  # ids and statuses are logged ...
    for words in ("secret learner", "Zebedee", "Patient reply", "waiting two hours", "open question", "another while"):
        assert words not in logged  # ... never what anyone said


async def test_real_scenario_library_briefs_hide_the_hidden_need(settings, engine):
    import httpx
    import pytest

    from actions.vocabulary import REPO_ROOT
    from api.main import create_app

    if not any((REPO_ROOT / "data" / "scenarios").glob("*.yml")):
        pytest.skip("no scenario files yet")
    app = create_app(
        settings.model_copy(update={"scenario_dir": REPO_ROOT / "data" / "scenarios"}), engine_client=engine
    )
    async with app.router.lifespan_context(app):
        from api.auth.bootstrap import create_user
        from tests.api.conftest import bearer

        with app.state.sessionmaker() as db:
            user = create_user(db, username="lena", password="correct horse battery", role="learner")
        headers = bearer(app, user)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers
        ) as client:
            items = (await client.get("/api/scenarios")).json()["items"]
            assert items
            for brief in items:
                assert {"id", "title", "staff_role", "setting", "difficulty"} <= brief.keys()
                assert "hidden_need" not in brief and "lines" not in brief
            r = await client.post("/api/sessions", json={"scenario_id": items[0]["id"]})
            assert r.status_code == 201
            assert r.json()["scenario"]["id"] == items[0]["id"]
