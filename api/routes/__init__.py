"""Routes per resource, collected in one router under ``/api``."""

from fastapi import APIRouter

from api.routes import (
    assignments,
    auth,
    authoring,
    check_ins,
    cohorts,
    group_runs,
    health,
    history,
    privacy,
    reviews,
    scenarios,
    scorer,
    sessions,
    surveys,
    users,
)

api_router = APIRouter(prefix="/api")
api_router.include_router(health.router)
api_router.include_router(auth.router)
api_router.include_router(users.router)
api_router.include_router(scenarios.router)
api_router.include_router(sessions.router)
api_router.include_router(cohorts.router)
api_router.include_router(assignments.router)
api_router.include_router(history.router)
api_router.include_router(reviews.router)
api_router.include_router(privacy.router)
api_router.include_router(check_ins.router)
api_router.include_router(authoring.router)
api_router.include_router(surveys.router)
api_router.include_router(group_runs.router)
api_router.include_router(scorer.router)
