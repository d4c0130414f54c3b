"""Security headers (api/security_headers.py) on every response: every page of the site as each
role and signed out (the list is practice/demo.py's, the one the browser tests walk), JSON, a
static file, a 404, a redirect, a refused form and an unexpected 500; and the session cookie is
``Secure`` over https only when a trusted proxy says so."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from actions.settings import Settings
from actions.vocabulary import ROLES
from api.auth.bootstrap import create_user
from api.engine.fake import FakeEngine
from api.main import create_app
from api.security_headers import CONTENT_SECURITY_POLICY, HSTS, script_hashes
from api.web.session import COOKIE
from practice.demo import Demo
from tests.api.conftest import PASSWORD, csrf
from tests.api.fakes import SCENARIOS

TOMORROW = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
# What an inline script, an inline style or an event handler looks like in served HTML.
INLINE_CODE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+\s*=", re.IGNORECASE)


def assert_secured(response: httpx.Response, *, https: bool = False) -> None:
    where = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    headers = response.headers
    policy = headers.get("content-security-policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    assert directives.get("default-src") == ["'self'"], where
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert directives.get("base-uri") == ["'self'"], where
    assert directives.get("form-action") == ["'self'"], where
    assert directives.get("object-src") == ["'none'"], where
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, where
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") == "same-origin", where
    assert headers.get("strict-transport-security") == (HSTS if https else None), where


def assert_no_inline_code(html: str, where: str) -> None:
    found = INLINE_CODE.findall(html)
    assert not found, f"{where} has inline code the CSP refuses: {found}"


async def demo_world(world: Any) -> Demo:
    """practice/demo.py's world (on the ``world`` fixture's users), made through the API with the fake engine: a cohort, an
    assignment, and lena's finished, stepped-away and in-progress conversations, and a branch of the finished one."""
    demo = Demo(api_url="http://testserver", cohort_id=world.course["id"])
    assignment = await world.fay.post(
        f"/api/cohorts/{world.course['id']}/assignments", json={"scenario_ids": ["front_desk"], "due_at": TOMORROW}
    )
    assert assignment.status_code == 201, assignment.text
    demo.assignment_id = assignment.json()["id"]
    ids = []
    for end in ("finished", "safety", None):
        session = (await world.lena.post("/api/sessions", json={"scenario_id": "front_desk"})).json()
        turn = await world.lena.post(f"/api/sessions/{session['id']}/turns", json={"text": "I'm sorry, go on."})
        assert turn.status_code == 200, turn.text
        if end:
            r = await world.lena.post(f"/api/sessions/{session['id']}/end", json={"reason": end})
            assert r.status_code == 200, r.text
        ids.append(session["id"])
    demo.finished_id, demo.safety_id, demo.active_id = ids
    branch = await world.lena.post(f"/api/sessions/{demo.finished_id}/branches", json={"turn": 1})
    assert branch.status_code == 201, branch.text
    demo.branch_id = branch.json()["id"]
    await world.lena.post(f"/api/sessions/{demo.branch_id}/turns", json={"text": "What happened?"})
    await world.lena.post(f"/api/sessions/{demo.branch_id}/end", json={"reason": "finished"})
    return demo


async def test_every_page_as_every_role_carries_the_headers_and_no_inline_code(world, browser_for):
    demo = await demo_world(world)
    people = {"learner": "lena", "facilitator": "fay", "reviewer": "rae", "admin": "ada"}
    assert set(people) == set(ROLES)
    paths = [page.path for page in demo.pages()] + [
        "/",
        f"/facilitate/assignments/{demo.assignment_id}/progress.csv",
        f"/facilitate/cohorts/{demo.cohort_id}/measures.csv",
    ]
    statuses = set()
    for who in (*ROLES, ""):
        browser = browser_for(world.users[people[who]] if who else None)
        for path in paths:
            r = await browser.get(path)
            statuses.add(r.status_code)
            assert_secured(r)
            if r.headers.get("content-type", "").startswith("text/html"):
                assert_no_inline_code(r.text, f"{path} as {who or 'nobody'}")
    assert {200, 303, 403, 404} <= statuses  # pages, sign-in redirects, not-for-you and not-found pages


async def test_the_chats_live_fragments_have_no_inline_code(world, browser_for):
    lena = browser_for(world.users["lena"])
    token = csrf((await lena.get("/practise")).text)
    chat = (await lena.post("/practise/start", data={"scenario_id": "front_desk", "csrf_token": token})).headers[
        "location"
    ]
    r = await lena.post(
        f"{chat}/turns", data={"text": "I'm sorry, go on.", "csrf_token": token}, headers={"accept": "application/json"}
    )
    assert r.status_code == 200, r.text
    assert_secured(r)
    assert_no_inline_code(r.json()["turn_html"] + r.json()["meter_html"], "the chat's JSON fragments")


async def test_json_static_files_errors_redirects_and_refused_forms_carry_them(anon, client, browser_for, learner):
    responses = [
        await anon.get("/api/health"),
        await client.get("/api/me"),
        await anon.get("/api/me"),  # 401
        await anon.get("/api/no-such-thing"),  # JSON 404
        await client.post("/api/sessions", json={"nope": 1}),  # 422
        await anon.get("/static/app.css"),
        await anon.get("/static/app.js"),
        await anon.get("/static/missing.css"),
        await anon.get("/openapi.json"),
        await browser_for().get("/no-such-page"),  # the HTML 404 page
        await browser_for().get("/practise"),  # 303 to sign-in
        await browser_for().post("/sign-in", data={"username": "lena", "password": "wrong-wrong-wrong"}),  # 401 page
        await browser_for(learner).post("/sign-out", data={}),  # 403: no CSRF token
    ]
    assert [r.status_code for r in responses] == [200, 200, 401, 404, 422, 200, 200, 404, 200, 404, 303, 401, 403]
    for r in responses:
        assert_secured(r)


async def test_an_unexpected_500_carries_them_too(app, running):
    async def boom() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/api/boom", boom)
    transport = httpx.ASGITransport(app=running, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        r = await c.get("/api/boom")
    assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error"
    assert_secured(r)


async def test_swagger_ui_gets_its_cdn_and_its_own_inline_scripts_by_hash_only(anon):
    for path in ("/docs", "/docs/oauth2-redirect"):
        r = await anon.get(path)
        assert r.status_code == 200
        assert_secured(r)
        policy = r.headers["content-security-policy"]
        hashes = script_hashes(r.content)
        assert hashes.startswith("'sha256-") and f"script-src 'self' https://cdn.jsdelivr.net {hashes};" in policy
    assert (await anon.get("/redoc")).status_code == 404  # ReDoc needs inline styles; /docs remains


@pytest.fixture
def proxied_app(settings):
    trusted = Settings(**{**settings.model_dump(), "trusted_proxies": "10.0.0.7, 192.168.1.0/24"})
    return create_app(trusted, engine_client=FakeEngine(), scenario_loader=lambda: SCENARIOS)


@pytest.mark.parametrize(
    ("peer", "forwarded", "https"),
    [
        ("10.0.0.7", "https", True),  # a trusted proxy that took https
        ("192.168.1.20", "https", True),  # a trusted network
        ("10.0.0.7", "http", False),  # a trusted proxy that took plain http
        ("10.0.0.8", "https", False),  # anyone else's X-Forwarded-Proto is ignored
        ("127.0.0.1", "https", False),  # even this machine's, unless listed
    ],
)
async def test_the_cookie_is_secure_over_https_through_a_trusted_proxy_only(proxied_app, peer, forwarded, https):
    async with proxied_app.router.lifespan_context(proxied_app):
        with proxied_app.state.sessionmaker() as db:
            create_user(db, username="lena", password=PASSWORD, role="learner")
        transport = httpx.ASGITransport(app=proxied_app, client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://practice.example") as c:
            r = await c.post(
                "/sign-in",
                data={"username": "lena", "password": PASSWORD},
                headers={"x-forwarded-proto": forwarded, "x-forwarded-for": "203.0.113.9"},
            )
    assert r.status_code == 303, r.text
    cookie = r.headers["set-cookie"].lower()
    assert cookie.startswith(COOKIE) and "httponly" in cookie and "samesite=strict" in cookie
    assert ("; secure" in cookie) is https
    assert_secured(r, https=https)


def test_the_policy_has_no_inline_or_eval_allowance() -> None:
    assert "unsafe" not in CONTENT_SECURITY_POLICY
