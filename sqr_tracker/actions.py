"""The write path: one function per action a person can take.

Every function here checks the acting user's permission, validates the input with
pydantic, writes in one transaction and appends who/when/what/before/after to the
change history, so the same rules hold for the UI, the importer and the command
line. An edit based on an old version of a row is refused with a StaleEdit that
names who changed it and when.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sqr_tracker import reviews
from sqr_tracker.auth import Action, authorize
from sqr_tracker.config import setting_problem
from sqr_tracker.errors import InvalidInput, NotFound
from sqr_tracker.models import (
    ActionStepChange,
    ActionStepIn,
    CheckInIn,
    CommentIn,
    DeadlineIn,
    EventIn,
    EvidenceIn,
    FindingIn,
    GoalChange,
    GoalIn,
    InterimRatingIn,
    MilestoneChange,
    MilestoneIn,
    Phase,
    PlanStatus,
    RaterKind,
    RatingIn,
    ReviewChange,
    ReviewIn,
    Role,
    SettingIn,
    SupportAnswerIn,
    SupportRequestIn,
    SupportStatus,
    User,
    UserIn,
)
from sqr_tracker.store import Store, Tx

_LOGGER = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


def now() -> datetime:
    """The time stamped on writes (whole seconds, local time)."""
    return datetime.now().replace(microsecond=0)


def validate(model: type[M], data: Mapping[str, Any] | M, what: str) -> M:
    """Parse ``data`` into ``model`` or raise InvalidInput naming each bad field."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(dict(data))
    except ValidationError as error:
        problems = {}
        for issue in error.errors():
            field = ".".join(str(part) for part in issue["loc"]) or "form"
            problems[field] = issue["msg"].removeprefix("Value error, ")
        raise InvalidInput(what, problems) from None


# -- shared steps ------------------------------------------------------------------


def _create(
    store: Store,
    user: User | None,
    table: str,
    values: dict[str, Any],
    *,
    school_id: int | None,
    action: str,
) -> int:
    """Insert a row and its history entry in one transaction; return its id."""

    def work(tx: Tx) -> int:
        stamp = now()
        row_id = tx.insert(table, values)
        after = tx.get(table, row_id)
        tx.record(
            user=user,
            action=action,
            entity=table,
            entity_id=row_id,
            school_id=school_id,
            before=None,
            after=after,
            now=stamp,
        )
        return row_id

    row_id = store.write(work)
    _LOGGER.debug("%s %s %s by %s", action, table, row_id, user and user.email)
    return row_id


def _update(
    store: Store,
    user: User,
    table: str,
    row_id: int,
    changes: dict[str, Any],
    *,
    expected_version: int | None,
    school_id: int | None,
    action: str,
) -> int:
    """Apply a versioned edit and its history entry; return the new version."""

    def work(tx: Tx) -> int:
        stamp = now()
        before, after = tx.update(
            table,
            row_id,
            changes,
            expected_version=expected_version,
            user_id=user.id,
            now=stamp,
        )
        tx.record(
            user=user,
            action=action,
            entity=table,
            entity_id=row_id,
            school_id=school_id,
            before=before,
            after=after,
            now=stamp,
        )
        return after["version"]

    return store.write(work)


def _as_changed(
    store: Store, table: str, row_id: int, model: type[BaseModel], change, what: str
) -> None:
    """Check the row as it will be after the change by the rules of creation
    (a step due before it starts, a measure without a target)."""
    stored = store.row(table, row_id)
    merged = {name: stored[name] for name in model.model_fields if name in stored}
    validate(model, {**merged, **change.model_dump(exclude_unset=True)}, what)


def _changes(change: BaseModel) -> dict[str, Any]:
    """The fields a Change model actually sets."""
    return change.model_dump(exclude_unset=True)


def _editor(store: Store, user: User | None, action: Action, table: str, row_id: int):
    school_id = store.school_of(table, row_id)
    return authorize(store, user, action, school_id=school_id), school_id


def _stamped(user: User, **values: Any) -> dict[str, Any]:
    return {**values, "updated_by": user.id, "updated_on": now()}


# -- goals -------------------------------------------------------------------------


def create_goal(store: Store, user: User | None, data: Mapping[str, Any]) -> int:
    goal = validate(GoalIn, data, "The goal")
    user = authorize(store, user, Action.EDIT_PLAN, school_id=goal.school_id)
    _require_standard(store, goal.standard_id)
    _require_goal_links(store, goal.school_id, goal.review_id, goal.measure_id)
    values = _stamped(user, **goal.model_dump(), created_by=user.id, created_on=now())
    return _create(
        store, user, "goals", values, school_id=goal.school_id, action="create goal"
    )


def update_goal(
    store: Store,
    user: User | None,
    goal_id: int,
    data: Mapping[str, Any],
    *,
    version: int,
) -> int:
    change = validate(GoalChange, data, "The goal")
    user, school_id = _editor(store, user, Action.EDIT_PLAN, "goals", goal_id)
    _require_kept(store, "goals", goal_id, "The goal")
    _as_changed(store, "goals", goal_id, GoalIn, change, "The goal")
    if change.standard_id is not None:
        _require_standard(store, change.standard_id)
    _require_goal_links(store, school_id, change.review_id, change.measure_id)
    return _update(
        store,
        user,
        "goals",
        goal_id,
        _changes(change),
        expected_version=version,
        school_id=school_id,
        action="edit goal",
    )


def close_goal(store: Store, user: User | None, goal_id: int, *, version: int) -> int:
    return _set_status(store, user, "goals", goal_id, PlanStatus.CLOSED, version)


def reopen_goal(store: Store, user: User | None, goal_id: int, *, version: int) -> int:
    return _set_status(store, user, "goals", goal_id, PlanStatus.OPEN, version)


def _set_status(store, user, table, row_id, status, version) -> int:
    user, school_id = _editor(store, user, Action.EDIT_PLAN, table, row_id)
    _require_kept(store, table, row_id, "The goal")
    verb = "close" if status == PlanStatus.CLOSED else "reopen"
    return _update(
        store,
        user,
        table,
        row_id,
        {"status": status.value},
        expected_version=version,
        school_id=school_id,
        action=f"{verb} {table.rstrip('s')}",
    )


# -- milestones and action steps -----------------------------------------------------


def create_milestone(store: Store, user: User | None, data: Mapping[str, Any]) -> int:
    milestone = validate(MilestoneIn, data, "The milestone")
    school_id = store.school_of("goals", milestone.goal_id)
    user = authorize(store, user, Action.EDIT_PLAN, school_id=school_id)
    _require_kept(store, "goals", milestone.goal_id, "The milestone")
    return _create(
        store,
        user,
        "milestones",
        _stamped(user, **milestone.model_dump()),
        school_id=school_id,
        action="create milestone",
    )


def update_milestone(
    store: Store,
    user: User | None,
    milestone_id: int,
    data: Mapping[str, Any],
    *,
    version: int,
) -> int:
    change = _changes(validate(MilestoneChange, data, "The milestone"))
    if "met_on" in change:
        change["status"] = "met" if change["met_on"] else "open"
    user, school_id = _editor(store, user, Action.EDIT_PLAN, "milestones", milestone_id)
    _require_kept(store, "milestones", milestone_id, "The milestone")
    return _update(
        store,
        user,
        "milestones",
        milestone_id,
        change,
        expected_version=version,
        school_id=school_id,
        action="edit milestone",
    )


def create_action_step(store: Store, user: User | None, data: Mapping[str, Any]) -> int:
    step = validate(ActionStepIn, data, "The action step")
    school_id = store.school_of("goals", step.goal_id)
    user = authorize(store, user, Action.EDIT_PLAN, school_id=school_id)
    _require_kept(store, "goals", step.goal_id, "The action step")
    values = _stamped(user, **step.model_dump(mode="json"))
    return _create(
        store,
        user,
        "action_steps",
        values,
        school_id=school_id,
        action="create action step",
    )


def update_action_step(
    store: Store,
    user: User | None,
    step_id: int,
    data: Mapping[str, Any],
    *,
    version: int,
) -> int:
    change = validate(ActionStepChange, data, "The action step")
    user, school_id = _editor(store, user, Action.EDIT_PLAN, "action_steps", step_id)
    _require_kept(store, "action_steps", step_id, "The action step")
    _as_changed(store, "action_steps", step_id, ActionStepIn, change, "The action step")
    values = change.model_dump(mode="json", exclude_unset=True)
    return _update(
        store,
        user,
        "action_steps",
        step_id,
        values,
        expected_version=version,
        school_id=school_id,
        action="edit action step",
    )


def record_check_in(store: Store, user: User | None, data: Mapping[str, Any]) -> int:
    """A single update: status, note and the measure's latest value."""
    check_in = validate(CheckInIn, data, "The check-in")
    about = ("action_steps", check_in.action_step_id)
    if check_in.goal_id is not None:
        about = ("goals", check_in.goal_id)
    return record_check_ins(store, user, store.school_of(*about), [dict(data)])


def record_check_ins(
    store: Store,
    user: User | None,
    school_id: int,
    updates: list[Mapping[str, Any]],
) -> int:
    """Save a month's check-ins together: all of them, or none.

    Each update is a CheckInIn plus, for an action step whose status changes,
    the ``version`` of the step the team saw. Problems are reported per row
    (``row 2, status``) and nothing is saved while any row has one.
    """
    user = authorize(store, user, Action.EDIT_PLAN, school_id=school_id)
    checked = [
        _checked_update(store, school_id, n, u) for n, u in enumerate(updates, 1)
    ]
    problems = {k: v for _, _, errors in checked for k, v in errors.items()}
    if problems:
        raise InvalidInput("This month's check-in", problems)

    def work(tx: Tx) -> int:
        stamp = now()
        for check_in, version, _ in checked:
            values = {
                **check_in.model_dump(mode="json"),
                "school_id": school_id,
                "written_by": user.id,
                "written_on": stamp,
            }
            row_id = tx.insert("check_ins", values)
            tx.record(
                user=user,
                action="check in",
                entity="check_ins",
                entity_id=row_id,
                school_id=school_id,
                before=None,
                after=values,
                now=stamp,
            )
            if check_in.action_step_id is not None:
                _carry_status(tx, user, check_in, version, school_id, stamp)
        return len(checked)

    saved = store.write(work)
    _LOGGER.info("check-in of school %s: %s items by %s", school_id, saved, user.email)
    return saved


def _checked_update(store: Store, school_id: int, row: int, update: Mapping[str, Any]):
    """(check-in, step version, problems keyed 'row N, field') for one update."""
    fields = dict(update)
    version = fields.pop("version", None)
    try:
        check_in = validate(CheckInIn, fields, f"Row {row}")
    except InvalidInput as bad:
        return None, version, {f"row {row}, {k}": v for k, v in bad.problems.items()}
    table, row_id = (
        ("goals", check_in.goal_id)
        if check_in.goal_id is not None
        else ("action_steps", check_in.action_step_id)
    )
    what = "goal" if table == "goals" else "action step"
    try:
        owner = store.school_of(table, row_id)
    except NotFound:
        return None, version, {f"row {row}, id": f"there is no {what} {row_id}"}
    if owner != school_id:
        return (
            None,
            version,
            {f"row {row}, id": f"{what} {row_id} belongs to another school"},
        )
    deleted = _kept_problem(store, table, row_id, f"{what} {row_id}")
    if deleted:
        return None, version, {f"row {row}, id": deleted}
    problem = _check_in_problem(store, check_in, version)
    if problem:
        field, message = problem
        return None, version, {f"row {row}, {field}": message}
    return check_in, version, {}


def _check_in_problem(
    store: Store, check_in: CheckInIn, version: int | None
) -> tuple[str, str] | None:
    """What is wrong with a check-in given the plan as stored, if anything."""
    if check_in.goal_id is not None:
        if check_in.measure_value is not None and not store.goal_has_measure(
            check_in.goal_id
        ):
            return "measure_value", (
                f"goal {check_in.goal_id} has no measure; leave the value empty"
            )
        return None
    if check_in.measure_value is not None:
        return "measure_value", "an action step has no measure; give it on the goal"
    status = store.step_status(check_in.action_step_id)
    if status != check_in.status.value and version is None:
        return "version", (
            f"action step {check_in.action_step_id} would change from {status!r} "
            f"to {check_in.status.value!r}: give the version you saw"
        )
    return None


def _carry_status(tx: Tx, user: User, check_in: CheckInIn, version, school_id, stamp):
    """A check-in's status becomes its action step's status."""
    step = tx.get("action_steps", check_in.action_step_id)
    if step["status"] == check_in.status.value:
        return
    before, after = tx.update(
        "action_steps",
        step["id"],
        {"status": check_in.status.value},
        expected_version=version,
        user_id=user.id,
        now=stamp,
    )
    tx.record(
        user=user,
        action="edit action step",
        entity="action_steps",
        entity_id=step["id"],
        school_id=school_id,
        before=before,
        after=after,
        now=stamp,
    )


# -- deleting and restoring ----------------------------------------------------------

_PLAN_ITEMS = {"goals": "goal", "action_steps": "action step"}


def delete_goal(store: Store, user: User | None, goal_id: int, *, version: int) -> int:
    """Take a goal out of the plan, its milestones and action steps with it.

    The row stays, marked deleted, so that its history is whole and
    ``restore_goal`` brings it back exactly. ``version`` is the goal's version
    the user saw; returns the new one, which the restore needs."""
    return _mark_deleted(store, user, "goals", goal_id, version, deleting=True)


def delete_action_step(
    store: Store, user: User | None, step_id: int, *, version: int
) -> int:
    """Take an action step out of the plan (see ``delete_goal``)."""
    return _mark_deleted(store, user, "action_steps", step_id, version, deleting=True)


def restore_goal(store: Store, user: User | None, goal_id: int, *, version: int) -> int:
    """Undo a goal's deletion: it comes back with its milestones and action
    steps as they were. ``version`` is the deleted goal's version."""
    return _mark_deleted(store, user, "goals", goal_id, version, deleting=False)


def restore_action_step(
    store: Store, user: User | None, step_id: int, *, version: int
) -> int:
    """Undo an action step's deletion (its goal must be in the plan)."""
    return _mark_deleted(store, user, "action_steps", step_id, version, deleting=False)


def _mark_deleted(
    store: Store,
    user: User | None,
    table: str,
    row_id: int,
    version: int,
    *,
    deleting: bool,
) -> int:
    """Set or clear a plan row's deletion mark, with its history entry."""
    user, school_id = _editor(store, user, Action.EDIT_PLAN, table, row_id)
    what = _PLAN_ITEMS[table]
    verb = "delete" if deleting else "restore"

    def work(tx: Tx) -> int:
        stamp = now()
        row = tx.get(table, row_id)
        goal = tx.get("goals", row["goal_id"]) if table == "action_steps" else None
        problem = _deletion_problem(tx, what, row, goal, deleting)
        if problem:
            raise InvalidInput(f"The {what}", {"id": problem})
        mark = (stamp, user.id) if deleting else (None, None)
        before, after = tx.update(
            table,
            row_id,
            dict(zip(("deleted_on", "deleted_by"), mark, strict=True)),
            expected_version=version,
            user_id=user.id,
            now=stamp,
        )
        tx.record(
            user=user,
            action=f"{verb} {what}",
            entity=table,
            entity_id=row_id,
            school_id=school_id,
            before=before,
            after=after,
            now=stamp,
        )
        return after["version"]

    new_version = store.write(work)
    _LOGGER.info("%s %s %s by %s", verb, what, row_id, user.email)
    return new_version


def _deletion_problem(
    tx: Tx, what: str, row: dict, goal: dict | None, deleting: bool
) -> str | None:
    """Why a row cannot be deleted or restored as asked, if it cannot."""
    if goal is not None and goal["deleted_on"] is not None:
        return (
            f"its goal was deleted on {goal['deleted_on']:%-d %b %Y} by "
            f"{tx.user_name(goal['deleted_by'])}: restore the goal first"
        )
    if deleting and row["deleted_on"] is not None:
        return (
            f"this {what} was already deleted on {row['deleted_on']:%-d %b %Y} by "
            f"{tx.user_name(row['deleted_by'])}"
        )
    if not deleting and row["deleted_on"] is None:
        return f"this {what} is not deleted: there is nothing to restore"
    return None


def _kept_problem(store: Store, table: str, row_id: int, subject: str) -> str | None:
    """Why a goal, milestone or action step cannot change: it, or its goal, is
    deleted (None while it is in the plan)."""
    deleted = store.deletion_of(table, row_id)
    if deleted is None:
        return None
    own = _PLAN_ITEMS.get(table) == deleted["what"]
    day = f"{deleted['deleted_on']:%-d %b %Y}"
    if own:
        return (
            f"{subject} was deleted on {day} by {deleted['deleted_by']}: "
            "restore it first"
        )
    return (
        f"the goal of {subject} was deleted on {day} by {deleted['deleted_by']}: "
        "restore the goal first"
    )


_SUBJECTS = {
    "goals": "the goal",
    "milestones": "this milestone",
    "action_steps": "this action step",
}


def _require_kept(store: Store, table: str, row_id: int, what: str) -> None:
    """Refuse to change a deleted goal or action step, or one of a deleted goal."""
    problem = _kept_problem(store, table, row_id, _SUBJECTS[table])
    if problem:
        raise InvalidInput(what, {"id": problem})


# -- comments and support ------------------------------------------------------------


def add_comment(store: Store, user: User | None, data: Mapping[str, Any]) -> int:
    comment = validate(CommentIn, data, "The comment")
    _require_same_school(store, comment, "The comment")
    user = authorize(store, user, Action.COMMENT, school_id=comment.school_id)
    values = _stamped(user, **comment.model_dump(), author_id=user.id, written_on=now())
    return _create(
        store, user, "comments", values, school_id=comment.school_id, action="comment"
    )


def request_support(store: Store, user: User | None, data: Mapping[str, Any]) -> int:
    ask = validate(SupportRequestIn, data, "The support request")
    _require_same_school(store, ask, "The support request")
    user = authorize(store, user, Action.REQUEST_SUPPORT, school_id=ask.school_id)
    if ask.peer_school_id is not None and store.schools([ask.peer_school_id]).empty:
        raise InvalidInput(
            "The support request",
            {"peer_school_id": f"no school with id {ask.peer_school_id}"},
        )
    values = _stamped(
        user,
        **ask.model_dump(mode="json", exclude={"needed_by"}),
        needed_by=ask.needed_by,
        requested_by=user.id,
        requested_on=now(),
        status=SupportStatus.OPEN.value,
    )
    return _create(
        store,
        user,
        "support_requests",
        values,
        school_id=ask.school_id,
        action="request support",
    )


def answer_support(
    store: Store,
    user: User | None,
    request_id: int,
    data: Mapping[str, Any],
    *,
    version: int,
) -> int:
    reply = validate(SupportAnswerIn, data, "The answer")
    user, school_id = _editor(
        store, user, Action.ANSWER_SUPPORT, "support_requests", request_id
    )
    values = {
        "answer": reply.answer,
        "status": reply.status.value,
        "answered_by": user.id,
        "answered_on": now(),
    }
    return _update(
        store,
        user,
        "support_requests",
        request_id,
        values,
        expected_version=version,
        school_id=school_id,
        action="answer support request",
    )


# -- reviews -------------------------------------------------------------------------


def create_review(store: Store, user: User | None, data: Mapping[str, Any]) -> int:
    review = validate(ReviewIn, data, "The review")
    user = authorize(store, user, Action.PLAN_REVIEWS, school_id=review.school_id)
    for standard_id in review.focus_standard_ids:
        _require_standard(store, standard_id)
    _require_lead_reviewer(store, review.lead_reviewer_id)
    values = _stamped(
        user,
        **review.model_dump(exclude={"focus_standard_ids"}),
        phase=Phase.SELF_REFLECTION.value,
    )

    def work(tx: Tx) -> int:
        row_id = tx.insert("reviews", values)
        for standard_id in review.focus_standard_ids:
            tx.link("review_focus", review_id=row_id, standard_id=standard_id)
        if review.lead_reviewer_id is not None:
            tx.link(
                "review_team",
                review_id=row_id,
                user_id=review.lead_reviewer_id,
                team_role="lead",
            )
        tx.record(
            user=user,
            action="create review",
            entity="reviews",
            entity_id=row_id,
            school_id=review.school_id,
            before=None,
            after={**values, **review.model_dump()},
            now=now(),
        )
        return row_id

    return store.write(work)


def update_review(
    store: Store,
    user: User | None,
    review_id: int,
    data: Mapping[str, Any],
    *,
    version: int,
) -> int:
    """Plan a review's dates (the central office) or move it to its next phase
    (the central office or the review's lead reviewer).

    A phase stays or moves one step on, never back or past the next one, and
    the report phase ends only by publishing the report (``publish_review``).
    """
    change = validate(ReviewChange, data, "The review")
    school_id = store.school_of("reviews", review_id)
    values = change.model_dump(mode="json", exclude_unset=True)
    dated = bool(set(values) - {"phase"})
    user = authorize(
        store,
        user,
        Action.PLAN_REVIEWS if dated else Action.MOVE_PHASE,
        school_id=school_id,
        review_id=review_id,
    )
    stored = store.row("reviews", review_id)
    if change.phase is not None:
        problem = reviews.phase_move_problem(stored, change.phase)
        if problem:
            raise InvalidInput("The review", {"phase": problem})
    if dated:
        _require_date_order({**stored, **change.model_dump(exclude_unset=True)})
    moved = not dated and values.get("phase", stored["phase"]) != stored["phase"]
    return _update(
        store,
        user,
        "reviews",
        review_id,
        values,
        expected_version=version,
        school_id=school_id,
        action=f"move review to {values['phase']}" if moved else "edit review",
    )


def publish_review(
    store: Store, user: User | None, review_id: int, *, version: int
) -> int:
    """Make the report visible to the school (only the lead reviewer may): it
    ends the report phase and needs a consensus rating and a finding on every
    focus standard. The review moves on to action planning."""
    school_id = store.school_of("reviews", review_id)
    user = authorize(store, user, Action.LEAD_REVIEW, review_id=review_id)
    _require_open_review(store, review_id)
    phase = store.row("reviews", review_id)["phase"]
    if phase != Phase.REPORT:
        problem = "a report is published at the end of the report phase; this "
        raise InvalidInput("The report", {"phase": problem + f"review is in {phase}"})
    gaps = reviews.report_gaps(store, review_id)
    if gaps:
        raise InvalidInput("The report", gaps)
    today = now().date()
    return _update(
        store,
        user,
        "reviews",
        review_id,
        {"published_on": today, "phase": Phase.ACTION_PLANNING.value},
        expected_version=version,
        school_id=school_id,
        action="publish review",
    )


_RATER_ACTION = {
    RaterKind.SELF_REFLECTION: Action.SELF_REFLECT,
    RaterKind.REVIEWER: Action.RECORD_REVIEW,
    RaterKind.CONSENSUS: Action.LEAD_REVIEW,
}


def record_rating(
    store: Store,
    user: User | None,
    data: Mapping[str, Any],
    *,
    version: int | None = None,
) -> int:
    """Record (or change) one rating by the school, a reviewer or the team.

    ``version`` is the version of the rating the rater saw; None when new.
    """
    rating = validate(RatingIn, data, "The rating")
    school_id = store.school_of("reviews", rating.review_id)
    user = authorize(
        store,
        user,
        _RATER_ACTION[rating.rater_kind],
        school_id=school_id,
        review_id=rating.review_id,
    )
    _require_level(store, rating.level)
    _require_standard(store, rating.standard_id)
    _require_open_review(store, rating.review_id)
    if rating.rater_kind == RaterKind.SELF_REFLECTION:
        review = store.row("reviews", rating.review_id)
        problem = reviews.self_reflection_problem(review)
        if problem:
            raise InvalidInput("The self-reflection", {"phase": problem})
    if rating.rater_kind == RaterKind.REVIEWER:
        problem = reviews.submission_problem(store, rating.review_id, user.id)
        if problem:
            raise InvalidInput("The rating", {"ratings": problem})
    rater_id = user.id if rating.rater_kind == RaterKind.REVIEWER else None
    key = {
        "review_id": rating.review_id,
        "standard_id": rating.standard_id,
        "rater_kind": rating.rater_kind.value,
        "rater_id": rater_id,
    }
    return _upsert(
        store,
        user,
        "ratings",
        key,
        {"level": rating.level, "note": rating.note},
        version=version,
        school_id=school_id,
        verbs=("rate", "change rating"),
    )


def submit_ratings(store: Store, user: User | None, review_id: int) -> datetime:
    """A reviewer hands in their ratings of a review, one on every focus
    standard; return when. From then on the rest of the team reads them, the
    reviewer reads the others' submitted ratings, and theirs no longer change."""
    school_id = store.school_of("reviews", review_id)
    user = authorize(
        store, user, Action.RECORD_REVIEW, school_id=school_id, review_id=review_id
    )
    _require_open_review(store, review_id)
    problem = reviews.submission_problem(store, review_id, user.id)
    if problem:
        raise InvalidInput("Your ratings", {"ratings": problem})
    gaps = reviews.rating_gaps(store, review_id, user.id)
    if gaps:
        raise InvalidInput("Your ratings", gaps)
    leads = store.review_lead_id(review_id) == user.id

    def work(tx: Tx) -> datetime:
        stamp = now()
        before, after = store.mark_submitted(tx, review_id, user.id, leads, stamp)
        tx.record(
            user=user,
            action="submit ratings",
            entity="reviews",
            entity_id=review_id,
            school_id=school_id,
            before=before,
            after=after,
            now=stamp,
        )
        return stamp

    submitted = store.write(work)
    _LOGGER.info("review %s: %s submitted their ratings", review_id, user.email)
    return submitted


def _upsert(
    store: Store,
    user: User,
    table: str,
    key: dict[str, Any],
    changes: dict[str, Any],
    *,
    version: int | None,
    school_id: int,
    verbs: tuple[str, str],
) -> int:
    """Create the row with this key, or change it if it exists; return its id.

    The lookup runs inside the transaction, and changing an existing row needs
    the version the editor saw, so two first saves never both win."""

    def work(tx: Tx) -> int:
        stamp = now()
        existing = tx.find_id(table, key)
        if existing is None:
            row_id = tx.insert(
                table, {**key, **changes, "updated_by": user.id, "updated_on": stamp}
            )
            before, after = None, tx.get(table, row_id)
        else:
            row_id = existing
            before, after = tx.update(
                table,
                row_id,
                changes,
                expected_version=version or 0,
                user_id=user.id,
                now=stamp,
            )
        tx.record(
            user=user,
            action=verbs[existing is not None],
            entity=table,
            entity_id=row_id,
            school_id=school_id,
            before=before,
            after=after,
            now=stamp,
        )
        return row_id

    return store.write(work)


def record_finding(
    store: Store,
    user: User | None,
    data: Mapping[str, Any],
    *,
    version: int | None = None,
) -> int:
    finding = validate(FindingIn, data, "The finding")
    school_id = store.school_of("reviews", finding.review_id)
    user = authorize(store, user, Action.LEAD_REVIEW, review_id=finding.review_id)
    _require_open_review(store, finding.review_id)
    key = {"review_id": finding.review_id, "standard_id": finding.standard_id}
    text = {
        "strengths": finding.strengths,
        "areas_for_growth": finding.areas_for_growth,
    }
    return _upsert(
        store,
        user,
        "findings",
        key,
        text,
        version=version,
        school_id=school_id,
        verbs=("write finding", "edit finding"),
    )


def add_evidence(store: Store, user: User | None, data: Mapping[str, Any]) -> int:
    """An item of evidence behind a finding; an interview, an observation or a
    survey says how much it rests on."""
    item = validate(EvidenceIn, data, "The evidence")
    review_id = store.review_of_finding(item.finding_id)
    school_id = store.school_of("reviews", review_id)
    user = authorize(store, user, Action.LEAD_REVIEW, review_id=review_id)
    _require_open_review(store, review_id)
    _require_evidence_size(item)
    return _create(
        store,
        user,
        "evidence",
        _stamped(user, **item.model_dump(mode="json")),
        school_id=school_id,
        action="add evidence",
    )


# -- the district --------------------------------------------------------------------


def change_setting(
    store: Store,
    user: User | None,
    data: Mapping[str, Any],
    *,
    version: int | None = None,
) -> None:
    """Set a district setting; ``version`` is the one the editor saw, if any."""
    setting = validate(SettingIn, data, "The setting")
    user = authorize(store, user, Action.EDIT_SETTINGS)
    problem = setting_problem(setting.key, setting.value)
    if problem:
        raise InvalidInput("The setting", {setting.key: problem})

    def work(tx: Tx) -> None:
        stamp = now()
        before, after = tx.put_setting(
            setting.key,
            str(setting.value),
            user_id=user.id,
            now=stamp,
            expected_version=version,
        )
        tx.record(
            user=user,
            action="change setting",
            entity="settings",
            entity_id=0,
            school_id=None,
            before=before,
            after=after,
            now=stamp,
        )

    store.write(work)


def record_interim_rating(
    store: Store, user: User | None, data: Mapping[str, Any]
) -> int:
    """The school rates itself on a standard between reviews."""
    rating = validate(InterimRatingIn, data, "The self-reflection rating")
    user = authorize(store, user, Action.SELF_REFLECT, school_id=rating.school_id)
    _require_standard(store, rating.standard_id)
    _require_level(store, rating.level)
    values = _stamped(user, **rating.model_dump(mode="json"))
    return _create(
        store,
        user,
        "interim_ratings",
        values,
        school_id=rating.school_id,
        action="rate between reviews",
    )


def record_event(store: Store, user: User | None, data: Mapping[str, Any]) -> int:
    """An event the school's run charts show (a new programme, a PDSA cycle)."""
    event = validate(EventIn, data, "The event")
    user = authorize(store, user, Action.EDIT_PLAN, school_id=event.school_id)
    values = _stamped(user, **event.model_dump(mode="json"))
    return _create(
        store,
        user,
        "school_events",
        values,
        school_id=event.school_id,
        action="record event",
    )


def add_planning_deadline(
    store: Store, user: User | None, data: Mapping[str, Any]
) -> int:
    """A date the district's school site plans must meet."""
    deadline = validate(DeadlineIn, data, "The planning deadline")
    user = authorize(store, user, Action.EDIT_SETTINGS)
    values = _stamped(user, **deadline.model_dump())
    return _create(
        store,
        user,
        "planning_deadlines",
        values,
        school_id=None,
        action="add planning deadline",
    )


def create_user(store: Store, user: User | None, data: Mapping[str, Any]) -> int:
    person = validate(UserIn, data, "The user")
    user = authorize(store, user, Action.MANAGE_USERS)
    if store.user_by_email(person.email) is not None:
        raise InvalidInput("The user", {"email": f"{person.email} already exists"})
    return _create(
        store,
        user,
        "users",
        _stamped(user, **person.model_dump(mode="json"), active=True),
        school_id=person.school_id,
        action="add user",
    )


def set_user_active(
    store: Store, user: User | None, user_id: int, active: bool, *, version: int
) -> int:
    user = authorize(store, user, Action.MANAGE_USERS)
    if store.user_by_id(user_id) is None:
        raise NotFound(f"No user with id {user_id}.")
    return _update(
        store,
        user,
        "users",
        user_id,
        {"active": active},
        expected_version=version,
        school_id=None,
        action="enable user" if active else "disable user",
    )


# -- checks --------------------------------------------------------------------------


def _require_same_school(store: Store, item: Any, what: str) -> None:
    """A comment or support request about a goal or step of the same school."""
    for table, field in (("goals", "goal_id"), ("action_steps", "action_step_id")):
        row_id = getattr(item, field)
        if row_id is not None and store.school_of(table, row_id) != item.school_id:
            raise InvalidInput(what, {field: f"{row_id} belongs to another school"})
        if row_id is None:
            continue
        deleted = _kept_problem(store, table, row_id, f"{_PLAN_ITEMS[table]} {row_id}")
        if deleted:
            raise InvalidInput(what, {field: deleted})


def _require_goal_links(
    store: Store, school_id: int, review_id: int | None, measure_id: int | None
) -> None:
    if review_id is not None and store.school_of("reviews", review_id) != school_id:
        raise InvalidInput("The goal", {"review_id": "a review of another school"})
    if measure_id is not None and not store.has_measure(measure_id):
        raise InvalidInput("The goal", {"measure_id": f"no measure {measure_id}"})


def _require_standard(store: Store, standard_id: int) -> None:
    if not store.has_standard(standard_id):
        raise InvalidInput("The form", {"standard_id": f"no standard {standard_id}"})


def _require_open_review(store: Store, review_id: int) -> None:
    """Ratings, findings and evidence are fixed once the report is published."""
    published = store.review_published_on(review_id)
    if published is not None:
        raise InvalidInput(
            "The review",
            {
                "review_id": f"its report was published on {published:%d %b %Y}; "
                "its ratings and findings can no longer change"
            },
        )


def _require_evidence_size(item: EvidenceIn) -> None:
    needed = reviews.EVIDENCE_SIZE.get(item.source, {})
    problems = {
        field: message
        for field, message in needed.items()
        if getattr(item, field) in (None, "")
    }
    if problems:
        raise InvalidInput("The evidence", problems)


# A review's dates in the order its phases run, each with the one it follows.
_DATE_ORDER = (
    ("visit_starts_on", "starts_on", "the site visit starts before the review"),
    ("visit_ends_on", "visit_starts_on", "the site visit ends before it starts"),
    ("report_on", "visit_ends_on", "the report is due before the site visit ends"),
    ("completes_on", "report_on", "the review completes before its report is due"),
)


def _require_date_order(review: Mapping[str, Any]) -> None:
    for later, earlier, message in _DATE_ORDER:
        first, then = review.get(earlier), review.get(later)
        if first is not None and then is not None and then < first:
            raise InvalidInput("The review", {later: message})


def _require_lead_reviewer(store: Store, user_id: int | None) -> None:
    if user_id is None:
        return
    lead = store.user_by_id(user_id)
    if lead is None or not lead.active or lead.role != Role.REVIEWER:
        raise InvalidInput(
            "The review", {"lead_reviewer_id": f"{user_id} is not an active reviewer"}
        )


def _require_level(store: Store, level: int) -> None:
    levels = store.rating_levels()
    if level not in levels:
        allowed = ", ".join(str(n) for n in levels)
        raise InvalidInput(
            "The rating", {"level": f"{level} is not on the scale ({allowed})"}
        )
