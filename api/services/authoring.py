"""Scenarios written in the browser (issue 20): who may write them, their versions, where each
is published, and which one a learner plays.

A scenario written here is the same format as a built-in file (``actions.scenarios``), stored
as JSON, one immutable row per version, each with a line saying what changed. Saving or
publishing refuses a scenario with problems, listing every one (the format's, then
``practice.scenario_check``'s: opportunities, reachable endings, facts their own questions
reach), so what learners meet is always whole; a refused save leaves the published version
as it was. Publishing names a version per cohort (one row per scenario and cohort) and writes
that version's file for the engine (``api.services.authored_files``): no restart, no retraining.

Who: an admin grants ``can_author`` to facilitators and admins (``set_author``); an author sees
and changes only their own scenarios, and publishes only to cohorts they facilitate; anything
else answers like what does not exist (``api.services.access``). Learners see a scenario once
it is published to a cohort they are in, at the newest version published to any of their
cohorts. An author may play any version of their own scenario (a preview): authors are staff,
never a cohort's learners, so previews never count towards a cohort's progress.

Functions are keyword-only after the database session, as the other services.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.scenarios import VERSION_SEPARATOR, Scenario, ScenarioError, engine_key, parse_scenario
from actions.vocabulary import Role
from api.db import utcnow
from api.exceptions import Conflict, Forbidden, InvalidRequest, NotFound, ScenarioProblems, TooLarge
from api.models import AuthoredScenario, CohortMember, ScenarioPublication, ScenarioVersion, User
from api.services.access import cohort_not_found
from api.services.authored_files import ensure_version, write_version
from api.services.scenario_changes import summarise_changes

log = logging.getLogger(__name__)

AUTHOR_ROLES: tuple[Role, ...] = ("facilitator", "admin")
# A whole scenario with five lines per act and level and a dozen facts is about 60 KB of JSON;
# eight times that is room to write, and a bound on what one request can make the API store.
MAX_SCENARIO_BYTES = 512 * 1024
# Lowercase words joined by single underscores: never `__`, so `<id>__v<N>` reads back.
AUTHORED_ID = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
MAX_ID_CHARS = 60


def set_author(user: User, allowed: bool) -> None:
    """Grant or revoke writing scenarios; only facilitators and admins may hold it."""
    if allowed and user.role not in AUTHOR_ROLES:
        raise InvalidRequest(
            f"user {user.username!r} is a {user.role}; only facilitators or admins may write scenarios",
            code="role_not_allowed",
        )
    user.can_author = allowed


def require_author(user: User) -> User:
    """``user``, if they may write scenarios (else 403, saying why)."""
    if user.role not in AUTHOR_ROLES:
        raise Forbidden(f"writing scenarios is for facilitators or admins; you are signed in as a {user.role}")
    if not user.can_author:
        raise Forbidden("writing scenarios needs the author permission; ask an admin to grant it")
    return user


def scenario_not_found(scenario_id: str) -> NotFound:
    return NotFound(f"no scenario with id {scenario_id!r}", code="scenario_not_found")


# --- checking -------------------------------------------------------------------------


def check_size(data: Any) -> None:
    size = len(json.dumps(data, ensure_ascii=False).encode("utf-8"))
    if size > MAX_SCENARIO_BYTES:
        raise TooLarge(
            f"the scenario is {size // 1024} KB; the limit is {MAX_SCENARIO_BYTES // 1024} KB",
            code="scenario_too_large",
        )


def problems_in(data: Any, *, scenario_id: str) -> list[str]:
    """Every problem with ``data`` as version of ``scenario_id`` (its ``id`` may be left out),
    each ``<id>: field.path: problem``; none means it can be saved and published."""
    if not isinstance(data, dict):
        return [f"{scenario_id}: (top level): expected a mapping of fields"]
    problems = []
    if "id" in data and data["id"] != scenario_id:
        problems.append(f"{scenario_id}: id: {data['id']!r} must be the scenario's id {scenario_id!r}")
    try:
        scenario = parse_scenario({**data, "id": scenario_id}, scenario_id)
    except ScenarioError as exc:
        return problems + str(exc).splitlines()
    from practice.scenario_check import check_scenario  # the behaviour table and the facts' lemmas

    return problems + check_scenario(scenario, scenario_id).problems


def checked(data: Any, *, scenario_id: str) -> dict[str, Any]:
    """``data`` with its id, if it has no problems; else ``ScenarioProblems`` listing them all."""
    check_size(data)
    problems = problems_in(data, scenario_id=scenario_id)
    if problems:
        raise ScenarioProblems(problems)
    return {**data, "id": scenario_id}


@lru_cache(maxsize=256)
def _parsed(text: str) -> Scenario:
    return parse_scenario(json.loads(text), "stored version")


def parsed(version: ScenarioVersion) -> Scenario:
    """The stored version as a ``Scenario`` (saved versions were checked; parsed once per process)."""
    return _parsed(json.dumps(version.data, sort_keys=True))


# --- writing --------------------------------------------------------------------------


def _owned(db: Session, user: User, scenario_id: str) -> AuthoredScenario:
    """The author's own scenario (another's answers like a missing one)."""
    scenario = db.get(AuthoredScenario, scenario_id)
    if scenario is None or scenario.created_by != user.id:
        raise scenario_not_found(scenario_id)
    return scenario


def _version(db: Session, scenario_id: str, number: int) -> ScenarioVersion:
    version = db.get(ScenarioVersion, (scenario_id, number))
    if version is None:
        raise NotFound(f"scenario {scenario_id!r} has no version {number}", code="version_not_found")
    return version


def _latest(db: Session, scenario_id: str) -> ScenarioVersion:
    number = db.scalar(select(func.max(ScenarioVersion.number)).where(ScenarioVersion.scenario_id == scenario_id))
    return _version(db, scenario_id, number or 0)


def _check_new_id(db: Session, scenario_id: str, builtins: Mapping[str, Any]) -> None:
    if len(scenario_id) > MAX_ID_CHARS or not AUTHORED_ID.match(scenario_id) or VERSION_SEPARATOR in scenario_id:
        raise InvalidRequest(
            f"{scenario_id!r} cannot be a scenario id: use lowercase letters and digits in words joined "
            f"by single '_', at most {MAX_ID_CHARS} characters",
            code="invalid_scenario_id",
        )
    if scenario_id in builtins or db.get(AuthoredScenario, scenario_id) is not None:
        raise Conflict(f"a scenario with id {scenario_id!r} exists already; choose another", code="scenario_exists")


def create_scenario(
    db: Session,
    *,
    user: User,
    scenario_id: str,
    builtins: Mapping[str, Any],
    data: dict[str, Any] | None = None,
    copy_of: str | None = None,
    copy_version: int | None = None,
) -> AuthoredScenario:
    """A new scenario at version 1: from ``data``, or a copy of a built-in scenario or of a
    version of one of the author's own (its latest unless ``copy_version`` says)."""
    _check_new_id(db, scenario_id, builtins)
    if (data is None) == (copy_of is None):
        raise InvalidRequest("give either the scenario's data or the id of one to copy", code="invalid_request")
    summary = "first version"
    if copy_of is not None:
        data, summary = _copy_source(db, user=user, source_id=copy_of, version=copy_version, builtins=builtins)
        data["id"] = scenario_id  # the copy is a scenario of its own
    content = checked(data, scenario_id=scenario_id)
    scenario = AuthoredScenario(id=scenario_id, created_by=user.id)
    db.add(scenario)
    db.add(ScenarioVersion(scenario_id=scenario_id, number=1, data=content, author_id=user.id, summary=summary))
    db.commit()
    log.info("authored scenario %s created by user %s", scenario_id, user.id)
    return scenario


def _copy_source(
    db: Session, *, user: User, source_id: str, version: int | None, builtins: Mapping[str, Any]
) -> tuple[dict[str, Any], str]:
    if source_id in builtins and version is None:
        source = builtins[source_id]
        if not isinstance(source, Scenario):
            raise InvalidRequest(f"scenario {source_id!r} cannot be copied", code="invalid_request")
        return source.model_dump(mode="json", exclude_none=True), f"copied from the built-in scenario {source_id!r}"
    _owned(db, user, source_id)
    row = _version(db, source_id, version) if version is not None else _latest(db, source_id)
    return dict(row.data), f"copied from {source_id!r} version {row.number}"


def save_version(db: Session, *, user: User, scenario_id: str, data: dict[str, Any]) -> ScenarioVersion:
    """The next version of the author's scenario, with what changed against the latest."""
    _owned(db, user, scenario_id)
    content = checked(data, scenario_id=scenario_id)
    latest = _latest(db, scenario_id)
    version = ScenarioVersion(
        scenario_id=scenario_id,
        number=latest.number + 1,
        data=content,
        author_id=user.id,
        summary=summarise_changes(latest.data, content),
    )
    db.add(version)
    try:
        db.commit()
    except Exception:
        db.rollback()
        raise Conflict(
            f"another version of {scenario_id!r} was saved at the same time; reload and try again",
            code="version_conflict",
        ) from None
    log.info("authored scenario %s version %d saved by user %s", scenario_id, version.number, user.id)
    return version


def my_scenarios(db: Session, *, user: User) -> list[AuthoredScenario]:
    return list(
        db.scalars(select(AuthoredScenario).where(AuthoredScenario.created_by == user.id).order_by(AuthoredScenario.id))
    )


def scenario(db: Session, *, user: User, scenario_id: str) -> AuthoredScenario:
    return _owned(db, user, scenario_id)


def version(db: Session, *, user: User, scenario_id: str, number: int) -> ScenarioVersion:
    _owned(db, user, scenario_id)
    return _version(db, scenario_id, number)


def publications(db: Session, scenario_id: str) -> list[ScenarioPublication]:
    return list(
        db.scalars(
            select(ScenarioPublication)
            .where(ScenarioPublication.scenario_id == scenario_id)
            .order_by(ScenarioPublication.cohort_id)
        )
    )


def _facilitated(db: Session, user: User, cohort_id: int) -> None:
    role = db.scalar(
        select(CohortMember.role).where(CohortMember.cohort_id == cohort_id, CohortMember.user_id == user.id)
    )
    if role != "facilitator":
        raise cohort_not_found(cohort_id)


def publish(
    db: Session, *, user: User, scenario_id: str, number: int, cohort_ids: list[int], directory: Path
) -> list[ScenarioPublication]:
    """Make version ``number`` the one the cohorts' learners play (each a cohort the author
    facilitates). The version is checked again (the checks may have grown since it was saved)
    and its file written before the publication is committed, so learners never see a scenario
    the engine cannot load."""
    _owned(db, user, scenario_id)
    row = _version(db, scenario_id, number)
    for cohort_id in cohort_ids:
        _facilitated(db, user, cohort_id)
    problems = problems_in(row.data, scenario_id=scenario_id)
    if problems:
        raise ScenarioProblems(problems)
    write_version(directory, scenario_id, number, row.data)
    now = utcnow()
    published = []
    for cohort_id in dict.fromkeys(cohort_ids):
        publication = db.get(ScenarioPublication, (scenario_id, cohort_id))
        if publication is None:
            publication = ScenarioPublication(scenario_id=scenario_id, cohort_id=cohort_id)
            db.add(publication)
        publication.version = number
        publication.published_by = user.id
        publication.published_at = now
        published.append(publication)
    db.commit()
    log.info("authored scenario %s version %d published to %d cohort(s)", scenario_id, number, len(published))
    return published


def unpublish(db: Session, *, user: User, scenario_id: str, cohort_id: int) -> None:
    """Learners of the cohort no longer see the scenario (their sessions stay as they were)."""
    _owned(db, user, scenario_id)
    _facilitated(db, user, cohort_id)
    publication = db.get(ScenarioPublication, (scenario_id, cohort_id))
    if publication is None:
        raise NotFound(f"scenario {scenario_id!r} is not published to cohort {cohort_id}", code="not_published")
    db.delete(publication)
    db.commit()


# --- playing --------------------------------------------------------------------------


def published_to(db: Session, *, user_id: int) -> dict[str, int]:
    """Authored scenario id -> the newest version published to any cohort ``user_id`` is in."""
    rows = db.execute(
        select(ScenarioPublication.scenario_id, func.max(ScenarioPublication.version))
        .join(CohortMember, CohortMember.cohort_id == ScenarioPublication.cohort_id)
        .where(CohortMember.user_id == user_id)
        .group_by(ScenarioPublication.scenario_id)
    ).all()
    return {scenario_id: int(number) for scenario_id, number in rows}


def authored_brief(scenario: Scenario, *, version: int) -> dict[str, Any]:
    """What the catalogue shows of an authored version: the usual brief, marked as authored."""
    return {**scenario.brief(), "version": version, "authored": True}


def catalogue(db: Session, *, user_id: int) -> list[dict[str, Any]]:
    """The briefs of the authored scenarios published to the user's cohorts."""
    return [
        authored_brief(parsed(_version(db, scenario_id, number)), version=number)
        for scenario_id, number in sorted(published_to(db, user_id=user_id).items())
    ]


def version_brief(db: Session, scenario_id: str, number: int) -> dict[str, Any] | None:
    """A played version's brief, for its sessions' transcripts (None if it is gone)."""
    row = db.get(ScenarioVersion, (scenario_id, number))
    return authored_brief(parsed(row), version=number) if row is not None else None


@dataclass(frozen=True)
class Playable:
    """What a session starts: the id it records, the version (None: built-in), the engine's key."""

    scenario_id: str
    version: int | None
    engine_key: str
    scenario: Any


def playable(
    db: Session,
    *,
    user: User,
    scenario_id: str,
    version: int | None,
    builtins: Mapping[str, Any],
    directory: Path,
) -> Playable:
    """The scenario ``user`` may start: a built-in one; an authored one published to one of their
    cohorts (its newest published version); or, with ``version``, any version of their own (a
    preview). Anything else is 404. The version's file is written if missing."""
    if version is None and scenario_id in builtins:
        return Playable(scenario_id, None, scenario_id, builtins[scenario_id])
    authored = db.get(AuthoredScenario, scenario_id)
    if authored is None:
        known = ", ".join(sorted(builtins)) or "none"
        raise NotFound(f"no scenario with id {scenario_id!r} (known: {known})", code="scenario_not_found")
    if version is not None:
        if authored.created_by != user.id:
            raise scenario_not_found(scenario_id)
        number = version
    else:
        found = published_to(db, user_id=user.id).get(scenario_id)
        if found is None:
            raise scenario_not_found(scenario_id)
        number = found
    row = _version(db, scenario_id, number)
    ensure_version(directory, scenario_id, number, row.data)
    return Playable(scenario_id, number, engine_key(scenario_id, number), parsed(row))


def replayable(
    db: Session, *, scenario_id: str, version: int | None, builtins: Mapping[str, Any], directory: Path
) -> Playable:
    """Exactly what a session played (``scenario_id`` at ``version``), to replay it for its own
    learner: they played it already, so no publishing is checked; a version's file is written
    if missing. A scenario no longer in the library is 404."""
    if version is None:
        if scenario_id not in builtins:
            raise scenario_not_found(scenario_id)
        return Playable(scenario_id, None, scenario_id, builtins[scenario_id])
    row = _version(db, scenario_id, version)
    ensure_version(directory, scenario_id, version, row.data)
    return Playable(scenario_id, version, engine_key(scenario_id, version), parsed(row))
