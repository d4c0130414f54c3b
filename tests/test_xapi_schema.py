"""The vendored xAPI 1.0.3 statement schema (tests/fixtures/xapi/) accepts a good statement and
rejects broken ones, so the API tests that validate every exported statement against it can
fail; and the duration and timestamp formats the export writes."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from jsonschema import Draft7Validator

from actions.vocabulary import REPO_ROOT
from api.services.xapi import iso_duration, iso_timestamp

SCHEMA = json.loads((REPO_ROOT / "tests" / "fixtures" / "xapi" / "statement.schema.json").read_text(encoding="utf-8"))
Draft7Validator.check_schema(SCHEMA)
VALIDATOR = Draft7Validator(SCHEMA)


def problems(statement: dict[str, Any]) -> list[str]:
    """Every way ``statement`` breaks the schema, plus what JSON Schema cannot say (score bounds)."""
    found = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(statement)]
    score = (statement.get("result") or {}).get("score") or {}
    low, high, raw = score.get("min"), score.get("max"), score.get("raw")
    if low is not None and high is not None and low >= high:
        found.append("result/score: min must be below max")
    if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
        found.append("result/score: raw outside min..max")
    return found


def assert_valid(statement: dict[str, Any]) -> None:
    assert problems(statement) == [], json.dumps(statement, indent=1)


GOOD: dict[str, Any] = {
    "id": "7f1c2a52-9f0b-5e5e-8a0c-1d2e3f405162",
    "actor": {"objectType": "Agent", "account": {"homePage": "https://lms.example.nhs.uk", "name": "a1b2c3"}},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-GB": "completed"}},
    "object": {
        "objectType": "Activity",
        "id": "https://practice.example.nhs.uk/xapi/scenarios/gp_reception_appointment",
        "definition": {
            "name": {"en-GB": "Cancelled appointment"},
            "description": {"en-GB": "GP surgery reception."},
            "type": "http://adlnet.gov/expapi/activities/simulation",
        },
    },
    "result": {
        "score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10},
        "success": True,
        "completion": True,
        "duration": "PT4M12.5S",
        "extensions": {"https://practice.example.nhs.uk/xapi/extensions/outcome": "de_escalated"},
    },
    "context": {
        "registration": "0b6a43a0-8c1f-4d9e-9a7b-2f9e8d7c6b5a",
        "contextActivities": {"grouping": [{"id": "https://practice.example.nhs.uk/xapi/cohorts/1"}]},
        "platform": "compassion-practice",
        "language": "en-GB",
    },
    "timestamp": "2026-12-07T06:55:06.123Z",
    "version": "1.0.3",
}


def test_a_good_statement_passes() -> None:
    assert_valid(GOOD)


def _broken(path: str, value: Any) -> dict[str, Any]:
    statement = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    node = statement
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return statement


DELETE = object()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("verb", DELETE),  # required
        ("actor", DELETE),
        ("object", DELETE),
        ("id", "not-a-uuid"),
        ("id", "7f1c2a52-9f0b-5e5e-8a0c-1d2e3f40516"),  # one digit short
        ("actor.account", {"homePage": "not a url", "name": "x"}),
        ("actor.account", {"homePage": "https://lms.example"}),  # no name
        ("actor.mbox", "mailto:sam@example.nhs.uk"),  # two identifiers
        ("actor.objectType", "Person"),
        ("verb.id", "completed"),  # not an IRI
        ("verb.display", {"en_GB": "completed"}),  # not a language tag (RFC 5646 uses hyphens)
        ("verb.display", {}),
        ("object.id", "scenario one"),
        ("object.definition.type", "simulation"),
        ("object.definition.name", "Cancelled appointment"),  # a string, not a language map
        ("result.score", {"scaled": 1.5}),
        ("result.score", {"raw": 11, "min": 0, "max": 10}),
        ("result.score", {"raw": 1, "min": 5, "max": 2}),
        ("result.success", "yes"),
        ("result.duration", "4 minutes"),
        ("result.duration", "PT"),
        ("result.duration", "P"),
        ("result.extensions", {"outcome": "de_escalated"}),  # extension keys are IRIs
        ("context.registration", "session-1"),
        ("context.language", "en_GB"),
        ("context.contextActivities", {"cohort": [{"id": "https://x.example/c/1"}]}),
        ("context.contextActivities", {"grouping": [{"name": "no id"}]}),
        ("timestamp", "2026-12-07 06:55:06"),
        ("timestamp", "2026-12-07T06:55:06"),  # no time zone
        ("version", "2.0.0"),
        ("learner", "lena"),  # no such property
    ],
)
def test_the_schema_rejects_a_broken_statement(path: str, value: Any) -> None:
    assert problems(_broken(path, value)), f"{path} = {value!r} should be refused"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0, "PT0S"), (4.5, "PT4.5S"), (61, "PT1M1S"), (3600, "PT1H0S"), (3725.25, "PT1H2M5.25S"), (0.004, "PT0S")],
)
def test_durations_are_iso_8601(seconds: float, expected: str) -> None:
    assert iso_duration(seconds) == expected
    assert_valid(_broken("result.duration", expected))


def test_timestamps_are_utc_with_a_zone() -> None:
    moment = datetime(2026, 12, 7, 8, 30, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert iso_timestamp(moment) == "2026-12-07T07:30:00.123Z"
    assert iso_timestamp(datetime(2026, 12, 7, 7, 30)) == "2026-12-07T07:30:00.000Z"  # stored naive UTC
    assert_valid(_broken("timestamp", iso_timestamp(datetime.now(UTC))))
