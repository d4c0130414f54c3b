"""Sign-in throttling: failed sign-ins are counted per account name and per client address,
and past a limit within a sliding window the next attempt is refused (``TooManyAttempts``,
429 with ``Retry-After``) before any password is checked.

Why these defaults (``PRACTICE_SIGNIN_*``, actions/settings.py):

* **10 failures per account name in 15 minutes.** OWASP's Authentication Cheat Sheet
  ("Account Lockout") asks for a lockout threshold counted against the account, not only the
  source address (so guessing from many addresses still stops), over an observation window,
  and for a lockout that ends by itself rather than a permanent one an attacker could use to
  lock people out. OWASP's "Blocking Brute Force Attacks" page makes the same trade: a
  handful of tries stops online guessing, while a short, self-ending lock keeps the denial of
  service it enables small. Ten is generous for a person (a forgotten caps lock, a password
  manager's stale entry) and still slows an online guesser to 40 tries an hour against one
  account, enough only for the most common passwords. (NIST SP 800-63B goes further: no more
  than 100 consecutive failures on one account at all; a steady guesser reaches that here
  after 2.5 hours, so a long-term cap or an alert would be the next step.) The lock is a
  sliding window, not a fixed sentence: each failure stops counting 15 minutes after it
  happened, so someone locked out waits at most 15 minutes.
* **50 failures per address in 15 minutes.** The per-account count cannot see one
  address trying one common password against many names (password spraying, which the same
  OWASP pages warn about); the per-address limit does. It is five accounts' worth, because a
  training room may share one address (a hospital's NAT): a class signing in together after
  a password reset should not lock itself out.

How it works across worker processes: the failures are rows in ``sign_in_failures`` (one
per key), so every process counts the same ones. An attempt first records itself, unsettled,
and commits, then counts the rows already there (itself excluded): two attempts racing each
other both see each other, so no more than the limit ever reach the password check at once,
however many workers there are. A wrong password settles its rows: they are failures now.
Only settled failures lock a key out (429 with the minutes until the oldest expires). When
the limit is reached only because of attempts still checking their passwords, which is what
a class of 60 behind one hospital address signing in at the same moment looks like, the
attempt is answered 503 ``service_busy`` with ``Retry-After: 2`` instead: nobody has failed,
and in a moment those attempts are done. A refused attempt takes its rows back (hammering
does not extend the wait); a successful one takes them back and clears its account's
failures; one that never had its password checked, because the password workers were busy
(503 ``service_busy``, ``api.auth.hashing``), takes them back too. Rows older than the window
are deleted with every attempt, unsettled ones left by a worker that died mid-check included.

What is stored: a keyed hash (HMAC-SHA256 with the app's secret key) of the name as typed and
of the address, never the values themselves (they are personal data); the hash is keyed so a
leaked table cannot be reversed by hashing every username or IPv4 address. Unknown names are
counted, refused and answered exactly like real ones, and the refusal does no Argon2 work,
so neither the answer nor its timing tells whether an account exists.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from actions.settings import Settings
from actions.vocabulary import SignInKey
from api.db import utcnow
from api.exceptions import ServiceBusy, TooManyAttempts
from api.models import SignInFailure

log = logging.getLogger(__name__)

CROWDED = 0  # _wait: the limit is reached only by attempts still checking (no lock-out, a moment's wait)
UNKNOWN_ADDRESS = "unknown"  # ASGI servers may leave out the client (a Unix socket, some test transports)


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures each key may have within ``window`` before the next attempt is refused."""

    max_per_account: int
    max_per_address: int
    window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottlePolicy:
        return cls(
            max_per_account=settings.signin_max_failures_per_account,
            max_per_address=settings.signin_max_failures_per_address,
            window=timedelta(seconds=settings.signin_window_seconds),
        )

    def limit(self, kind: SignInKey) -> int:
        return self.max_per_account if kind == "account" else self.max_per_address


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt allowed to check its password, provisionally counted as a failure."""

    account_key: str
    row_ids: tuple[int, ...]


@dataclass(frozen=True)
class SignInThrottle:
    policy: ThrottlePolicy
    secret: str
    clock: Callable[[], datetime] = field(default=utcnow)

    def key(self, kind: SignInKey, value: str) -> str:
        """The stored stand-in for a name or an address: HMAC-SHA256, hex."""
        message = f"sign-in-throttle\x00{kind}\x00{value}".encode()
        return hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()

    def begin(self, db: Session, *, username: str, address: str) -> Attempt:
        """Count this attempt as a failure unless it proves otherwise; ``TooManyAttempts`` (its
        rows taken back) when the name or the address already has its limit of failures,
        ``ServiceBusy`` when it has its limit only with attempts still checking."""
        now = self.clock()
        keys: dict[SignInKey, str] = {"account": self.key("account", username), "address": self.key("address", address)}
        rows = [SignInFailure(key_kind=kind, key=key, at=now, settled=False) for kind, key in keys.items()]
        db.execute(delete(SignInFailure).where(SignInFailure.at <= now - self.policy.window))
        db.add_all(rows)
        db.commit()
        ids = tuple(row.id for row in rows)
        waits = {kind: self._wait(db, kind, key, now, ids) for kind, key in keys.items()}
        locked = {kind: wait for kind, wait in waits.items() if wait is not None and wait > 0}
        crowded = [kind for kind, wait in waits.items() if wait == CROWDED]
        if locked or crowded:
            db.execute(delete(SignInFailure).where(SignInFailure.id.in_(ids)))
            db.commit()
        if locked:
            log.info("sign-in refused before the password check: too many failures per %s", " and ".join(locked))
            raise TooManyAttempts(max(locked.values()))
        if crowded:
            log.info("sign-in deferred: too many attempts checking at once per %s", " and ".join(crowded))
            raise ServiceBusy("many people are signing in from the same place at once; try again in a moment")
        return Attempt(account_key=keys["account"], row_ids=ids)

    def failed(self, db: Session, attempt: Attempt) -> None:
        """The password was wrong (or the name unknown): the attempt is a failure now. The caller commits."""
        db.execute(update(SignInFailure).where(SignInFailure.id.in_(attempt.row_ids)).values(settled=True))

    def succeeded(self, db: Session, attempt: Attempt) -> None:
        """The password was right: the attempt was no failure, and the account starts afresh
        (the address keeps its other failures). The caller commits."""
        db.execute(delete(SignInFailure).where(SignInFailure.id.in_(attempt.row_ids)))
        db.execute(
            delete(SignInFailure).where(SignInFailure.key_kind == "account", SignInFailure.key == attempt.account_key)
        )

    def withdrawn(self, db: Session, attempt: Attempt) -> None:
        """The password was never checked (no password worker came free): the attempt counts
        as no failure, as a refused one does not. The caller commits."""
        db.execute(delete(SignInFailure).where(SignInFailure.id.in_(attempt.row_ids)))

    def _wait(self, db: Session, kind: SignInKey, key: str, now: datetime, own: tuple[int, ...]) -> int | None:
        """Seconds until this key has fewer failures than its limit in the window; None if it has
        now; ``CROWDED`` if it has, but only counting attempts still checking their passwords."""
        limit = self.policy.limit(kind)
        rows = db.execute(
            select(SignInFailure.at, SignInFailure.settled)
            .where(
                SignInFailure.key_kind == kind,
                SignInFailure.key == key,
                SignInFailure.at > now - self.policy.window,
                SignInFailure.id.not_in(own),
            )
            .order_by(SignInFailure.at)
        ).all()
        if len(rows) < limit:
            return None
        failures = [at for at, settled in rows if settled]
        if len(failures) < limit:
            return CROWDED
        frees_at = failures[len(failures) - limit] + self.policy.window  # the failure whose expiry leaves limit - 1
        return max(1, math.ceil((frees_at - now).total_seconds()))


def client_address(request: Request) -> str:
    """The address the request came from: the peer, or behind a trusted proxy (`PRACTICE_TRUSTED_PROXIES`)
    the client it forwarded for (api/security_headers.py installs the proxy-headers middleware)."""
    return request.client.host if request.client else UNKNOWN_ADDRESS


def get_sign_in_throttle(request: Request) -> SignInThrottle:
    """The throttle for this app's settings and secret key (tests override it to set the clock)."""
    return SignInThrottle(ThrottlePolicy.from_settings(request.app.state.settings), request.app.state.secret_key)


SignInThrottleDep = Annotated[SignInThrottle, Depends(get_sign_in_throttle)]
