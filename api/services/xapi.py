"""A finished practice session as xAPI statements (ADL xAPI 1.0.3), for NHS learning systems.

Two statements per session, both about the scenario as an Activity:

- ``attempted`` at the session's start (no result);
- ``completed`` at its end, with the result: the session's score (the mean turn score the
  report and progress pages show, as ``score.raw``; it has no fixed bounds, so no ``min``,
  ``max`` or ``scaled``), ``success`` from the outcome (calmed, or stepped away for safety,
  which is always credited; not for escalated), ``completion`` and the duration.
  An abandoned session (finished before any outcome) gets no ``completed`` statement: its
  ``attempted`` statement carries the result, with ``completion: false``.

The learner is an Agent identified by an ``account`` on ``PRACTICE_XAPI_ACCOUNT_HOMEPAGE``,
named by ``PRACTICE_XAPI_ACTOR_ID``: by default a keyed hash of the user id (the app's secret
key), so an LRS can follow one learner across sessions but learns neither the username nor
the display name. The learner's name and words are added only when configured
(``PRACTICE_XAPI_INCLUDE_NAME``, ``PRACTICE_XAPI_INCLUDE_WORDS``). Statement ids and the
registration are UUIDs derived from the session id, so exporting or pushing a session again
sends the same statements (an LRS answers 409/204 to a statement id it already has).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.settings import Settings
from api.exceptions import Conflict
from api.models import CohortMember, GroupRun, PracticeSession, User
from api.services import authoring
from api.services.scores import session_score

XAPI_VERSION = "1.0.3"
VERB_ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
VERB_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
ACTIVITY_SIMULATION = "http://adlnet.gov/expapi/activities/simulation"
ACTIVITY_COURSE = "http://adlnet.gov/expapi/activities/course"
ACTIVITY_GROUP = "http://id.tincanapi.com/activitytype/group"
LANGUAGE = "en-GB"
# Fixed namespace for the statement ids and registrations (uuid5 of the session id): the same
# session gives the same ids on every export, on every machine.
NAMESPACE = uuid.UUID("6b0f9d1e-4a8e-5d55-9b0c-2f7e1d3c8a41")
# Outcomes that count as success (ended_for_safety: keeping yourself safe is a skill, credited).
SUCCESSFUL = {"de_escalated", "ended_for_safety"}
COURSE_NAME = "Handling difficult situations: caring for yourself and others with compassion"


def session_not_finished(session_id: str) -> Conflict:
    return Conflict(
        f"practice session {session_id!r} has not finished yet: xAPI statements are made once it has ended",
        code="session_not_ended",
    )


def actor_key(settings: Settings, secret_key: str, user: User) -> str:
    """The account name the LRS sees for ``user`` (``PRACTICE_XAPI_ACTOR_ID``)."""
    if settings.xapi_actor_id == "username":
        return user.username
    if settings.xapi_actor_id == "user_id":
        return str(user.id)
    digest = hmac.new(secret_key.encode(), f"xapi-actor:{user.id}".encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration, e.g. ``PT1H2M3.5S`` (centiseconds, as SCORM and most LRSs keep)."""
    centis = max(0, round(seconds * 100))
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    secs = f"{rest // 100}" if rest % 100 == 0 else f"{rest / 100:.2f}".rstrip("0")
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + f"{secs}S"


def iso_timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _lang(text: str) -> dict[str, str]:
    return {LANGUAGE: text}


def _cohorts(db: Session, session: PracticeSession) -> list[tuple[int, str]]:
    """The cohorts the session belongs to: a group run's own, else its learner's (as a learner)."""
    from api.models import Cohort

    run_cohort = db.scalar(select(GroupRun.cohort_id).where(GroupRun.session_id == session.id))
    query = select(Cohort.id, Cohort.name)
    if run_cohort is not None:
        query = query.where(Cohort.id == run_cohort)
    else:
        query = query.join(CohortMember, CohortMember.cohort_id == Cohort.id).where(
            CohortMember.user_id == session.owner_id, CohortMember.role == "learner"
        )
    return [(row[0], row[1]) for row in db.execute(query.order_by(Cohort.id))]


def _brief(db: Session, scenarios: Mapping[str, Any], session: PracticeSession) -> dict[str, Any]:
    brief: dict[str, Any] | None
    if session.scenario_version is not None:
        brief = authoring.version_brief(db, session.scenario_id, session.scenario_version)
    else:
        scenario = scenarios.get(session.scenario_id)
        brief = scenario.brief() if scenario is not None else None
    return brief or {"title": session.scenario_id}


def statements(
    db: Session, session: PracticeSession, *, settings: Settings, secret_key: str, scenarios: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The session's statements; 409 ``session_not_ended`` unless it has ended."""
    if session.status != "ended" or session.ended_at is None:
        raise session_not_finished(session.id)
    owner = db.get(User, session.owner_id) if session.owner_id is not None else None
    if owner is None:
        raise session_not_finished(session.id)  # pre-account rows have no learner to speak of
    base = settings.xapi_activity_base
    brief = _brief(db, scenarios, session)

    actor: dict[str, Any] = {
        "objectType": "Agent",
        "account": {"homePage": settings.xapi_account_homepage, "name": actor_key(settings, secret_key, owner)},
    }
    if settings.xapi_include_name:
        actor["name"] = owner.display_name or owner.username

    definition: dict[str, Any] = {
        "name": _lang(str(brief.get("title") or session.scenario_id)),
        "type": ACTIVITY_SIMULATION,
    }
    described = " ".join(str(brief[k]) for k in ("setting", "situation") if brief.get(k))
    if described:
        definition["description"] = _lang(described)
    scenario_activity = {
        "objectType": "Activity",
        "id": f"{base}/scenarios/{session.scenario_id}",
        "definition": definition,
    }

    course = {
        "objectType": "Activity",
        "id": f"{base}/course",
        "definition": {"name": _lang(COURSE_NAME), "type": ACTIVITY_COURSE},
    }
    grouping = [course] + [
        {
            "objectType": "Activity",
            "id": f"{base}/cohorts/{cohort_id}",
            "definition": {"name": _lang(name), "type": ACTIVITY_GROUP},
        }
        for cohort_id, name in _cohorts(db, session)
    ]
    context_activities: dict[str, Any] = {"grouping": grouping}
    if session.scenario_version is not None:
        context_activities["other"] = [
            {
                "objectType": "Activity",
                "id": f"{base}/scenarios/{session.scenario_id}/versions/{session.scenario_version}",
            }
        ]
    context = {
        "registration": str(uuid.uuid5(NAMESPACE, f"registration:{session.id}")),
        "contextActivities": context_activities,
        "platform": settings.xapi_platform,
        "language": LANGUAGE,
        "extensions": {f"{base}/extensions/seed": session.seed},
    }

    outcome = session.outcome
    result: dict[str, Any] = {
        "completion": outcome != "abandoned" and outcome is not None,
        "duration": iso_duration((session.ended_at - session.created_at).total_seconds()),
        "extensions": {f"{base}/extensions/outcome": outcome, f"{base}/extensions/end-reason": session.end_reason},
    }
    if outcome in SUCCESSFUL or outcome == "escalated":
        result["success"] = outcome in SUCCESSFUL
    score = session_score(t.score_card for t in session.turns)
    if score is not None:
        result["score"] = {"raw": score}
    if settings.xapi_include_words:
        result["response"] = "\n".join(t.learner_text for t in session.turns)

    def statement(verb: str, word: str, when: datetime, with_result: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": str(uuid.uuid5(NAMESPACE, f"{session.id}:{word}")),
            "actor": actor,
            "verb": {"id": verb, "display": {"en-GB": word, "en-US": word}},
            "object": scenario_activity,
            "context": context,
            "timestamp": iso_timestamp(when),
            "version": XAPI_VERSION,
        }
        if with_result:
            out["result"] = result
        return out

    if not result["completion"]:
        return [statement(VERB_ATTEMPTED, "attempted", session.created_at, True)]
    return [
        statement(VERB_ATTEMPTED, "attempted", session.created_at, False),
        statement(VERB_COMPLETED, "completed", session.ended_at, True),
    ]
