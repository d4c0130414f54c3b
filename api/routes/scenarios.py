from typing import Any

from fastapi import APIRouter

from api.auth.dependencies import OptionalUser
from api.db import DbSession
from api.deps import ScenariosDep
from api.exceptions import NotFound
from api.schemas import ErrorResponse, ScenarioList
from api.services import authoring

router = APIRouter(prefix="/scenarios", tags=["scenarios"])


@router.get("", response_model=ScenarioList)
def list_scenarios(scenarios: ScenariosDep, db: DbSession, user: OptionalUser) -> ScenarioList:
    """Every scenario's brief, easiest first: the built-in ones, and, signed in, those written in
    the browser and published to your cohorts (``authored``, at the ``version`` you would play)."""
    briefs = [scenario.brief() for scenario in scenarios.values()]
    if user is not None:
        briefs += authoring.catalogue(db, user_id=user.id)
    briefs.sort(key=lambda b: (b.get("difficulty") or 0, b.get("id") or ""))
    return ScenarioList(items=briefs)


@router.get("/{scenario_id}", responses={404: {"model": ErrorResponse}})
def get_scenario(scenario_id: str, scenarios: ScenariosDep, db: DbSession, user: OptionalUser) -> dict[str, Any]:
    """One scenario's brief: what the learner is told, never the hidden need or the lines."""
    scenario = scenarios.get(scenario_id)
    if scenario is not None:
        return scenario.brief()
    if user is not None:
        number = authoring.published_to(db, user_id=user.id).get(scenario_id)
        brief = authoring.version_brief(db, scenario_id, number) if number is not None else None
        if brief is not None:
            return brief
    raise NotFound(f"no scenario with id {scenario_id!r}", code="scenario_not_found")
