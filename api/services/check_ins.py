"""Learners' private check-ins after practice ("Looking after yourself", issue 21).

A check-in is its learner's alone. Every function here takes the signed-in user and reaches
only that user's rows; there is no way in for anyone else, whatever their role: no staff route,
no count, no name (a check-in that is not yours answers exactly like one that does not exist).
Check-ins are never scored and never logged: this module writes no log line at all, so not even
that someone checked in reaches an operator. They are exported with the learner's data
(``api.services.privacy``) and go with the account (``ON DELETE CASCADE``).

What a check-in says back (signposting that fits the answers, a self-compassion prompt) is data:
``data/support.yml``, read by ``actions.wellbeing``.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from actions.vocabulary import FEELINGS, Feeling, Outcome
from actions.wellbeing import load_check_in_guide
from api.exceptions import CheckInProblems, NotFound
from api.models import CheckIn, PracticeSession, User
from api.schemas import MAX_CHECK_IN_NOTE, CheckInDetail, CheckInOut, Signposting

#: Outcomes after which the report and the step-away page offer a check-in first thing (it is
#: always there to ask for, from the report and the history page).
OFFER_AFTER: tuple[Outcome, ...] = ("escalated", "ended_for_safety")

# How the form's fields are named in a problem, so each reads on its own.
NOTE_NAMES = {
    "feeling_note": "How you are feeling, in your own words",
    "affected_note": "What affected you",
}


def check_in_not_found(check_in_id: int) -> NotFound:
    return NotFound(f"no check-in with id {check_in_id}", code="check_in_not_found")


def offered_after(session: PracticeSession) -> bool:
    """Whether a check-in is offered first thing after this session: it broke down, or the
    learner stepped away to stay safe."""
    return session.status == "ended" and (session.outcome in OFFER_AFTER or session.end_reason == "safety")


def _note(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def create(
    db: Session,
    user: User,
    *,
    session_id: str | None,
    feeling: str | None,
    feeling_note: str | None,
    affected: bool | None,
    affected_note: str | None,
) -> CheckIn:
    """Save the learner's check-in, or ``CheckInProblems`` listing every problem (nothing saved)."""
    problems: list[str] = []
    if feeling is not None and feeling not in FEELINGS:
        problems.append("How are you feeling now: choose one of the answers offered.")
    notes = {"feeling_note": _note(feeling_note), "affected_note": _note(affected_note)}
    for field, text in notes.items():
        if text is None:
            continue
        if len(text) > MAX_CHECK_IN_NOTE:
            problems.append(
                f"{NOTE_NAMES[field]}: {len(text):,} characters, and the most it keeps is {MAX_CHECK_IN_NOTE:,}. "
                "Shorten it and save again (what you wrote is still in the box)."
            )
        elif "\x00" in text:
            problems.append(f"{NOTE_NAMES[field]}: contains a character that cannot be kept (NUL).")
    session_id = (session_id or "").strip() or None
    if session_id is not None:
        session = db.get(PracticeSession, session_id) if len(session_id) <= 32 else None
        if session is None or session.owner_id != user.id:  # someone else's reads as missing
            problems.append(f"Conversation: you have no practice conversation with id {session_id!r}.")
    if not problems and feeling is None and affected is None and not any(notes.values()):
        problems.append("Answer at least one question, or skip the check-in (nothing has been saved).")
    if problems:
        raise CheckInProblems(problems)
    check_in = CheckIn(
        user_id=user.id,
        session_id=session_id,
        feeling=cast(Feeling | None, feeling),
        feeling_note=notes["feeling_note"],
        affected=affected,
        affected_note=notes["affected_note"],
    )
    db.add(check_in)
    db.commit()
    return check_in


def mine(db: Session, user: User) -> list[CheckIn]:
    """The learner's check-ins, newest first."""
    return list(
        db.scalars(
            select(CheckIn).where(CheckIn.user_id == user.id).order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
        )
    )


def own(db: Session, user: User, check_in_id: int) -> CheckIn:
    """One of the learner's check-ins; anyone else's (a learner's, or asked for by staff or an
    admin) answers exactly like a missing one."""
    check_in = db.scalar(select(CheckIn).where(CheckIn.id == check_in_id, CheckIn.user_id == user.id))
    if check_in is None:
        raise check_in_not_found(check_in_id)
    return check_in


def remove(db: Session, user: User, check_in_id: int) -> None:
    """Delete one of the learner's check-ins (404 if it is not theirs)."""
    own(db, user, check_in_id)
    db.execute(delete(CheckIn).where(CheckIn.id == check_in_id, CheckIn.user_id == user.id))
    db.commit()


def detail(db: Session, check_in: CheckIn) -> CheckInDetail:
    """The check-in with the signposting that fits its answers and its self-compassion prompt:
    the learner's prompts take turns (the first check-in they keep gets the first, and so on)."""
    guide = load_check_in_guide()
    section = guide.signposting_for(feeling=check_in.feeling, affected=check_in.affected)
    earlier = db.scalar(
        select(func.count()).select_from(CheckIn).where(CheckIn.user_id == check_in.user_id, CheckIn.id < check_in.id)
    )
    return CheckInDetail(
        **CheckInOut.model_validate(check_in).model_dump(),
        signposting=Signposting(**section.as_dict()),
        prompt=guide.prompt_for(earlier or 0),
    )


def export(db: Session, user: User) -> list[CheckInOut]:
    """Every check-in of the learner's, oldest first, for their export."""
    rows = db.scalars(select(CheckIn).where(CheckIn.user_id == user.id).order_by(CheckIn.created_at, CheckIn.id))
    return [CheckInOut.model_validate(c) for c in rows]
