"""A school's plan between reviews: its goals, their health, and what is due.

Plan health follows rules stated in words (``health_rules``) with thresholds from
the district settings, so the page can show exactly why a goal is on track, at
risk or off track.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import pandas as pd

from sqr_tracker.auth import Action, authorize, visible_school_ids
from sqr_tracker.config import district_settings
from sqr_tracker.models import User
from sqr_tracker.store import Store

ON_TRACK, AT_RISK, OFF_TRACK = "on track", "at risk", "off track"
HEALTH_ORDER = {ON_TRACK: 0, AT_RISK: 1, OFF_TRACK: 2}


def health_rules(limits: dict[str, float]) -> list[str]:
    """The rules, in the words the page shows."""
    stale = int(limits["plan_stale_days"])
    overdue = int(limits["overdue_steps_off_track"])
    return [
        f"Off track: a milestone's date has passed without it being met, or "
        f"{overdue} or more action steps are overdue.",
        f"At risk: an action step is overdue, there has been no check-in for more "
        f"than {stale} days (counted from the goal's creation until the first "
        "one), or the measure's latest value moved away from the target.",
        "On track: none of the above, or the target is reached.",
        "The school's plan is off track when a focus goal is, or half or more of "
        "its open goals are; at risk when any open goal is at risk or off track, "
        "or when it has no open goal at all.",
    ]


def goal_health(goal: pd.Series, today: date, limits: dict[str, float]):
    """A goal's health and the reasons for it, by the rules above."""
    if _reached(goal):
        return ON_TRACK, ["target reached"]
    off, risk = [], []
    if goal["missed_milestones"]:
        count = int(goal["missed_milestones"])
        off.append(f"{count} milestone{'s' if count > 1 else ''} missed")
    overdue = int(goal["overdue_steps"])
    if overdue >= limits["overdue_steps_off_track"]:
        off.append(f"{overdue} action step{'s' if overdue > 1 else ''} overdue")
    elif overdue:
        risk.append(f"{overdue} action step{'s' if overdue > 1 else ''} overdue")
    last = goal["last_check_in"]
    since = last if pd.notna(last) else goal.get("created_on")
    stale = pd.isna(since) or (
        (today - pd.Timestamp(since).date()).days > limits["plan_stale_days"]
    )
    if stale and pd.isna(last):
        risk.append("no check-in yet")
    elif stale:
        risk.append(f"no check-in since {pd.Timestamp(last):%-d %b %Y}")
    if _moving_away(goal):
        risk.append("the measure moved away from the target")
    if off:
        return OFF_TRACK, off + risk
    return (AT_RISK, risk) if risk else (ON_TRACK, [])


def _reached(goal: pd.Series) -> bool:
    value, target = goal["latest_value"], goal["target"]
    if pd.isna(value) or pd.isna(target) or pd.isna(goal["higher_is_better"]):
        return False
    return value >= target if goal["higher_is_better"] else value <= target


def _moving_away(goal: pd.Series) -> bool:
    """The latest value is further from the target than the one before it
    (the baseline when there is only one)."""
    value, target = goal["latest_value"], goal["target"]
    before = goal["previous_value"]
    if pd.isna(before):
        before = goal["baseline"]
    if pd.isna(value) or pd.isna(target) or pd.isna(before):
        return False
    return abs(target - value) > abs(target - before)


def school_health(goals: pd.DataFrame) -> str:
    """The plan's health from its open goals' health."""
    open_goals = goals[goals["status"] == "open"]
    if open_goals.empty:
        return AT_RISK
    off = open_goals["health"] == OFF_TRACK
    if (off & open_goals["is_focus"]).any() or off.mean() >= 0.5:
        return OFF_TRACK
    return AT_RISK if (open_goals["health"] != ON_TRACK).any() else ON_TRACK


@dataclass(frozen=True)
class Plan:
    school_id: int
    health: str
    goals: pd.DataFrame
    milestones: pd.DataFrame
    steps: pd.DataFrame
    unplanned_growth: pd.DataFrame
    comments: pd.DataFrame
    support: pd.DataFrame
    deadlines: pd.DataFrame
    review_id: int | None
    focus_count: int
    focus_limit: int
    rules: list[str]

    @property
    def too_many_focus_goals(self) -> bool:
        return self.focus_count > self.focus_limit

    def due(self, today: date) -> pd.DataFrame:
        """This month's check-in items (as ``due_this_month``)."""
        return due_items(self.goals, self.steps, today)

    def calendar(self, today: date) -> pd.DataFrame:
        return calendar_items(
            self.goals, self.milestones, self.steps, self.deadlines, today
        )

    def late_steps(self) -> pd.DataFrame:
        return late_steps(self.goals, self.steps, self.deadlines)

    def open_goals(self) -> pd.DataFrame:
        return self.goals[self.goals["status"] == "open"]

    def support_subjects(self) -> dict[str, str]:
        """What a support request can be about: the school, a goal, a step."""
        subjects = {"school": "The school's plan as a whole"}
        open_goals = self.open_goals()
        for goal in open_goals.itertuples():
            subjects[f"goal:{goal.id}"] = f"Goal: {goal.statement}"
        steps = self.steps[self.steps["goal_id"].isin(open_goals["id"])]
        for step in steps[steps["status"] != "done"].itertuples():
            subjects[f"step:{step.id}"] = f"Action step: {step.description}"
        return subjects

    def by_standard(self) -> list[tuple[str, pd.DataFrame]]:
        """Goals grouped under their standard, in the standards' order."""
        goals = self.goals.sort_values(["sort_order", "id"])
        return [
            (f"{code} {name}", group)
            for (code, name), group in goals.groupby(["code", "standard"], sort=False)
        ]


def followed_schools(store: Store, user: User | None) -> dict[int, str]:
    """The schools whose plans the user may open, by name (every school for
    the central office; none for someone who follows none)."""
    schools = store.schools(visible_school_ids(store, user))
    return dict(zip(schools["id"].tolist(), schools["name"].tolist(), strict=True))


def school_plan(store: Store, user: User | None, school_id: int, today: date) -> Plan:
    """The plan of one school with each goal's health and the areas for growth of
    the latest published review that no open goal addresses yet."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    limits = district_settings(store)
    goals = store.plan_goals(school_id, today)
    judged = [goal_health(goal, today, limits) for _, goal in goals.iterrows()]
    goals["health"] = pd.Series([health for health, _ in judged], dtype=object)
    goals["reasons"] = pd.Series(["; ".join(why) for _, why in judged], dtype=object)
    goals.loc[goals["status"] == "closed", ["health", "reasons"]] = ["closed", ""]
    review = store.latest_published_review(school_id)
    growth = _unplanned_growth(store, review, goals)
    tied = goals["review_id"].eq(review["id"]) if review else False
    goals["tied_to_review"] = pd.Series(tied, index=goals.index).fillna(False)
    goals["tied_to_review"] = goals["tied_to_review"].astype(bool)
    open_focus = int((goals["is_focus"] & (goals["status"] == "open")).sum())
    return Plan(
        school_id=school_id,
        health=school_health(goals),
        goals=goals,
        milestones=store.plan_milestones(school_id),
        steps=store.plan_steps(school_id),
        unplanned_growth=growth,
        comments=store.comments_of(school_id),
        support=store.support_requests_of(school_id),
        deadlines=store.planning_deadlines(),
        review_id=int(review["id"]) if review else None,
        focus_count=open_focus,
        focus_limit=int(limits["recommended_focus_goals"]),
        rules=health_rules(limits),
    )


def _unplanned_growth(store: Store, review, goals: pd.DataFrame) -> pd.DataFrame:
    """Areas for growth rated below the middle of the scale with no open goal."""
    if review is None:
        return pd.DataFrame(columns=["code", "standard", "areas_for_growth"])
    growth = store.areas_for_growth(int(review["id"]))
    middle = max(store.rating_levels()) / 2
    planned = set(goals.loc[goals["status"] == "open", "standard_id"])
    needed = (growth["consensus"] <= middle) & ~growth["standard_id"].isin(planned)
    return growth[needed].reset_index(drop=True)


def month_start(today: date) -> date:
    return today.replace(day=1)


def due_this_month(
    store: Store, user: User | None, school_id: int, today: date
) -> pd.DataFrame:
    """Everything this month's check-in covers: open action steps, and open goals
    with a measure. Overdue items come first, then those not yet updated this
    month; ``done`` marks the ones already updated this month."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    goals = store.plan_goals(school_id, today)
    return due_items(goals, store.plan_steps(school_id), today)


def due_items(goals: pd.DataFrame, steps: pd.DataFrame, today: date) -> pd.DataFrame:
    """This month's items from a school's goals and action steps (see above)."""
    open_goals = goals[goals["status"] == "open"]
    this_month = pd.to_datetime(steps["last_check_in"]) >= pd.Timestamp(
        month_start(today)
    )
    current = (steps["status"] != "done") | this_month
    steps = steps[steps["goal_id"].isin(open_goals["id"]) & current]
    statements = open_goals.set_index("id")["statement"]
    step_rows = pd.DataFrame(
        {
            "kind": "action step",
            "id": steps["id"],
            "version": steps["version"],
            "goal": steps["goal_id"].map(statements),
            "item": steps["description"],
            "owner": steps["owner"],
            "due_on": steps["due_on"],
            "status": steps["status"],
            "measure": None,
            "latest_value": float("nan"),
            "last_check_in": steps["last_check_in"],
        }
    )
    measured = open_goals[open_goals["measure_id"].notna()]
    goal_rows = pd.DataFrame(
        {
            "kind": "goal",
            "id": measured["id"],
            "version": measured["version"],
            "goal": measured["statement"],
            "item": measured["statement"],
            "owner": "",
            "due_on": measured["target_date"],
            "status": "in progress",
            "measure": measured["measure"],
            "latest_value": measured["latest_value"],
            "last_check_in": measured["goal_checked_on"],
        }
    )
    rows = pd.concat([step_rows, goal_rows], ignore_index=True)
    start = pd.Timestamp(month_start(today))
    rows["done"] = pd.to_datetime(rows["last_check_in"]) >= start
    rows["overdue"] = (rows["kind"] == "action step") & (
        pd.to_datetime(rows["due_on"]) < pd.Timestamp(today)
    )
    order = rows["done"].astype(int) * 2 - rows["overdue"].astype(int)
    return (
        rows.assign(_order=order)
        .sort_values(["_order", "due_on"])
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def goal_timeline(store: Store, user: User | None, school_id: int, goal_id: int):
    """A goal's check-ins and changes, its action steps' and milestones' too,
    newest first, as (when, who, what) rows."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    steps = store.plan_steps(school_id)
    gone = store.deleted_plan_items(school_id)
    gone = gone[(gone["kind"] == "action step") & (gone["goal_id"] == goal_id)]
    step_ids = set(steps.loc[steps["goal_id"] == goal_id, "id"]) | set(gone["id"])
    names = dict(zip(steps["id"], steps["description"], strict=True))
    names.update(zip(gone["id"], gone["item"], strict=True))
    check_ins = store.check_ins_of(school_id)
    mine = (check_ins["goal_id"] == goal_id) | check_ins["action_step_id"].isin(
        step_ids
    )
    check_ins = check_ins[mine.fillna(False)]
    updates = pd.DataFrame(
        {
            "when": check_ins["written_on"],
            "who": check_ins["written_by"],
            "what": check_ins.apply(lambda c: _check_in_words(c, names), axis=1)
            if not check_ins.empty
            else pd.Series(dtype=str),
        }
    )
    milestones = store.plan_milestones(school_id)
    marks = set(milestones.loc[milestones["goal_id"] == goal_id, "id"])
    changes = _plan_changes(store.school_history(school_id), goal_id, step_ids, marks)
    events = pd.concat([updates, changes], ignore_index=True)
    return events.sort_values("when", ascending=False).reset_index(drop=True)


def _check_in_words(check_in: pd.Series, step_names: dict[int, str]) -> str:
    about = (
        "Goal"
        if pd.notna(check_in["goal_id"])
        else (f"Action step “{step_names.get(check_in['action_step_id'], '')}”")
    )
    words = f"{about} checked in: {check_in['status']}"
    if pd.notna(check_in["measure_value"]):
        words += f", measure {check_in['measure_value']:g}"
    return words + (f". {check_in['note']}" if check_in["note"] else "")


def _plan_changes(
    history: pd.DataFrame, goal_id: int, step_ids: set[int], milestone_ids: set[int]
) -> pd.DataFrame:
    """History entries about the goal, its steps and its milestones."""
    entity, row = history["entity"], history["entity_id"]
    about = (
        ((entity == "goals") & (row == goal_id))
        | ((entity == "action_steps") & row.isin(step_ids))
        | ((entity == "milestones") & row.isin(milestone_ids))
    )
    chosen = history[about]
    return pd.DataFrame(
        {
            "when": chosen["changed_on"],
            "who": chosen["who"],
            "what": [
                _change_words(a, b, c)
                for a, b, c in zip(
                    chosen["action"], chosen["before"], chosen["after"], strict=True
                )
            ],
        }
    )


def _change_words(action: str, before: str | None, after: str | None) -> str:
    """'Edit action step: status: in progress → done', or for a deletion or
    its undo, what was deleted or restored."""
    if action.startswith(("delete ", "restore ")):
        row = json.loads(after if isinstance(after, str) else "{}")
        name = row.get("description") or row.get("statement", "")
        return f"{action.capitalize()}: “{name}”"
    return f"{action.capitalize()}: {changed_fields(before, after)}"


def deleted_items(store: Store, user: User | None, school_id: int) -> pd.DataFrame:
    """The school's deleted goals and action steps, newest first, with who
    deleted them and when; ``restorable`` is false for a step whose goal is
    deleted too (the goal comes back first)."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    items = store.deleted_plan_items(school_id)
    return items.assign(restorable=~items["goal_deleted"].astype(bool))


def changed_fields(before: str | None, after: str | None) -> str:
    """'status: in progress → done' from two history snapshots (a missing one
    arrives as None or, from a JSON column, as NaN)."""
    if not isinstance(before, str):
        return "created"
    old, new = json.loads(before), json.loads(after if isinstance(after, str) else "{}")
    skip = {"version", "updated_on", "updated_by"}
    changes = [
        f"{key}: {old.get(key)} → {new[key]}"
        for key in new
        if key not in skip and old.get(key) != new[key]
    ]
    return "; ".join(changes) or "no change"


def calendar(
    store: Store, user: User | None, school_id: int, today: date
) -> pd.DataFrame:
    """The district's planning deadlines from today on, beside the open plan's
    milestones not yet met and action steps not yet done (those already past
    their date marked missed or overdue), in date order."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    return calendar_items(
        store.plan_goals(school_id, today),
        store.plan_milestones(school_id),
        store.plan_steps(school_id),
        store.planning_deadlines(),
        today,
    )


def calendar_items(
    goals: pd.DataFrame,
    marks: pd.DataFrame,
    steps: pd.DataFrame,
    deadlines: pd.DataFrame,
    today: date,
) -> pd.DataFrame:
    """The calendar from a school's plan and the district's deadlines."""
    open_ids = goals.loc[goals["status"] == "open", "id"]
    marks = marks[marks["goal_id"].isin(open_ids) & marks["met_on"].isna()]
    steps = steps[steps["goal_id"].isin(open_ids) & (steps["status"] != "done")]
    statements = goals.set_index("id")["statement"]
    parts = [
        (deadlines["due_on"], "planning deadline", deadlines["name"], ""),
        (
            marks["due_on"],
            "milestone",
            marks["description"],
            marks["goal_id"].map(statements),
        ),
        (
            steps["due_on"],
            "action step due",
            steps["description"],
            steps["goal_id"].map(statements),
        ),
    ]
    rows = pd.concat(
        [
            pd.DataFrame({"on": on, "what": what, "item": item, "goal": goal})
            for on, what, item, goal in parts
        ],
        ignore_index=True,
    )
    rows["on"] = pd.to_datetime(rows["on"])
    past = rows["on"] < pd.Timestamp(today)
    late = {"milestone": "milestone missed", "action step due": "action step overdue"}
    rows.loc[past, "what"] = rows.loc[past, "what"].map(late)
    shown = rows[~past | rows["what"].notna()]
    return shown.sort_values(["on", "what"]).reset_index(drop=True)


def late_for_deadlines(
    store: Store, user: User | None, school_id: int, today: date
) -> pd.DataFrame:
    """Open action steps of goals in the site plan that are due after the first
    planning deadline following their start: the deadline they must feed."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    return late_steps(
        store.plan_goals(school_id, today),
        store.plan_steps(school_id),
        store.planning_deadlines(),
    )


def late_steps(
    goals: pd.DataFrame, steps: pd.DataFrame, deadlines: pd.DataFrame
) -> pd.DataFrame:
    """Site-plan steps due after the deadline they feed (see above)."""
    in_plan = goals[(goals["status"] == "open") & (goals["site_plan_ref"] != "")]
    steps = steps[steps["goal_id"].isin(in_plan["id"]) & (steps["status"] != "done")]
    if steps.empty or deadlines.empty:
        return pd.DataFrame(columns=["step", "due_on", "deadline", "deadline_on"])
    ordered = deadlines.assign(on=pd.to_datetime(deadlines["due_on"])).sort_values(
        ["on", "id"]
    )
    feeds = ordered["on"].searchsorted(pd.to_datetime(steps["starts_on"]))
    known = feeds < len(ordered)
    steps, fed = steps[known], ordered.iloc[feeds[known]]
    late = pd.to_datetime(steps["due_on"]).to_numpy() > fed["on"].to_numpy()
    return pd.DataFrame(
        {
            "step": steps["description"].to_numpy()[late],
            "due_on": steps["due_on"].to_numpy()[late],
            "deadline": fed["name"].to_numpy()[late],
            "deadline_on": fed["on"].to_numpy()[late],
        }
    )
