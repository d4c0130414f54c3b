"""What the course measures: learners' confidence before their first practice in a cohort and
after the course (the scale in data/confidence.yml), and one optional line of satisfaction
after each practice session.

Who sees what (the rule of api/services/access.py, and one more):
- a learner answers, reads and changes only their own answers and ratings;
- a cohort's facilitators and reviewers (and admins) see the cohort's aggregates only, never a
  learner's answers, ratings or comments, and an aggregate of fewer than ``MIN_N`` learners (or
  ratings) is hidden, so no one's answer can be read off a small group;
- the after-course questionnaire is opened by one of the cohort's facilitators; before-course
  answers are taken until then.

The maths (``confidence_change``, ``satisfaction_summary``) is plain functions over plain data,
so tests check it against hand-computed numbers.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Mapping, Sequence
from statistics import fmean

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from actions.confidence import ConfidenceScale, load_scale
from actions.vocabulary import COHORT_STAFF_ROLES, SurveyPhase
from api.db import utcnow
from api.exceptions import AnswerProblems, Conflict, InvalidRequest
from api.models import Cohort, CohortMember, ConfidenceResponse, PracticeSession, SessionRating, User
from api.schemas import (
    CohortMeasures,
    ConfidenceOut,
    ConfidenceSummary,
    ItemChange,
    QuestionnaireState,
    RatingOut,
    SatisfactionSummary,
    ScaleItem,
    ScaleOut,
)
from api.services import access

log = logging.getLogger(__name__)

#: The fewest learners (or ratings) an aggregate may stand on; fewer are hidden.
MIN_N = 3


def scale() -> ConfidenceScale:
    return load_scale()


def scale_out(s: ConfidenceScale | None = None) -> ScaleOut:
    s = s or scale()
    return ScaleOut(
        title=s.title,
        intro=s.intro,
        stem=s.stem,
        min=s.low,
        max=s.high,
        anchors=s.anchors,
        items=[ScaleItem(id=i.id, text=i.text) for i in s.items],
        satisfaction_question=s.satisfaction_question,
        satisfaction_anchors=s.satisfaction_anchors,
        comment_max_chars=s.comment_max_chars,
    )


# --- the maths ---------------------------------------------------------------------------


def _round(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)


def learner_score(answers: Mapping[str, int], items: Sequence[str]) -> float:
    """One learner's confidence: the mean of their answers to the scale's items."""
    return fmean(answers[i] for i in items)


def confidence_change(
    pre: Mapping[int, Mapping[str, int]],
    post: Mapping[int, Mapping[str, int]],
    items: Sequence[tuple[str, str]],
    *,
    min_n: int = MIN_N,
) -> ConfidenceSummary:
    """A cohort's confidence from each learner's answers (learner id -> item id -> point).

    A learner's score is the mean of their items; the cohort's mean is the mean of its learners'
    scores. ``mean_pre``/``mean_post`` take everyone who answered that phase; the change takes
    only learners who answered both (paired), so it compares the same people:
    ``difference = paired_mean_post - paired_mean_pre`` and
    ``percent_change = difference / paired_mean_pre * 100``. Means are rounded to 2 places and
    the percentage to 1, each from unrounded numbers. Any figure with fewer than ``min_n``
    learners behind it is None."""
    ids = [i for i, _ in items]
    pre = {u: a for u, a in pre.items() if all(i in a for i in ids)}
    post = {u: a for u, a in post.items() if all(i in a for i in ids)}
    paired = sorted(set(pre) & set(post))
    mean_pre = fmean(learner_score(a, ids) for a in pre.values()) if len(pre) >= min_n else None
    mean_post = fmean(learner_score(a, ids) for a in post.values()) if len(post) >= min_n else None
    p_pre = p_post = difference = percent = None
    per_item: list[ItemChange] = []
    if len(paired) >= min_n:
        p_pre = fmean(learner_score(pre[u], ids) for u in paired)
        p_post = fmean(learner_score(post[u], ids) for u in paired)
        difference = p_post - p_pre
        percent = difference / p_pre * 100
        for item_id, text in items:
            before = fmean(pre[u][item_id] for u in paired)
            after = fmean(post[u][item_id] for u in paired)
            per_item.append(
                ItemChange(
                    id=item_id,
                    text=text,
                    mean_pre=round(before, 2),
                    mean_post=round(after, 2),
                    difference=round(after - before, 2),
                )
            )
    return ConfidenceSummary(
        n_pre=len(pre),
        n_post=len(post),
        n_paired=len(paired),
        mean_pre=_round(mean_pre),
        mean_post=_round(mean_post),
        paired_mean_pre=_round(p_pre),
        paired_mean_post=_round(p_post),
        difference=_round(difference),
        percent_change=_round(percent, 1),
        items=per_item,
    )


def satisfaction_summary(ratings: Sequence[int], *, min_n: int = MIN_N) -> SatisfactionSummary:
    """The mean rating (2 places) and the share of ratings of 4 or 5 (percent, 1 place), as the
    pilot's "95% satisfaction" counted; None with fewer than ``min_n`` ratings."""
    if len(ratings) < min_n:
        return SatisfactionSummary(n=len(ratings), mean=None, percent_satisfied=None)
    satisfied = sum(1 for r in ratings if r >= 4)
    return SatisfactionSummary(
        n=len(ratings), mean=round(fmean(ratings), 2), percent_satisfied=round(satisfied / len(ratings) * 100, 1)
    )


# --- the learner's side --------------------------------------------------------------------


def _learner_cohorts(db: Session, user: User) -> list[tuple[Cohort, CohortMember]]:
    return [
        (c, m)
        for c, m in db.execute(
            select(Cohort, CohortMember)
            .join(CohortMember, CohortMember.cohort_id == Cohort.id)
            .where(CohortMember.user_id == user.id, CohortMember.role == "learner")
            .order_by(Cohort.name)
        ).all()
    ]


def _learner_cohort(db: Session, user: User, cohort_id: int) -> Cohort:
    """A cohort ``user`` is a learner in (any other answers as missing)."""
    cohort = db.get(Cohort, cohort_id)
    if cohort is None or access.member_role(db, user.id, cohort_id) != "learner":
        raise access.cohort_not_found(cohort_id)
    return cohort


def _practised_since(db: Session, user_id: int, member: CohortMember) -> bool:
    return bool(
        db.scalar(
            select(exists().where(PracticeSession.owner_id == user_id, PracticeSession.created_at >= member.added_at))
        )
    )


def _responses(db: Session, user: User) -> list[tuple[ConfidenceResponse, str]]:
    return [
        (r, name)
        for r, name in db.execute(
            select(ConfidenceResponse, Cohort.name)
            .join(Cohort, Cohort.id == ConfidenceResponse.cohort_id)
            .where(ConfidenceResponse.user_id == user.id)
            .order_by(ConfidenceResponse.answered_at, ConfidenceResponse.id)
        ).all()
    ]


def _response_out(r: ConfidenceResponse, cohort_name: str) -> ConfidenceOut:
    values = list(r.answers.values())
    return ConfidenceOut(
        cohort_id=r.cohort_id,
        cohort_name=cohort_name,
        phase=r.phase,
        answers=dict(r.answers),
        mean=round(fmean(values), 2) if values else 0.0,
        answered_at=r.answered_at,
    )


def my_responses(db: Session, user: User) -> list[ConfidenceOut]:
    return [_response_out(r, name) for r, name in _responses(db, user)]


def my_states(db: Session, user: User) -> list[QuestionnaireState]:
    """Per cohort the learner is in: what they answered, and what is offered to them now. The
    before-course questionnaire is offered until they answer it or first practise after joining
    the cohort (skipping it is simply practising); it never stands in the way of practice."""
    answered = {(r.cohort_id, r.phase) for r, _ in _responses(db, user)}
    states = []
    for cohort, member in _learner_cohorts(db, user):
        post_open = cohort.post_survey_opened_at is not None
        pre_answered = (cohort.id, "pre") in answered
        states.append(
            QuestionnaireState(
                cohort_id=cohort.id,
                cohort_name=cohort.name,
                pre_answered=pre_answered,
                pre_offered=not post_open and not pre_answered and not _practised_since(db, user.id, member),
                pre_accepted=not post_open,
                post_open=post_open,
                post_answered=(cohort.id, "post") in answered,
            )
        )
    return states


def accepts(cohort: Cohort, phase: SurveyPhase) -> bool:
    """Before-course answers until the after-course questionnaire opens; after-course ones once it has."""
    post_open = cohort.post_survey_opened_at is not None
    return post_open if phase == "post" else not post_open


def questionnaire_cohort(db: Session, user: User, cohort_id: int, phase: SurveyPhase) -> Cohort:
    """The cohort whose ``phase`` questionnaire ``user`` may answer now (404 if not their cohort,
    409 if that questionnaire is not taking answers)."""
    cohort = _learner_cohort(db, user, cohort_id)
    if not accepts(cohort, phase):
        if phase == "post":
            raise Conflict(
                "The after-course questionnaire is not open yet: your facilitator opens it after the course.",
                code="questionnaire_not_open",
            )
        raise Conflict(
            "The before-course questionnaire has closed: the after-course one is open now.",
            code="questionnaire_closed",
        )
    return cohort


def my_answers(db: Session, user: User, cohort_id: int, phase: SurveyPhase) -> dict[str, int]:
    row = db.scalar(
        select(ConfidenceResponse).where(
            ConfidenceResponse.user_id == user.id,
            ConfidenceResponse.cohort_id == cohort_id,
            ConfidenceResponse.phase == phase,
        )
    )
    return dict(row.answers) if row is not None else {}


def save_answers(
    db: Session, user: User, *, cohort_id: int, phase: SurveyPhase, answers: Mapping[str, object]
) -> ConfidenceOut:
    """Keep the learner's answers (every item, on the scale), replacing earlier ones for the same
    cohort and phase."""
    cohort = questionnaire_cohort(db, user, cohort_id, phase)
    clean, problems = scale().check_answers(answers)
    if problems:
        raise AnswerProblems(problems)
    row = db.scalar(
        select(ConfidenceResponse).where(
            ConfidenceResponse.user_id == user.id,
            ConfidenceResponse.cohort_id == cohort.id,
            ConfidenceResponse.phase == phase,
        )
    )
    if row is None:
        row = ConfidenceResponse(user_id=user.id, cohort_id=cohort.id, phase=phase, answers=clean)
        db.add(row)
    else:
        row.answers = clean
        row.answered_at = utcnow()
    db.commit()
    log.info("user %d answered the %s questionnaire of cohort %d", user.id, phase, cohort.id)
    return _response_out(row, cohort.name)


# --- satisfaction ------------------------------------------------------------------------------


def own_session(db: Session, user: User, session_id: str) -> PracticeSession:
    session = access.readable_session(db, user, session_id)
    if session.owner_id != user.id:
        raise access.session_not_found(session_id)
    return session


def my_rating(db: Session, user: User, session_id: str) -> RatingOut | None:
    own_session(db, user, session_id)
    row = db.get(SessionRating, session_id)
    return RatingOut.model_validate(row, from_attributes=True) if row is not None else None


def rate_session(db: Session, user: User, session_id: str, *, rating: int, comment: str | None) -> RatingOut:
    """The learner's satisfaction with a session they finished (a rating 1-5 and an optional
    short comment); rating again replaces it."""
    session = own_session(db, user, session_id)
    if session.status != "ended":
        raise Conflict("Finish the conversation first, then say how it went.", code="session_not_ended")
    limit = scale().satisfaction_anchors
    if isinstance(rating, bool) or rating not in limit:
        raise InvalidRequest("rating: choose a whole number from 1 to 5", code="invalid_rating")
    text = " ".join((comment or "").split()) or None
    max_chars = scale().comment_max_chars
    if text is not None and len(text) > max_chars:
        raise InvalidRequest(
            f"comment: at most {max_chars} characters (this one has {len(text)})", code="comment_too_long"
        )
    row = db.get(SessionRating, session.id)
    if row is None:
        row = SessionRating(session_id=session.id, rating=rating, comment=text)
        db.add(row)
    else:
        row.rating, row.comment, row.rated_at = rating, text, utcnow()
    db.commit()
    log.info("session %s rated", session.id)
    return RatingOut.model_validate(row, from_attributes=True)


def my_ratings(db: Session, user: User) -> list[RatingOut]:
    rows = db.scalars(
        select(SessionRating)
        .join(PracticeSession, PracticeSession.id == SessionRating.session_id)
        .where(PracticeSession.owner_id == user.id)
        .order_by(SessionRating.rated_at)
    )
    return [RatingOut.model_validate(r, from_attributes=True) for r in rows]


# --- the cohort's aggregates -----------------------------------------------------------------


def measured_cohort(db: Session, user: User, cohort_id: int) -> Cohort:
    """A cohort whose aggregates ``user`` may see: its facilitators and reviewers, and admins."""
    return access.visible_cohort(db, user, cohort_id, roles=None if user.role == "admin" else COHORT_STAFF_ROLES)


def _learner_members(db: Session, cohort_id: int) -> list[CohortMember]:
    return list(
        db.scalars(select(CohortMember).where(CohortMember.cohort_id == cohort_id, CohortMember.role == "learner"))
    )


def cohort_measures(db: Session, cohort: Cohort) -> CohortMeasures:
    """The cohort's confidence change and satisfaction, from its current learners' answers and
    their ratings of sessions started since they joined it."""
    s = scale()
    learners = _learner_members(db, cohort.id)
    ids = [m.user_id for m in learners]
    by_phase: dict[str, dict[int, dict[str, int]]] = {"pre": {}, "post": {}}
    for r in db.scalars(
        select(ConfidenceResponse).where(ConfidenceResponse.cohort_id == cohort.id, ConfidenceResponse.user_id.in_(ids))
    ):
        by_phase[r.phase][r.user_id] = dict(r.answers)
    ratings: list[int] = []
    for m in learners:
        ratings.extend(
            db.scalars(
                select(SessionRating.rating)
                .join(PracticeSession, PracticeSession.id == SessionRating.session_id)
                .where(PracticeSession.owner_id == m.user_id, PracticeSession.created_at >= m.added_at)
            )
        )
    return CohortMeasures(
        cohort_id=cohort.id,
        min_n=MIN_N,
        scale_min=s.low,
        scale_max=s.high,
        post_open=cohort.post_survey_opened_at is not None,
        post_opened_at=cohort.post_survey_opened_at,
        confidence=confidence_change(by_phase["pre"], by_phase["post"], [(i.id, i.text) for i in s.items]),
        satisfaction=satisfaction_summary(ratings),
    )


def set_post_open(db: Session, user: User, cohort_id: int, *, is_open: bool) -> Cohort:
    """Open (or close again) the cohort's after-course questionnaire: its facilitators only."""
    cohort = access.visible_cohort(db, user, cohort_id, roles=("facilitator",))
    if is_open and cohort.post_survey_opened_at is None:
        cohort.post_survey_opened_at = utcnow()
    elif not is_open:
        cohort.post_survey_opened_at = None
    db.commit()
    log.info("cohort %d: after-course questionnaire %s", cohort.id, "open" if is_open else "closed")
    return cohort


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def measures_csv(m: CohortMeasures) -> str:
    """The aggregates as CSV, one figure a row (``measure, n, value, note``): never a learner's
    answer; a hidden figure has an empty value and says why."""
    hidden = f"hidden: fewer than {m.min_n}"
    c, sat = m.confidence, m.satisfaction
    rows: list[tuple[str, int, float | None]] = [
        (f"confidence before: mean ({m.scale_min}-{m.scale_max})", c.n_pre, c.mean_pre),
        (f"confidence after: mean ({m.scale_min}-{m.scale_max})", c.n_post, c.mean_post),
        ("confidence of learners who answered both: mean before", c.n_paired, c.paired_mean_pre),
        ("confidence of learners who answered both: mean after", c.n_paired, c.paired_mean_post),
        ("confidence of learners who answered both: difference", c.n_paired, c.difference),
        ("confidence of learners who answered both: % change", c.n_paired, c.percent_change),
    ]
    for item in c.items:
        rows.append((f"item {item.id}: mean before", c.n_paired, item.mean_pre))
        rows.append((f"item {item.id}: mean after", c.n_paired, item.mean_post))
    rows += [
        ("satisfaction: mean rating (1-5)", sat.n, sat.mean),
        ("satisfaction: % rating 4 or 5", sat.n, sat.percent_satisfied),
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["measure", "n", "value", "note"])
    for label, n, value in rows:
        writer.writerow([label, n, _cell(value), hidden if value is None else ""])
    return out.getvalue()
