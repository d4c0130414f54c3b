from fastapi import APIRouter, status
from sqlalchemy import select

from api.auth.bootstrap import UserProblem, create_user
from api.auth.dependencies import AdminUser
from api.db import DbSession
from api.exceptions import Conflict, NotFound
from api.models import User
from api.schemas import ErrorResponse, PathId, Responses, UserCreate, UserList, UserOut, UserUpdate
from api.services.authoring import set_author
from api.services.privacy import is_last_admin

router = APIRouter(prefix="/users", tags=["users"])

ADMIN_ERRORS: Responses = {code: {"model": ErrorResponse} for code in (401, 403)}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses={**ADMIN_ERRORS, 409: {"model": ErrorResponse}},
)
def add_user(body: UserCreate, db: DbSession, admin: AdminUser) -> User:
    """Create an account (admins only)."""
    try:
        return create_user(
            db, username=body.username, password=body.password, role=body.role, display_name=body.display_name
        )
    except UserProblem as exc:
        raise Conflict(str(exc), code="user_exists") from None


@router.get("", response_model=UserList, responses=ADMIN_ERRORS)
def list_users(db: DbSession, admin: AdminUser) -> UserList:
    """Every account (admins only)."""
    users = db.scalars(select(User).order_by(User.username)).all()
    return UserList(items=[UserOut.model_validate(u) for u in users])


@router.patch(
    "/{user_id}",
    response_model=UserOut,
    responses={
        **ADMIN_ERRORS,
        404: {"model": ErrorResponse},
        409: {"model": ErrorResponse},
        422: {"model": ErrorResponse},
    },
)
def update_user(user_id: PathId, body: UserUpdate, db: DbSession, admin: AdminUser) -> User:
    """Deactivate or reactivate an account, rename it, or grant or revoke writing scenarios
    (``can_author``: facilitators and admins only). Deactivation revokes its tokens."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}", code="user_not_found")
    if body.is_active is not None and body.is_active != user.is_active:
        if not body.is_active and is_last_admin(db, user):
            raise Conflict("this is the only active admin account; create another admin first", code="last_admin")
        user.is_active = body.is_active
        user.token_version += 1
    if body.display_name is not None:
        user.display_name = body.display_name
    if body.can_author is not None:
        set_author(user, body.can_author)
    db.commit()
    return user
