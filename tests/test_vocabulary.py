"""The domain vocabulary (actions/vocabulary.py) is defined once, and everything that needs it
agrees with it: the Rasa domain, the data files, the database columns, the API's published
contract, the CLI, and every set of words for people. No other module spells a tuple again."""

from __future__ import annotations

import argparse
import ast
import typing
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
import yaml
from pydantic import BaseModel
from sqlalchemy import String
from sqlalchemy.orm import Mapped

import api.models
from actions import vocabulary as v
from actions.vocabulary import REPO_ROOT

# Every vocabulary: its Literal type and the tuple derived from it.
VOCABULARIES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "LEVELS": (v.Level, v.LEVELS),
    "ACTS": (v.Act, v.ACTS),
    "THEMES": (v.Theme, v.THEMES),
    "TOPICS": (v.Topic, v.TOPICS),
    "OUTCOMES": (v.Outcome, v.OUTCOMES),
    "END_REASONS": (v.EndReason, v.END_REASONS),
    "SESSION_END_REASONS": (v.SessionEndReason, v.SESSION_END_REASONS),
    "SESSION_STATUSES": (v.SessionStatus, v.SESSION_STATUSES),
    "TURN_STATUSES": (v.TurnStatus, v.TURN_STATUSES),
    "ASSIGNMENT_STATUSES": (v.AssignmentStatus, v.ASSIGNMENT_STATUSES),
    "ROLES": (v.Role, v.ROLES),
    "COHORT_ROLES": (v.CohortRole, v.COHORT_ROLES),
    "SIGN_IN_KEYS": (v.SignInKey, v.SIGN_IN_KEYS),
    "CORRECTION_KINDS": (v.CorrectionKind, v.CORRECTION_KINDS),
    "CUE_FAMILIES": (v.CueFamily, v.CUE_FAMILIES),
    "SURVEY_PHASES": (v.SurveyPhase, v.SURVEY_PHASES),
    "FEELINGS": (v.Feeling, v.FEELINGS),
    "GROUP_RUN_STATUSES": (v.GroupRunStatus, v.GROUP_RUN_STATUSES),
    "GROUP_PHASES": (v.GroupPhase, v.GROUP_PHASES),
}
# Parts of a vocabulary with a name of their own, derived in actions/vocabulary.py.
SUBSETS: dict[str, tuple[str, ...]] = {"STAFF_ROLES": v.STAFF_ROLES, "COHORT_STAFF_ROLES": v.COHORT_STAFF_ROLES}
# Built in actions/vocabulary.py from another Literal (``Literal[EndReason, "conversation"]``),
# so their values are spelled in full nowhere, not even there.
EXTENDED = {"SESSION_END_REASONS"}
VOCABULARY_FILE = REPO_ROOT / "actions" / "vocabulary.py"
# Where a vocabulary must not be spelled again: every package of ours.
SOURCE_DIRS = ("actions", "api", "practice")


def _spelled(values: tuple[str, ...]) -> str:
    """How the tuple reads in source: ``"calm", "uneasy", ...``."""
    return ", ".join(f'"{value}"' for value in values)


def _sources() -> list[Path]:
    return [p for d in SOURCE_DIRS for p in sorted((REPO_ROOT / d).rglob("*.py"))]


def _literal_values(annotation: Any) -> tuple[str, ...]:
    """The values of a Literal annotation, with ``| None`` and ``Mapped[...]`` taken off."""
    if get_origin(annotation) is Mapped:
        (annotation,) = get_args(annotation)
    if get_origin(annotation) is not Literal:
        arms = [a for a in get_args(annotation) if a is not type(None)]
        assert len(arms) == 1, annotation
        annotation = arms[0]
    assert get_origin(annotation) is Literal, annotation
    return get_args(annotation)


# --- the vocabulary itself ----------------------------------------------------------------


@pytest.mark.parametrize("name", VOCABULARIES)
def test_each_tuple_is_its_literal(name: str) -> None:
    literal, values = VOCABULARIES[name]
    assert get_origin(literal) is Literal
    assert values == get_args(literal)
    assert len(values) >= 2 and len(set(values)) == len(values)
    assert all(isinstance(value, str) and value == value.strip().lower() for value in values)


def test_the_role_subsets_keep_the_roles_order() -> None:
    assert tuple(role for role in v.ROLES if role in v.COHORT_ROLES) == v.COHORT_ROLES
    assert v.STAFF_ROLES == ("facilitator", "reviewer", "admin")
    assert v.COHORT_STAFF_ROLES == ("facilitator", "reviewer")


def test_a_recorded_end_reason_is_the_learners_or_the_conversations() -> None:
    assert (*v.END_REASONS, "conversation") == v.SESSION_END_REASONS


def test_the_vocabulary_needs_nothing_but_the_standard_library() -> None:
    """The Rasa environment (Python 3.10, no pydantic or FastAPI) imports it too."""
    tree = ast.parse(VOCABULARY_FILE.read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {
        node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported <= {"__future__", "pathlib", "typing"}


def test_repo_root_is_the_repository() -> None:
    assert (REPO_ROOT / "data" / "scenarios").is_dir() and (REPO_ROOT / "config.yml").is_file()


# --- what must agree with it --------------------------------------------------------------


def test_the_rasa_domain_speaks_the_levels_and_acts() -> None:
    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert tuple(domain["slots"]["escalation"]["values"]) == v.LEVELS
    patient_actions = [a.removeprefix("action_patient_") for a in domain["actions"] if a.startswith("action_patient_")]
    assert tuple(patient_actions) == v.ACTS


def test_the_data_files_speak_the_levels_and_families() -> None:
    behaviour = yaml.safe_load((REPO_ROOT / "data" / "behaviour.yml").read_text(encoding="utf-8"))
    assert tuple(behaviour["levels"]) == v.LEVELS
    taxonomy = yaml.safe_load((REPO_ROOT / "data" / "cues" / "taxonomy.yml").read_text(encoding="utf-8"))
    assert tuple(taxonomy["families"]) == v.CUE_FAMILIES
    assert {cue["family"] for cue in taxonomy["cues"]} <= set(v.CUE_FAMILIES)


def test_the_scorer_uses_the_vocabulary() -> None:
    """The taxonomy loader checks families against CUE_FAMILIES, and the scorer's anti-patterns
    are the taxonomy's anti_pattern family, not a list of its own (read without importing spaCy)."""
    taxonomy_src = (REPO_ROOT / "actions" / "scoring" / "taxonomy.py").read_text(encoding="utf-8")
    assert "from actions.vocabulary import CUE_FAMILIES\n" in taxonomy_src
    scorer_src = (REPO_ROOT / "actions" / "scoring" / "scorer.py").read_text(encoding="utf-8")
    assert "c.is_anti_pattern" in scorer_src and '"false_promise", "jargon"' not in scorer_src


def test_the_patient_model_speaks_the_vocabulary() -> None:
    from actions.patient import TERMINAL_OUTCOMES, level_for, start_tension
    from actions.scenarios import ActLines, LevelLines

    assert tuple(ActLines.__annotations__) == v.ACTS and tuple(LevelLines.__annotations__) == v.LEVELS
    assert set(TERMINAL_OUTCOMES) <= set(v.ACTS) and set(TERMINAL_OUTCOMES.values()) <= set(v.OUTCOMES)
    assert [level_for(start_tension(level)) for level in v.LEVELS] == list(v.LEVELS)


COLUMNS = [
    (api.models.User.role, v.ROLES),
    (api.models.CohortMember.role, v.COHORT_ROLES),
    (api.models.PracticeSession.status, v.SESSION_STATUSES),
    (api.models.PracticeSession.outcome, v.OUTCOMES),
    (api.models.PracticeSession.end_reason, v.SESSION_END_REASONS),
    (api.models.Turn.status, v.TURN_STATUSES),
    (api.models.CueCorrection.kind, v.CORRECTION_KINDS),
    (api.models.SignInFailure.key_kind, v.SIGN_IN_KEYS),
    (api.models.ConfidenceResponse.phase, v.SURVEY_PHASES),
    (api.models.CheckIn.feeling, v.FEELINGS),
    (api.models.GroupRun.status, v.GROUP_RUN_STATUSES),
    (api.models.GroupRun.phase, v.GROUP_PHASES),
    (api.models.ScorerRebuild.status, v.REBUILD_STATUSES),
]


@pytest.mark.parametrize(("attribute", "values"), COLUMNS, ids=[f"{a.class_.__name__}.{a.key}" for a, _ in COLUMNS])
def test_the_database_columns_hold_the_vocabulary(attribute: Any, values: tuple[str, ...]) -> None:
    """No database constraint (the migrations made plain strings): each column is typed with the
    vocabulary's Literal and long enough for its every value."""
    column = attribute.property.columns[0]
    assert isinstance(column.type, String) and column.type.length is not None
    assert column.type.length >= max(map(len, values))
    model = attribute.class_
    hints = typing.get_type_hints(model, globalns=vars(api.models), include_extras=False)
    assert _literal_values(hints[attribute.key]) == values


def test_the_api_contract_speaks_the_vocabulary() -> None:
    from fastapi import FastAPI

    from api import schemas
    from api.routes import api_router

    assert tuple(schemas.FamilyNumbers.model_fields) == v.CUE_FAMILIES
    models: dict[tuple[type[BaseModel], str], tuple[str, ...]] = {
        (schemas.SessionState, "status"): v.SESSION_STATUSES,
        (schemas.TurnOut, "status"): v.TURN_STATUSES,
        (schemas.SessionEnd, "reason"): v.END_REASONS,
        (schemas.UserCreate, "role"): v.ROLES,
        (schemas.UserOut, "role"): v.ROLES,
        (schemas.MemberSet, "role"): v.COHORT_ROLES,
        (schemas.MemberOut, "role"): v.COHORT_ROLES,
        (schemas.CohortOut, "my_role"): v.COHORT_ROLES,
        (schemas.LearnerProgress, "status"): v.ASSIGNMENT_STATUSES,
        (schemas.MyAssignment, "status"): v.ASSIGNMENT_STATUSES,
        (schemas.CorrectionCreate, "kind"): v.CORRECTION_KINDS,
        (schemas.CorrectionOut, "kind"): v.CORRECTION_KINDS,
    }
    for (model, field), values in models.items():
        assert _literal_values(model.model_fields[field].annotation) == values, (model.__name__, field)
    app = FastAPI()
    app.include_router(api_router)
    paths = app.openapi()["paths"]

    def query_enum(path: str, name: str) -> tuple[str, ...]:
        (param,) = [p for p in paths[path]["get"]["parameters"] if p["name"] == name]
        (choice,) = [s for s in param["schema"]["anyOf"] if "enum" in s]
        return tuple(choice["enum"])

    sessions = next(p for p in paths if p.endswith("/sessions") and "get" in paths[p])
    reviews = next(p for p in paths if p.endswith("/reviews/sessions"))
    assert query_enum(sessions, "status") == v.SESSION_STATUSES
    assert query_enum(sessions, "outcome") == v.OUTCOMES
    assert query_enum(reviews, "status") == v.SESSION_STATUSES


def test_every_value_has_its_words() -> None:
    """Labels stay where the wording belongs, keyed by the vocabulary, in its order (the web
    pages' drop-downs list them in that order)."""
    from actions.scenarios import THEME_LABELS
    from actions.summary import OUTCOME_TEXT
    from api.web import render
    from practice.commands import chat_view

    assert tuple(render.OUTCOME_LABELS) == v.OUTCOMES
    assert tuple(render.SESSION_STATUS_LABELS) == v.SESSION_STATUSES
    assert tuple(render.ASSIGNMENT_STATUS_LABELS) == v.ASSIGNMENT_STATUSES
    assert tuple(render.FAMILY_LABELS) == v.CUE_FAMILIES
    assert tuple(render.FEELING_LABELS) == v.FEELINGS
    assert tuple(render.GROUP_RUN_STATUS_LABELS) == v.GROUP_RUN_STATUSES
    assert tuple(THEME_LABELS) == v.THEMES
    assert tuple(OUTCOME_TEXT) == v.OUTCOMES
    assert tuple(chat_view.OUTCOME_TEXT) == v.OUTCOMES
    assert all(
        text.strip()
        for labels in (render.OUTCOME_LABELS, OUTCOME_TEXT, chat_view.OUTCOME_TEXT)
        for text in labels.values()
    )


def test_the_cli_offers_every_role_and_no_other() -> None:
    from practice.commands import users

    parser = argparse.ArgumentParser(exit_on_error=False)
    users.add_parser(parser.add_subparsers())
    for role in v.ROLES:
        assert parser.parse_args(["user", "create", "--username", "sam", "--role", role]).role == role
    with pytest.raises(SystemExit):
        parser.parse_args(["user", "create", "--username", "sam", "--role", "patient"])


# --- defined once -------------------------------------------------------------------------


@pytest.mark.parametrize("name", VOCABULARIES)
def test_the_tuple_is_spelled_only_in_the_vocabulary(name: str) -> None:
    """What ``git grep '"calm", "uneasy", "upset", "angry", "hostile"'`` would find: one home."""
    _, values = VOCABULARIES[name]
    needle = _spelled(values)
    assert (needle in VOCABULARY_FILE.read_text(encoding="utf-8")) != (name in EXTENDED)
    elsewhere = [
        str(p.relative_to(REPO_ROOT))
        for p in _sources()
        if p != VOCABULARY_FILE and needle in p.read_text(encoding="utf-8")
    ]
    assert not elsewhere, f"{needle} is spelled again in {elsewhere}: import it from actions.vocabulary"


def _string_collections(tree: ast.AST) -> list[tuple[int, frozenset[str]]]:
    """Every tuple, list or set of string constants, and every ``Literal[...]`` of them."""
    found: list[tuple[int, frozenset[str]]] = []
    inside_literal: set[int] = set()  # the tuple in ``Literal["a", "b"]`` is the Literal's, not one more
    for node in ast.walk(tree):  # breadth first: a Literal comes before the tuple inside it
        items: list[ast.expr] | None = None
        if isinstance(node, ast.Tuple | ast.List | ast.Set) and id(node) not in inside_literal:
            items = list(node.elts)
        elif (
            isinstance(node, ast.Subscript)
            and getattr(node.value, "id", getattr(node.value, "attr", None)) == "Literal"
        ):
            inside_literal.add(id(node.slice))
            items = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        strings = [i.value for i in items or [] if isinstance(i, ast.Constant) and isinstance(i.value, str)]
        if items and len(strings) == len(items) and isinstance(node, ast.expr):  # both kinds are; mypy lost it
            found.append((node.lineno, frozenset(strings)))
    return found


def test_no_module_lists_a_vocabulary_again() -> None:
    """However it is spelled (another order, a list, a set, a Literal, across lines), a
    collection of exactly one vocabulary's values lives only in actions/vocabulary.py."""
    named = {**{name: values for name, (_, values) in VOCABULARIES.items()}, **SUBSETS}
    by_values = {frozenset(values): name for name, values in named.items()}
    assert len(by_values) == len(named)
    repeats = []
    for path in _sources():
        if path == VOCABULARY_FILE:
            continue
        for line, values in _string_collections(ast.parse(path.read_text(encoding="utf-8"))):
            if values in by_values:
                repeats.append(f"{path.relative_to(REPO_ROOT)}:{line}: {by_values[values]}")
    assert not repeats, "import these from actions.vocabulary:\n" + "\n".join(repeats)


def test_repo_root_is_defined_once() -> None:
    """Everything but actions/scoring (left alone for now) imports REPO_ROOT from the vocabulary."""
    defining = [
        str(p.relative_to(REPO_ROOT))
        for p in _sources()
        if any(
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "REPO_ROOT" for t in node.targets)
            or isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "REPO_ROOT"
            for node in ast.parse(p.read_text(encoding="utf-8")).body
        )
    ]
    assert defining == ["actions/vocabulary.py"]
