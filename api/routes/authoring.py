"""Writing scenarios in the browser's API: ``/api/authoring/...`` (``api.services.authoring``).

Every route needs the author permission (``can_author``, facilitators and admins); an author
reaches only their own scenarios and publishes only to cohorts they facilitate.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status
from sqlalchemy.orm import Session

from api.auth.dependencies import CurrentUser
from api.db import DbSession
from api.deps import ScenariosDep, SettingsDep
from api.models import AuthoredScenario, User
from api.schemas import (
    AuthoredScenarioCreate,
    AuthoredScenarioList,
    AuthoredScenarioOut,
    ErrorResponse,
    PathId,
    PublicationOut,
    PublishRequest,
    Responses,
    ScenarioCheck,
    ScenarioCheckResult,
    ScenarioVersionCreate,
    VersionDetail,
    VersionOut,
)
from api.services import authoring

router = APIRouter(prefix="/authoring", tags=["authoring"])


def _author(user: CurrentUser) -> User:
    return authoring.require_author(user)


Author = Annotated[User, Depends(_author)]
ScenarioId = Annotated[str, Path(min_length=1, max_length=60)]

ERRORS: Responses = {code: {"model": ErrorResponse} for code in (401, 403, 404)}
WRITE_ERRORS: Responses = {**ERRORS, **{code: {"model": ErrorResponse} for code in (409, 413, 422)}}


def _out(db: Session, scenario: AuthoredScenario) -> AuthoredScenarioOut:
    versions = scenario.versions
    return AuthoredScenarioOut(
        id=scenario.id,
        title=str(versions[-1].data.get("title", scenario.id)) if versions else scenario.id,
        created_by=scenario.created_by,
        created_at=scenario.created_at,
        versions=[VersionOut.model_validate(v) for v in versions],
        publications=[PublicationOut.model_validate(p) for p in authoring.publications(db, scenario.id)],
    )


@router.post("/check", response_model=ScenarioCheckResult, responses=ERRORS)
def check_scenario(body: ScenarioCheck, user: Author) -> ScenarioCheckResult:
    """Check a scenario without saving it: every problem, one line each (none: it can be saved)."""
    authoring.check_size(body.data)
    problems = authoring.problems_in(body.data, scenario_id=body.id)
    return ScenarioCheckResult(valid=not problems, problems=problems)


@router.post(
    "/scenarios", status_code=status.HTTP_201_CREATED, response_model=AuthoredScenarioOut, responses=WRITE_ERRORS
)
def create_scenario(
    body: AuthoredScenarioCreate, db: DbSession, builtins: ScenariosDep, user: Author
) -> AuthoredScenarioOut:
    """Start a scenario at version 1, from its data or as a copy of another (built-in or yours)."""
    scenario = authoring.create_scenario(
        db,
        user=user,
        scenario_id=body.id,
        builtins=builtins,
        data=body.data,
        copy_of=body.copy_of,
        copy_version=body.copy_version,
    )
    return _out(db, scenario)


@router.get("/scenarios", response_model=AuthoredScenarioList, responses=ERRORS)
def list_scenarios(db: DbSession, user: Author) -> AuthoredScenarioList:
    """Your scenarios, each with its versions (who, when, what changed) and where it is published."""
    return AuthoredScenarioList(items=[_out(db, s) for s in authoring.my_scenarios(db, user=user)])


@router.get("/scenarios/{scenario_id}", response_model=AuthoredScenarioOut, responses=ERRORS)
def get_scenario(scenario_id: ScenarioId, db: DbSession, user: Author) -> AuthoredScenarioOut:
    """One of your scenarios, with its versions and publications."""
    return _out(db, authoring.scenario(db, user=user, scenario_id=scenario_id))


@router.post(
    "/scenarios/{scenario_id}/versions",
    status_code=status.HTTP_201_CREATED,
    response_model=VersionOut,
    responses=WRITE_ERRORS,
)
def save_version(scenario_id: ScenarioId, body: ScenarioVersionCreate, db: DbSession, user: Author) -> VersionOut:
    """Save the whole scenario as its next version (refused, with every problem, if it has any)."""
    return VersionOut.model_validate(authoring.save_version(db, user=user, scenario_id=scenario_id, data=body.data))


@router.get("/scenarios/{scenario_id}/versions/{number}", response_model=VersionDetail, responses=ERRORS)
def get_version(scenario_id: ScenarioId, number: PathId, db: DbSession, user: Author) -> VersionDetail:
    """One version, with the whole scenario."""
    return VersionDetail.model_validate(authoring.version(db, user=user, scenario_id=scenario_id, number=number))


@router.post(
    "/scenarios/{scenario_id}/versions/{number}/publish",
    response_model=list[PublicationOut],
    responses=WRITE_ERRORS,
)
def publish(
    scenario_id: ScenarioId,
    number: PathId,
    body: PublishRequest,
    db: DbSession,
    settings: SettingsDep,
    user: Author,
) -> list[PublicationOut]:
    """Make this version the one your cohorts' learners play (publishing again moves the version)."""
    published = authoring.publish(
        db,
        user=user,
        scenario_id=scenario_id,
        number=number,
        cohort_ids=body.cohort_ids,
        directory=settings.authored_scenario_dir,
    )
    return [PublicationOut.model_validate(p) for p in published]


@router.delete(
    "/scenarios/{scenario_id}/publications/{cohort_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS
)
def unpublish(scenario_id: ScenarioId, cohort_id: PathId, db: DbSession, user: Author) -> None:
    """The cohort's learners no longer see this scenario."""
    authoring.unpublish(db, user=user, scenario_id=scenario_id, cohort_id=cohort_id)
