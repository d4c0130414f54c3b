"""Argon2 work (~18 ms of one core per check, api/auth/passwords.py) off the event loop and never too much at once.

Password checks and hashes run in threads, at most ``PRACTICE_PASSWORD_HASH_WORKERS`` at a
time per API process (an anyio ``CapacityLimiter``; about the number of cores: more only
makes every sign-in slower). A sign-in that waits longer than ``PRACTICE_SIGNIN_QUEUE_TIMEOUT``
for its turn is answered 503 ``service_busy`` with Retry-After, rather than hanging. Callers
hold no database connection while they wait or hash (``api.auth.signin``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Request

from actions.settings import Settings
from api.exceptions import ServiceBusy

T = TypeVar("T")


class PasswordWorkers:
    """Runs Argon2 work in threads, ``size`` at a time; made in the app's lifespan (the
    limiter belongs to the event loop that serves)."""

    def __init__(self, size: int, queue_timeout: float) -> None:
        self.queue_timeout = queue_timeout
        self._slots = anyio.CapacityLimiter(size)  # the bound, waited for with a timeout
        # Threads of our own (as many as slots, so one is always free for a slot's holder):
        # hashing does not wait behind the sync routes in the shared thread pool.
        self._threads = anyio.CapacityLimiter(size)

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """``work(*args)`` in a thread once a slot is free; ``ServiceBusy`` after waiting too long."""
        with anyio.move_on_after(self.queue_timeout) as waiting:
            await self._slots.acquire()
        if waiting.cancelled_caught:
            raise ServiceBusy("too many people are signing in at once just now; try again in a moment")
        try:
            return await anyio.to_thread.run_sync(work, *args, limiter=self._threads)
        finally:
            self._slots.release()


def make_password_workers(settings: Settings) -> PasswordWorkers:
    return PasswordWorkers(settings.password_hash_workers, settings.signin_queue_timeout)


def get_password_workers(request: Request) -> PasswordWorkers:
    workers: PasswordWorkers = request.app.state.password_workers
    return workers


PasswordWorkersDep = Annotated[PasswordWorkers, Depends(get_password_workers)]
