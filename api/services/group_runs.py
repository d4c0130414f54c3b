"""Group practice led by a facilitator: a cohort rehearses one conversation together.

A group run IS a practice session owned by the facilitator (``api.services.sessions``): it
starts, takes turns and ends through the same functions, the same engine path and the same
turn lease as a learner's own practice, so its transcript is an ordinary one. This module adds
what a group needs around it (``GroupRun`` and its rows, migration 0008):

- a join code (six letters and digits from 32, about a billion codes, refused once the run has
  ended); members of the run's cohort join with it, nobody else (a wrong code and someone
  else's cohort answer alike, 404);
- rounds: each attempt at a turn is a round. Members propose replies (one each, changed by
  proposing again); the facilitator sends one, or opens a vote with a deadline (most votes
  wins; a tie, or a vote nobody cast, is the facilitator's to break). The sent reply becomes the
  session's turn; the others are scored by the same reader the turn's score card comes from
  (``actions.reply_card``), with no patient reaction, and kept with the run;
- pause (nothing can be proposed, voted or sent), try again and end. The engine has no undo:
  a turn sent is part of the conversation (Rasa's tracker, the patient's tension, the lines
  already said). "Try again" therefore opens a new round for the same point of the
  conversation from where it now is, marks the turn as tried again, and says so;
- what each viewer sees (``view``): members never see who proposed what; the cohort's staff do.

Every change bumps ``GroupRun.version``, which the live views (``api.services.group_live``) watch.
"""

from __future__ import annotations

import logging
import re
import secrets
import string
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from actions.vocabulary import COHORT_STAFF_ROLES
from api.db import utcnow
from api.engine import DialogueEngine
from api.exceptions import Conflict, Forbidden, NotFound
from api.models import (
    Cohort,
    GroupParticipant,
    GroupProposal,
    GroupRun,
    GroupVote,
    PracticeSession,
    Turn,
    User,
)
from api.schemas import GroupProposalOut, GroupRunListItem, GroupRunOut, GroupTurnOut, GroupViewer
from api.services import access, authoring, sessions

log = logging.getLogger(__name__)

# No 0/O or 1/I: read aloud over a video call and typed, they are mistaken for each other.
CODE_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "01IO")
CODE_LENGTH = 6

# Scores a reply the group did not send: (words, the patient's line before them) -> a score card
# without the patient's reaction (``actions.reply_card.alternative_card`` in the app).
ReplyScorer = Callable[[str, Mapping[str, Any] | None], dict[str, Any]]


def run_not_found(run_id: int) -> NotFound:
    return NotFound(f"no group practice with id {run_id}", code="group_run_not_found")


def _name(user: User | None) -> str:
    return (user.display_name or user.username) if user is not None else "A former member"


def _label(n: int) -> str:
    letters = string.ascii_uppercase
    return f"Reply {letters[n % 26]}{n // 26 or ''}"


# --- who may see a run -----------------------------------------------------------------


def viewer_of(db: Session, user: User, run: GroupRun) -> GroupViewer | None:
    """``lead`` (the facilitator who opened it), ``staff`` (the cohort's facilitators and
    reviewers), ``member`` (a learner of the cohort who joined with the code), or None."""
    if run.facilitator_id == user.id:
        return "lead"
    role = access.member_role(db, user.id, run.cohort_id)
    if role in COHORT_STAFF_ROLES:
        return "staff"
    if role == "learner" and db.get(GroupParticipant, (run.id, user.id)) is not None:
        return "member"
    return None


def visible_run(db: Session, user: User, run_id: int) -> tuple[GroupRun, GroupViewer]:
    """The run and how ``user`` sees it; anyone else gets 404, as for a run that does not exist."""
    run = db.get(GroupRun, run_id)
    viewer = viewer_of(db, user, run) if run is not None else None
    if run is None or viewer is None:
        raise run_not_found(run_id)
    return run, viewer


def _led_run(db: Session, user: User, run_id: int) -> GroupRun:
    run, viewer = visible_run(db, user, run_id)
    if viewer != "lead":
        raise Forbidden("Only the facilitator leading this group practice can do that.", code="not_the_lead")
    return run


def _members_run(db: Session, user: User, run_id: int) -> GroupRun:
    run, viewer = visible_run(db, user, run_id)
    if viewer != "member":
        raise Forbidden("Members propose and vote; the facilitator picks.", code="not_a_member")
    return run


def _require_open(run: GroupRun) -> None:
    if run.status == "ended":
        raise Conflict("this group practice has ended", code="group_run_ended")
    if run.status == "paused":
        raise Conflict("the facilitator has paused this group practice; wait for them to resume", code="group_paused")


def _changed(run: GroupRun) -> None:
    run.version = (run.version or 0) + 1


def session_id_of(db: Session, user: User, run_id: int) -> str:
    """The run's practice session, for the route to take its turn lock (any viewer; else 404)."""
    run, _ = visible_run(db, user, run_id)
    session_id = run.session_id
    db.commit()  # end the reading transaction before the lock waits
    return session_id


# --- opening and joining ---------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]+", "", code).upper()


async def open_run(
    db: Session,
    *,
    engine: DialogueEngine,
    user: User,
    cohort_id: int,
    scenario_id: str,
    builtins: Mapping[str, Any],
    directory: Any,
    seed: int | None = None,
) -> GroupRun:
    """Start the scenario as the facilitator's own practice session (the patient's opening
    comes back as for anyone) and open the run for the cohort, with a fresh code."""
    await run_in_threadpool(access.visible_cohort, db, user, cohort_id, roles=("facilitator",))
    session, _ = await sessions.start_playable(
        db,
        engine=engine,
        user=user,
        scenario_id=scenario_id,
        version=None,
        builtins=builtins,
        directory=directory,
        seed=seed,
    )
    return await run_in_threadpool(_create_run, db, session_id=session.id, cohort_id=cohort_id, user_id=user.id)


def _create_run(db: Session, *, session_id: str, cohort_id: int, user_id: int) -> GroupRun:
    for _ in range(5):  # a clash among a billion codes is rare; try a few before giving up
        run = GroupRun(session_id=session_id, cohort_id=cohort_id, facilitator_id=user_id, code=new_code())
        db.add(run)
        try:
            db.commit()
        except IntegrityError:
            db.rollback()
            continue
        log.info("group run %s opened for cohort %s (session %s)", run.id, cohort_id, session_id)
        return run
    raise Conflict("could not find a free join code; try again", code="group_code_clash")


def join(db: Session, *, user: User, code: str) -> GroupRun:
    """A learner of the run's cohort joins it; its staff simply open it. A wrong code, an
    ended run and another cohort's run all answer the same 404."""
    cleaned = normalise_code(code)
    run = db.scalar(select(GroupRun).where(GroupRun.code == cleaned)) if cleaned else None
    role = access.member_role(db, user.id, run.cohort_id) if run is not None else None
    if run is None or run.status == "ended" or (role is None and run.facilitator_id != user.id):
        raise NotFound(
            "no group practice is open with that code for a cohort you are in; check the code with your facilitator",
            code="group_code_not_found",
        )
    if role == "learner" and db.get(GroupParticipant, (run.id, user.id)) is None:
        db.add(GroupParticipant(run_id=run.id, user_id=user.id))
        _changed(run)
        try:
            db.commit()
        except IntegrityError:  # joined twice at once: the first one counts
            db.rollback()
        log.info("group run %s: a member joined", run.id)
    return run


def runs_for_cohort(db: Session, cohort_id: int) -> list[GroupRunListItem]:
    counts = select(Turn.session_id, func.count(Turn.id).label("n")).group_by(Turn.session_id).subquery()
    rows = db.execute(
        select(GroupRun, PracticeSession.scenario_id, func.coalesce(counts.c.n, 0))
        .join(PracticeSession, PracticeSession.id == GroupRun.session_id)
        .outerjoin(counts, counts.c.session_id == GroupRun.session_id)
        .where(GroupRun.cohort_id == cohort_id)
        .order_by(GroupRun.created_at.desc(), GroupRun.id.desc())
    ).all()
    return [
        GroupRunListItem(
            id=run.id,
            cohort_id=run.cohort_id,
            scenario_id=scenario_id,
            session_id=run.session_id,
            status=run.status,
            turns=int(n),
            created_at=run.created_at,
            ended_at=run.ended_at,
        )
        for run, scenario_id, n in rows
    ]


def open_runs_for_member(db: Session, user: User) -> list[GroupRun]:
    """Runs the learner has joined that are not over (the join page links back to them)."""
    return list(
        db.scalars(
            select(GroupRun)
            .join(GroupParticipant, GroupParticipant.run_id == GroupRun.id)
            .where(GroupParticipant.user_id == user.id, GroupRun.status != "ended")
            .order_by(GroupRun.created_at.desc())
        )
    )


# --- proposals and votes ---------------------------------------------------------------


def _round_proposals(db: Session, run: GroupRun, round_: int | None = None) -> list[GroupProposal]:
    return list(
        db.scalars(
            select(GroupProposal)
            .where(GroupProposal.run_id == run.id, GroupProposal.round == (round_ or run.round))
            .order_by(GroupProposal.created_at, GroupProposal.id)
        )
    )


def propose(db: Session, *, user: User, run_id: int, text: str, max_chars: int) -> GroupProposal:
    """A member's reply for this round (proposing again replaces it), while proposals are open."""
    run = _members_run(db, user, run_id)
    _require_open(run)
    if run.phase == "voting":
        raise Conflict("voting has started on this turn's replies; vote for one instead", code="voting_open")
    cleaned = sessions.normalise_message(text, max_chars=max_chars)
    proposal = db.scalar(
        select(GroupProposal).where(
            GroupProposal.run_id == run.id, GroupProposal.round == run.round, GroupProposal.author_id == user.id
        )
    )
    if proposal is None:
        proposal = GroupProposal(run_id=run.id, round=run.round, author_id=user.id, text=cleaned)
        db.add(proposal)
    else:
        proposal.text = cleaned
    _changed(run)
    try:
        db.commit()
    except IntegrityError:  # the same member proposing twice at once
        db.rollback()
        raise Conflict(
            "your proposal changed at the same moment; reload and try again", code="proposal_conflict"
        ) from None
    return proposal


def _proposal_in_round(db: Session, run: GroupRun, proposal_id: int) -> GroupProposal:
    proposal = db.get(GroupProposal, proposal_id)
    if proposal is None or proposal.run_id != run.id or proposal.round != run.round:
        raise NotFound(f"no proposal {proposal_id} in this turn of the group practice", code="proposal_not_found")
    return proposal


def open_vote(db: Session, *, user: User, run_id: int, seconds: int) -> GroupRun:
    run = _led_run(db, user, run_id)
    _require_open(run)
    if run.phase == "voting":
        raise Conflict("a vote is already open on this turn", code="voting_open")
    if not _round_proposals(db, run):
        raise Conflict("there is nothing to vote on yet: wait for members to propose replies", code="no_proposals")
    run.phase = "voting"
    run.vote_deadline = utcnow() + timedelta(seconds=seconds)
    _changed(run)
    db.commit()
    return run


def _vote_open(run: GroupRun, now: datetime) -> bool:
    return run.status == "open" and run.phase == "voting" and run.vote_deadline is not None and now < run.vote_deadline


def vote(db: Session, *, user: User, run_id: int, proposal_id: int) -> GroupVote:
    """A member's vote (voting again moves it), until the deadline."""
    run = _members_run(db, user, run_id)
    _require_open(run)
    if run.phase != "voting":
        raise Conflict("no vote is open on this turn", code="no_vote_open")
    if not _vote_open(run, utcnow()):
        raise Conflict("the time for voting is over", code="vote_closed")
    proposal = _proposal_in_round(db, run, proposal_id)
    cast = db.get(GroupVote, (run.id, run.round, user.id))
    if cast is None:
        cast = GroupVote(run_id=run.id, round=run.round, voter_id=user.id, proposal_id=proposal.id)
        db.add(cast)
    else:
        cast.proposal_id = proposal.id
    _changed(run)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise Conflict("your vote changed at the same moment; reload and try again", code="vote_conflict") from None
    return cast


def tallies(db: Session, run: GroupRun, round_: int | None = None) -> dict[int, int]:
    rows = db.execute(
        select(GroupVote.proposal_id, func.count())
        .where(GroupVote.run_id == run.id, GroupVote.round == (round_ or run.round))
        .group_by(GroupVote.proposal_id)
    ).all()
    return {int(pid): int(n) for pid, n in rows}


def leaders(db: Session, run: GroupRun) -> list[int]:
    """The proposals with the most votes this round (all of them if nobody voted)."""
    counts = tallies(db, run)
    proposals = _round_proposals(db, run)
    top = max((counts.get(p.id, 0) for p in proposals), default=0)
    return [p.id for p in proposals if counts.get(p.id, 0) == top]


# --- sending a reply -------------------------------------------------------------------


def _load_pick(
    db: Session, *, user: User, run_id: int, proposal_id: int | None, by_vote: bool
) -> tuple[GroupRun, int, str]:
    """The run and the words to send: the proposal picked, or the vote's winner (the facilitator
    breaks a tie by naming one of the leaders). Ends the reading transaction."""
    run = _led_run(db, user, run_id)
    _require_open(run)
    if by_vote:
        if run.phase != "voting":
            raise Conflict("no vote is open on this turn", code="no_vote_open")
        top = leaders(db, run)
        labels = {p.id: _label(i) for i, p in enumerate(_round_proposals(db, run))}
        if proposal_id is None:
            if len(top) != 1:
                raise Conflict(
                    "the vote is tied between " + ", ".join(labels[p] for p in top) + ": choose one of them",
                    code="vote_tied",
                )
            proposal_id = top[0]
        elif proposal_id not in top:
            raise Conflict(
                "only a reply with the most votes can win: " + ", ".join(labels[p] for p in top), code="not_a_leader"
            )
    if proposal_id is None:
        raise NotFound("no proposal named", code="proposal_not_found")
    proposal = _proposal_in_round(db, run, proposal_id)
    picked = (run, proposal.id, proposal.text)
    db.commit()
    return picked


async def send(
    db: Session,
    *,
    engine: DialogueEngine,
    user: User,
    run_id: int,
    proposal_id: int | None,
    max_chars: int,
    by_vote: bool = False,
) -> tuple[GroupRun, Turn]:
    """Send the picked proposal (or the vote's winner) to the patient as the session's next turn,
    through ``sessions.send_turn`` exactly as a learner's reply goes. The caller holds the
    session's turn lock. A reply the engine could not answer stays pending, as any turn does;
    picking it again retries it (never stored twice)."""
    run, chosen_id, text = await run_in_threadpool(
        _load_pick, db, user=user, run_id=run_id, proposal_id=proposal_id, by_vote=by_vote
    )
    pending = await run_in_threadpool(sessions._pending_turn, db, run.session_id)
    if pending is not None and pending.learner_text == sessions.normalise_message(text, max_chars=max_chars):
        turn = await sessions.retry_turn(
            db=db, engine=engine, session_id=run.session_id, owner_id=run.facilitator_id, group=True
        )
    else:
        turn = await sessions.send_turn(
            db=db,
            engine=engine,
            session_id=run.session_id,
            owner_id=run.facilitator_id,
            text=text,
            max_chars=max_chars,
            group=True,
        )
    await run_in_threadpool(_sent, db, run, chosen_id, turn)
    log.info("group run %s: turn %d sent", run.id, turn.index)
    return run, turn


def _sent(db: Session, run: GroupRun, chosen_id: int, turn: Turn) -> None:
    for proposal in _round_proposals(db, run):
        proposal.turn_index = turn.index
        proposal.chosen = proposal.id == chosen_id
    run.round += 1
    run.phase = "proposing"
    run.vote_deadline = None
    run.retry_of = None
    session = db.get_one(PracticeSession, run.session_id)
    if session.status == "ended":  # the patient ended the conversation (thanked, walked out)
        run.status = "ended"
        run.ended_at = utcnow()
    _changed(run)
    db.commit()


def previous_line(session: PracticeSession, turn_index: int) -> dict[str, Any] | None:
    """The patient's last line before turn ``turn_index`` (the opening's for the first)."""
    lines: list[dict[str, Any]] = [dict(m) for m in session.opening or [] if isinstance(m, dict)]
    for turn in session.turns:
        if turn.index < turn_index and turn.status == "answered":
            lines.extend(dict(m) for m in turn.patient_lines or [] if isinstance(m, dict))
    said = [m for m in lines if m.get("type", "patient_line") == "patient_line" and isinstance(m.get("text"), str)]
    return said[-1] if said else None


def _unscored(db: Session, run_id: int, turn_index: int) -> list[tuple[int, str, dict[str, Any] | None]]:
    run = db.get_one(GroupRun, run_id)
    session = db.get_one(PracticeSession, run.session_id)
    before = previous_line(session, turn_index)
    rows = db.scalars(
        select(GroupProposal).where(
            GroupProposal.run_id == run_id,
            GroupProposal.turn_index == turn_index,
            GroupProposal.chosen.is_(False),
        )
    )
    # Filtered here, not in SQL: an empty JSON column may hold SQL NULL or JSON null by backend.
    out = [(p.id, p.text, before) for p in rows if p.score_card is None]
    db.commit()
    return out


def _store_cards(db: Session, run_id: int, cards: dict[int, dict[str, Any]]) -> None:
    for proposal_id, card in cards.items():
        proposal = db.get(GroupProposal, proposal_id)
        if proposal is not None:
            proposal.score_card = card
    run = db.get(GroupRun, run_id)
    if run is not None:
        _changed(run)
    db.commit()


async def score_quietly(scorer: ReplyScorer) -> None:
    """Score a throwaway reply, so the scorer is loaded before a turn needs it (failures logged)."""
    try:
        await run_in_threadpool(scorer, "Hello.", None)
    except Exception as exc:  # the scorer is not the turn: it is tried again on the first alternative
        log.warning("the scorer of replies not sent did not load (%s)", type(exc).__name__)


async def score_alternatives(db: Session, *, scorer: ReplyScorer, run_id: int, turn_index: int) -> int:
    """Score the replies the group did not send on ``turn_index``, against the same patient line
    the sent one answered; a scorer failure leaves them unscored (logged), never the turn."""
    todo = await run_in_threadpool(_unscored, db, run_id, turn_index)
    if not todo:
        return 0
    cards: dict[int, dict[str, Any]] = {}
    for proposal_id, text, before in todo:
        try:
            cards[proposal_id] = await run_in_threadpool(scorer, text, before)
        except Exception as exc:  # the scorer is not the turn: keep going without a card
            log.warning("group run %s: alternative %s not scored (%s)", run_id, proposal_id, type(exc).__name__)
    await run_in_threadpool(_store_cards, db, run_id, cards)
    return len(cards)


# --- the facilitator's controls --------------------------------------------------------


def pause(db: Session, *, user: User, run_id: int, paused: bool) -> GroupRun:
    run = _led_run(db, user, run_id)
    if run.status == "ended":
        raise Conflict("this group practice has ended", code="group_run_ended")
    run.status = "paused" if paused else "open"
    _changed(run)
    db.commit()
    return run


def try_again(db: Session, *, user: User, run_id: int) -> GroupRun:
    """Open a new round for the group to try the last turn again. The engine has no undo, so the
    turn sent stays in the conversation (and the patient's reaction to it): the new attempt
    answers the patient from where the conversation now is, and the turn is marked tried again."""
    run = _led_run(db, user, run_id)
    _require_open(run)
    last = db.scalar(select(func.max(Turn.index)).where(Turn.session_id == run.session_id, Turn.status == "answered"))
    if last is None:
        raise Conflict("nothing has been sent yet; there is no turn to try again", code="nothing_to_retry")
    run.retry_of = int(last)
    run.retried = sorted({*(run.retried or []), int(last)})
    run.round += 1
    run.phase = "proposing"
    run.vote_deadline = None
    _changed(run)
    db.commit()
    return run


def _load_to_end(db: Session, *, user: User, run_id: int) -> tuple[GroupRun, bool]:
    run = _led_run(db, user, run_id)
    session = db.get_one(PracticeSession, run.session_id)
    active = run.status != "ended" and session.status == "active"
    db.commit()
    return run, active


async def end(db: Session, *, engine: DialogueEngine, user: User, run_id: int) -> GroupRun:
    """End the conversation (as the facilitator would end their own) and the run; the code stops
    working. The caller holds the session's turn lock."""
    run, active = await run_in_threadpool(_load_to_end, db, user=user, run_id=run_id)
    if active:
        await sessions.end_session(
            db=db,
            engine=engine,
            session_id=run.session_id,
            owner_id=run.facilitator_id,
            reason="finished",
            group=True,
        )
    await run_in_threadpool(_ended, db, run.id)
    return run


def _ended(db: Session, run_id: int) -> None:
    run = db.get_one(GroupRun, run_id)
    if run.status != "ended":
        run.status = "ended"
        run.ended_at = utcnow()
        run.phase = "proposing"
        run.vote_deadline = None
        _changed(run)
        db.commit()


# --- what a viewer sees ----------------------------------------------------------------


def _brief(db: Session, session: PracticeSession, scenarios: Mapping[str, Any]) -> dict[str, Any]:
    if session.scenario_version is not None:
        return authoring.version_brief(db, session.scenario_id, session.scenario_version) or {}
    scenario = scenarios.get(session.scenario_id)
    return scenario.brief() if scenario is not None else {}


def view(
    db: Session,
    *,
    run: GroupRun,
    viewer: GroupViewer,
    user_id: int,
    scenarios: Mapping[str, Any],
    anonymous: bool = False,
) -> GroupRunOut:
    """The run as ``viewer`` may see it. Names (who proposed, who joined) only for staff, and
    not on the shared screen (``anonymous``), which the facilitator shows to the group."""
    session = db.get_one(PracticeSession, run.session_id)
    db.refresh(session, ["turns"])
    cohort = db.get_one(Cohort, run.cohort_id)
    brief = _brief(db, session, scenarios)
    named = viewer in ("lead", "staff") and not anonymous
    now = utcnow()
    proposals = list(
        db.scalars(
            select(GroupProposal)
            .where(GroupProposal.run_id == run.id)
            .order_by(GroupProposal.created_at, GroupProposal.id)
        )
    )
    authors = {u.id: u for u in db.scalars(select(User).where(User.id.in_({p.author_id for p in proposals})))}
    by_round: dict[int, list[GroupProposal]] = {}
    for p in proposals:
        by_round.setdefault(p.round, []).append(p)
    votes_by_round: dict[int, dict[int, int]] = {}
    for round_, pid, n in db.execute(
        select(GroupVote.round, GroupVote.proposal_id, func.count())
        .where(GroupVote.run_id == run.id)
        .group_by(GroupVote.round, GroupVote.proposal_id)
    ).all():
        votes_by_round.setdefault(int(round_), {})[int(pid)] = int(n)
    voting_now = _vote_open(run, now)

    def out(p: GroupProposal, label: str, *, show_votes: bool) -> GroupProposalOut:
        counts = votes_by_round.get(p.round, {})
        return GroupProposalOut(
            id=p.id,
            label=label,
            text=p.text,
            mine=p.author_id == user_id,
            proposer=_name(authors.get(p.author_id)) if named else None,
            votes=counts.get(p.id, 0) if show_votes and counts else None,
            chosen=p.chosen,
            score_card=p.score_card,
        )

    sent_rounds = {p.turn_index: p.round for p in proposals if p.turn_index is not None}
    retried = set(run.retried or [])
    turns: list[GroupTurnOut] = []
    for turn in session.turns:
        sent_in = sent_rounds.get(turn.index)
        items = by_round.get(sent_in, []) if sent_in is not None else []
        labelled = [(p, _label(i)) for i, p in enumerate(items)]
        chosen = next(((p, lab) for p, lab in labelled if p.chosen), None)
        counts = votes_by_round.get(sent_in or 0, {})
        turns.append(
            GroupTurnOut(
                index=turn.index,
                text=turn.learner_text,
                status=turn.status,
                label=chosen[1] if chosen else None,
                proposer=_name(authors.get(chosen[0].author_id)) if chosen and named else None,
                votes=counts.get(chosen[0].id, 0) if chosen and counts else None,
                score_card=turn.score_card,
                patient_lines=list(turn.patient_lines or []),
                alternatives=[out(p, lab, show_votes=True) for p, lab in labelled if not p.chosen],
                tried_again=turn.index in retried,
            )
        )
    by_index = {t.index: t for t in turns}
    for round_, items in by_round.items():
        if any(p.turn_index is not None for p in items) or (round_ == run.round and run.status != "ended"):
            continue  # sent, or still open
        before = [p.turn_index for p in proposals if p.round < round_ and p.chosen and p.turn_index is not None]
        if before and max(before) in by_index:
            by_index[max(before)].set_aside += [out(p, _label(i), show_votes=True) for i, p in enumerate(items)]
    current = by_round.get(run.round, []) if run.status != "ended" else []
    show_current_votes = named or (run.phase == "voting" and not voting_now)
    mine = next((p for p in current if p.author_id == user_id), None)
    my_vote = db.get(GroupVote, (run.id, run.round, user_id))
    participants = list(
        db.scalars(
            select(User)
            .join(GroupParticipant, GroupParticipant.user_id == User.id)
            .where(GroupParticipant.run_id == run.id)
            .order_by(GroupParticipant.joined_at)
        )
    )
    pending = next((t for t in session.turns if t.status == "pending"), None)
    result = GroupRunOut(
        id=run.id,
        session_id=session.id,
        cohort_id=cohort.id,
        cohort_name=cohort.name,
        scenario_id=session.scenario_id,
        scenario_title=str(brief.get("title") or session.scenario_id),
        patient=str((brief.get("persona") or {}).get("name") or "The patient"),
        situation=brief.get("situation"),
        code=run.code if run.status != "ended" else None,
        status=run.status,
        phase=run.phase,
        round=run.round,
        vote_deadline=run.vote_deadline,
        vote_open=voting_now,
        retry_of=run.retry_of,
        viewer=viewer,
        version=run.version,
        participants=len(participants),
        participant_names=[_name(u) for u in participants] if named else None,
        session_status=session.status,
        outcome=session.outcome,
        opening=list(session.opening or []),
        turns=turns,
        proposals=[out(p, _label(i), show_votes=show_current_votes) for i, p in enumerate(current)],
        leaders=leaders(db, run) if run.phase == "voting" and (named or not voting_now) else [],
        my_proposal=mine.text if mine else None,
        my_vote=my_vote.proposal_id if my_vote else None,
        pending_text=pending.learner_text if pending else None,
        created_at=run.created_at,
        ended_at=run.ended_at,
    )
    db.commit()
    return result
