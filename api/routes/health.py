from fastapi import APIRouter

from api.deps import EngineDep
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
async def health(engine: EngineDep) -> Health:
    """The API is up; ``engine`` says whether Rasa answers (short probe)."""
    return Health(engine="up" if await engine.status() else "down")
