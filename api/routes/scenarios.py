from typing import Any

from fastapi import APIRouter

from api.deps import ScenariosDep
from api.exceptions import NotFound
from api.schemas import ErrorResponse, ScenarioList

router = APIRouter(prefix="/scenarios", tags=["scenarios"])


@router.get("", response_model=ScenarioList)
def list_scenarios(scenarios: ScenariosDep) -> ScenarioList:
    """Every scenario's brief, easiest first."""
    briefs = [scenario.brief() for scenario in scenarios.values()]
    briefs.sort(key=lambda b: (b.get("difficulty") or 0, b.get("id") or ""))
    return ScenarioList(items=briefs)


@router.get("/{scenario_id}", responses={404: {"model": ErrorResponse}})
def get_scenario(scenario_id: str, scenarios: ScenariosDep) -> dict[str, Any]:
    """One scenario's brief: what the learner is told, never the hidden need or the lines."""
    scenario = scenarios.get(scenario_id)
    if scenario is None:
        raise NotFound(f"no scenario with id {scenario_id!r}", code="scenario_not_found")
    return scenario.brief()
