"""Browser tests: Debian's Chromium, driven headless by Playwright for Python, against the real
practice stack (tests/supervisor_fixtures.py) or, for failures the real engine cannot stage
quickly, the API app with the scripted engine of tests/api in a thread.

Chromium comes from Debian (``apt-get install chromium``; ``make browser`` and ``.ci/run`` do
it); Playwright never downloads a browser. axe-core comes from the npm registry, pinned by
``package-lock.json`` here and installed into ``node_modules/`` here by ``npm ci``.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from actions.settings import Settings
from practice.supervisor import Stack, free_port

HERE = Path(__file__).resolve().parent
CHROMIUM = Settings().chromium
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "a long browser-test password"
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: `make browser` (as root) installs Debian's chromium")
    return CHROMIUM


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe.min.js from the pinned axe-core; `npm ci` here if it is missing."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed, so axe-core cannot be installed for the accessibility checks")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, capture_output=True)
    return AXE


@pytest.fixture(scope="module")
def browser(chromium_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium_path), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    ctx.set_default_timeout(30_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


def axe_violations(page: Any, script: Path) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    # Evaluated through the DevTools protocol, not added as a <script>: the pages' CSP refuses
    # inline scripts, and axe-core is not part of the page.
    page.evaluate(script.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


def sign_in(page: Any, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


@dataclass
class Site:
    """A running practice service and a way to make accounts and cohorts in it."""

    base_url: str
    database_url: str

    def account(self, role: str = "learner", name: str | None = None) -> tuple[str, int]:
        """A new account with a unique username (password ``PASSWORD``): (username, id)."""
        from api.auth.bootstrap import create_user_at

        username = f"{name or role}-{next(_numbers)}-{int(time.time() * 1000) % 100000}"
        return username, create_user_at(self.database_url, username=username, password=PASSWORD, role=role)

    def api(self, username: str) -> httpx.Client:
        token = httpx.post(
            f"{self.base_url}/api/auth/token", data={"username": username, "password": PASSWORD}, timeout=30
        )
        assert token.status_code == 200, token.text
        return httpx.Client(
            base_url=self.base_url, timeout=120, headers={"Authorization": f"Bearer {token.json()['access_token']}"}
        )

    def cohort(self, members: dict[str, tuple[int, str]]) -> int:
        """A cohort with these members ({username: (user id, cohort role)}), made by a new admin."""
        admin, _ = self.account("admin")
        with self.api(admin) as api:
            cohort = api.post("/api/cohorts", json={"name": f"Cohort {next(_numbers)} {time.time():.0f}"})
            assert cohort.status_code == 201, cohort.text
            for user_id, role in members.values():
                r = api.put(f"/api/cohorts/{cohort.json()['id']}/members/{user_id}", json={"role": role})
                assert r.status_code == 200, r.text
            return int(cohort.json()["id"])


@pytest.fixture(scope="session")
def site(stack: Stack) -> Site:
    return Site(base_url=stack.config.api_url, database_url=stack.config.resolved_database_url)


@pytest.fixture(scope="session")
def demo(site: Site) -> Any:
    """The demonstration world of `practice screenshots`: every page has something on it."""
    from practice.demo import seed

    return seed(site.base_url, site.database_url, prefix=f"axe{int(time.time()) % 100000}")


class _ThreadedServer:
    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class FakeSite(Site):
    engine: Any = None


@pytest.fixture
def fake_site(tmp_path: Path) -> Iterator[FakeSite]:
    """The API app with the scripted engine of api/engine/fake.py (so the engine can fail on cue)."""
    from actions.settings import Settings
    from api.engine.fake import FakeEngine
    from api.main import create_app
    from tests.api.fakes import SCENARIOS

    database_url = f"sqlite:///{tmp_path / 'practice.db'}"
    settings = Settings(
        database_url=database_url, secret_key="browser-test-secret-key-0123456789abcdef", var_dir=tmp_path
    )
    engine = FakeEngine()
    app = create_app(settings, engine_client=engine, scenario_loader=lambda: SCENARIOS)
    with _ThreadedServer(app) as base_url:
        yield FakeSite(base_url=base_url, database_url=database_url, engine=engine)
