from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from api.auth.dependencies import CurrentUser
from api.auth.passwords import hash_password, verify_password
from api.auth.signin import authenticate
from api.auth.tokens import issue_access_token
from api.db import DbSession
from api.deps import SettingsDep
from api.exceptions import InvalidRequest
from api.models import User
from api.schemas import ErrorResponse, PasswordChange, Responses, Token, UserOut

router = APIRouter(tags=["auth"])

AUTH_ERRORS: Responses = {401: {"model": ErrorResponse}}


@router.post("/auth/token", response_model=Token, responses=AUTH_ERRORS)
def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DbSession, request: Request, settings: SettingsDep
) -> Token:
    """OAuth2 password flow: form fields ``username`` and ``password`` give a short-lived bearer token."""
    user = authenticate(db, username=form.username, password=form.password)
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
def change_password(body: PasswordChange, user: CurrentUser, db: DbSession) -> Response:
    """Change your password; every token issued before stops working (sign in again)."""
    if user.password_hash is None or not verify_password(user.password_hash, body.current_password):
        raise InvalidRequest("current_password: does not match your password", code="wrong_password")
    user.password_hash = hash_password(body.new_password)
    user.token_version += 1
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
