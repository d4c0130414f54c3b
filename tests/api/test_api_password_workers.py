"""Argon2 under load (issue 19): password checks run in threads, never more at once than
``PRACTICE_PASSWORD_HASH_WORKERS``, with no database connection held; a sign-in that waits
too long for its turn is 503 ``service_busy`` and counts as no failure; old hashes are upgraded."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
from argon2 import PasswordHasher
from sqlalchemy import func, select

from api.auth import passwords, signin
from api.auth.hashing import PasswordWorkers
from api.models import SignInFailure, User
from tests.api.conftest import NOT_A_HANG, PASSWORD


async def sign_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/auth/token", data={"username": username, "password": password})


class Spy:
    """Wraps ``signin.check_password``: where it runs, how many run at once, and (``hold``)
    waits for a signal before checking."""

    def __init__(self, hold: bool = False) -> None:
        self.threads: list[int] = []
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()
        self.entered = threading.Event()
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.real = signin.check_password

    def __call__(self, *args: Any, **kwargs: Any) -> tuple[bool, str | None]:
        with self.lock:
            self.threads.append(threading.get_ident())
            self.running += 1
            self.most = max(self.most, self.running)
        self.entered.set()
        try:
            self.release.wait(5)
            time.sleep(0.05)  # long enough for the others to pile up
            return self.real(*args, **kwargs)
        finally:
            with self.lock:
                self.running -= 1


async def test_ten_sign_ins_hash_off_the_event_loop_two_at_a_time(running, make_user, anon, monkeypatch, settings):
    assert settings.password_hash_workers == 2  # the default
    for n in range(10):
        make_user(f"learner{n}")
    spy = Spy()
    monkeypatch.setattr(signin, "check_password", spy)
    answers = await asyncio.gather(*(sign_in(anon, f"learner{n}") for n in range(10)))
    assert [r.status_code for r in answers] == [200] * 10
    assert len(spy.threads) == 10
    assert threading.get_ident() not in spy.threads  # the event loop's thread never hashed
    assert spy.most == 2


async def test_a_sign_in_that_waits_too_long_for_a_worker_is_503_and_no_failure(running, make_user, anon, monkeypatch):
    make_user("lena")
    make_user("omar")
    running.state.password_workers = PasswordWorkers(1, queue_timeout=0.2)
    spy = Spy(hold=True)
    monkeypatch.setattr(signin, "check_password", spy)
    first = asyncio.create_task(sign_in(anon, "lena"))
    while not spy.entered.is_set():  # lena's check holds the only worker
        await asyncio.sleep(0.01)
    started = time.monotonic()
    busy = await sign_in(anon, "omar")
    assert time.monotonic() - started < NOT_A_HANG  # the held check never ends
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "2"
    assert busy.json()["error"]["code"] == "service_busy"
    page = await anon.post("/sign-in", data={"username": "omar", "password": PASSWORD}, headers={"accept": "text/html"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "2"
    assert "Many people are signing in at once" in page.text
    spy.release.set()
    assert (await first).status_code == 200
    with running.state.sessionmaker() as db:  # omar's attempts were withdrawn, lena's cleared
        assert db.scalar(select(func.count()).select_from(SignInFailure)) == 0
    assert (await sign_in(anon, "omar")).status_code == 200


async def test_a_hash_made_with_old_parameters_is_upgraded_at_sign_in(running, make_user, anon):
    lena = make_user("lena")
    old = PasswordHasher().hash(PASSWORD)  # argon2-cffi's defaults: every hash made before OWASP's parameters
    assert passwords.needs_rehash(old)
    with running.state.sessionmaker() as db:
        db.get_one(User, lena.id).password_hash = old
        db.commit()
    assert (await sign_in(anon, "lena", "wrong password")).status_code == 401
    with running.state.sessionmaker() as db:
        assert db.get_one(User, lena.id).password_hash == old  # a wrong password changes nothing
    assert (await sign_in(anon, "lena")).status_code == 200
    with running.state.sessionmaker() as db:
        upgraded = db.get_one(User, lena.id).password_hash
    assert upgraded is not None and upgraded != old and not passwords.needs_rehash(upgraded)
    assert passwords.verify_password(upgraded, PASSWORD)
    assert (await sign_in(anon, "lena")).status_code == 200


async def test_changing_a_password_runs_on_the_workers(running, client, monkeypatch):
    calls: list[int] = []
    real = running.state.password_workers.run

    async def counting(work: Any, *args: Any) -> Any:
        calls.append(threading.get_ident())
        return await real(work, *args)

    monkeypatch.setattr(running.state.password_workers, "run", counting)
    r = await client.put("/api/me/password", json={"current_password": PASSWORD, "new_password": "a new password!"})
    assert r.status_code == 204, r.text
    r = await client.put("/api/me/password", json={"current_password": PASSWORD, "new_password": "another one!!"})
    assert r.status_code == 401  # the old token no longer counts
    assert len(calls) == 1


def test_hashing_in_many_threads_gives_its_memory_back() -> None:
    """Each check takes 19 MiB; glibc would keep one per thread's arena (900 MiB measured for
    200 checks in 40 threads) unless api.auth.passwords fixes its mmap threshold."""
    import subprocess
    import sys

    program = (
        "from concurrent.futures import ThreadPoolExecutor\n"
        "from api.auth import passwords\n"
        "stored = passwords.hash_password('a long enough password')\n"
        "with ThreadPoolExecutor(20) as pool:\n"
        "    assert all(pool.map(lambda _: passwords.verify_password(stored, 'a long enough password'), range(60)))\n"
        "print([int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmRSS')][0] // 1024)\n"
    )
    rss_mib = int(subprocess.run([sys.executable, "-c", program], check=True, capture_output=True, text=True).stdout)
    assert rss_mib < 200  # about 60; without the fix, 470 (one 19 MiB buffer kept per thread)
