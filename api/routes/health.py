from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.concurrency import run_in_threadpool

from api.deps import EngineDep
from api.schemas import Health, ServiceState

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
async def health(request: Request, engine: EngineDep) -> Health:
    """The API is up; ``engine`` says whether Rasa answers (short probe) and ``database``
    whether a query comes back (``busy``: no connection came free in time, under load)."""
    database = await run_in_threadpool(_database_state, request)
    return Health(engine="up" if await engine.status() else "down", database=database)


def _database_state(request: Request) -> ServiceState:
    try:
        with request.app.state.database.connect() as connection:
            connection.execute(text("SELECT 1"))
    except PoolTimeout:
        return "busy"
    except SQLAlchemyError:
        return "down"
    return "up"
