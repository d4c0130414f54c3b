from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.auth.dependencies import CurrentUser
from api.auth.hashing import PasswordWorkersDep
from api.auth.passwords import hash_password, verify_password
from api.auth.signin import authenticate
from api.auth.throttle import SignInThrottleDep, client_address
from api.auth.tokens import issue_access_token
from api.db import DbSession
from api.deps import SettingsDep
from api.exceptions import InvalidRequest
from api.models import User
from api.schemas import TOO_MANY_ATTEMPTS, ErrorResponse, PasswordChange, Responses, Token, UserOut

router = APIRouter(tags=["auth"])

AUTH_ERRORS: Responses = {401: {"model": ErrorResponse}}


@router.post("/auth/token", response_model=Token, responses={**AUTH_ERRORS, **TOO_MANY_ATTEMPTS})
async def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    db: DbSession,
    request: Request,
    settings: SettingsDep,
    throttle: SignInThrottleDep,
    workers: PasswordWorkersDep,
) -> Token:
    """OAuth2 password flow: form fields ``username`` and ``password`` give a short-lived bearer token.

    Failed sign-ins are counted per username and per client address; past the limit (10 and
    50 in 15 minutes by default) the answer is 429 ``too_many_attempts`` with ``Retry-After``,
    whether or not the account exists, until the oldest failure is out of the window. Under
    load, a sign-in that cannot have its password checked in time answers 503 ``service_busy``
    with ``Retry-After`` (and counts as no failure)."""
    user = await authenticate(
        db,
        username=form.username,
        password=form.password,
        address=client_address(request),
        throttle=throttle,
        workers=workers,
    )
    token, lifetime = issue_access_token(
        user_id=user.id,
        token_version=user.token_version,
        secret=request.app.state.secret_key,
        minutes=settings.access_token_minutes,
    )
    return Token(access_token=token, expires_in=lifetime)


@router.get("/me", response_model=UserOut, responses=AUTH_ERRORS)
def who_am_i(user: CurrentUser) -> User:
    """The signed-in user."""
    return user


@router.put(
    "/me/password", status_code=status.HTTP_204_NO_CONTENT, responses={**AUTH_ERRORS, 422: {"model": ErrorResponse}}
)
async def change_password(
    body: PasswordChange, user: CurrentUser, db: DbSession, workers: PasswordWorkersDep
) -> Response:
    """Change your password; every token issued before stops working (sign in again)."""
    # End the transaction that read the user (it stays loaded): no connection held while hashing.
    await run_in_threadpool(db.commit)
    new_hash = await workers.run(_new_hash, user.password_hash, body.current_password, body.new_password)
    if new_hash is None:
        raise InvalidRequest("current_password: does not match your password", code="wrong_password")
    await run_in_threadpool(_store_password, db, user, new_hash)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _new_hash(password_hash: str | None, current: str, new: str) -> str | None:
    """The new password's hash if ``current`` is the password (one turn of the password workers)."""
    if password_hash is None or not verify_password(password_hash, current):
        return None
    return hash_password(new)


def _store_password(db: Session, user: User, new_hash: str) -> None:
    user.password_hash = new_hash
    user.token_version += 1
    db.commit()
