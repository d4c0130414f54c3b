"""Routes per resource, collected in one router under ``/api``."""

from fastapi import APIRouter

from api.routes import health, scenarios, sessions

api_router = APIRouter(prefix="/api")
api_router.include_router(health.router)
api_router.include_router(scenarios.router)
api_router.include_router(sessions.router)
