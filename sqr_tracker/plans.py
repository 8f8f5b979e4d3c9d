"""A school's plan between reviews: its goals, their health, and what is due.

Plan health follows rules stated in words (``health_rules``) with thresholds from
the district settings, so the page can show exactly why a goal is on track, at
risk or off track.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from sqr_tracker.auth import Action, authorize
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
        f"than {stale} days, or the measure's latest value moved away from the "
        "target.",
        "On track: none of the above, or the target is reached.",
        "The school's plan is off track when a focus goal is, or half or more of "
        "its open goals are; at risk when any open goal is at risk or off track.",
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
        off.append(f"{overdue} action steps overdue")
    elif overdue:
        risk.append("1 action step overdue")
    last = goal["last_check_in"]
    if pd.isna(last):
        risk.append("no check-in yet")
    elif (today - pd.Timestamp(last).date()).days > limits["plan_stale_days"]:
        risk.append(f"no check-in since {pd.Timestamp(last):%-d %b %Y}")
    if _moving_away(goal):
        risk.append("the measure moved away from the target")
    if off:
        return OFF_TRACK, off + risk
    return (AT_RISK, risk) if risk else (ON_TRACK, [])


def _reached(goal: pd.Series) -> bool:
    value, target = goal["latest_value"], goal["target"]
    if pd.isna(value) or pd.isna(target):
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
    focus_count: int
    focus_limit: int
    rules: list[str]

    @property
    def too_many_focus_goals(self) -> bool:
        return self.focus_count > self.focus_limit


def school_plan(store: Store, user: User | None, school_id: int, today: date) -> Plan:
    """The plan of one school with each goal's health and the areas for growth of
    the latest published review that no open goal addresses yet."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    limits = district_settings(store)
    goals = store.plan_goals(school_id, today)
    judged = goals.apply(lambda goal: goal_health(goal, today, limits), axis=1)
    goals["health"] = [health for health, _ in judged]
    goals["reasons"] = ["; ".join(reasons) for _, reasons in judged]
    goals.loc[goals["status"] == "closed", ["health", "reasons"]] = ["closed", ""]
    review = store.latest_published_review(school_id)
    growth = _unplanned_growth(store, review, goals)
    goals["tied_to_review"] = goals["review_id"].eq(review["id"]) if review else False
    open_focus = int((goals["is_focus"] & (goals["status"] == "open")).sum())
    return Plan(
        school_id, school_health(goals), goals, store.plan_milestones(school_id),
        store.plan_steps(school_id), growth, open_focus,
        int(limits["recommended_focus_goals"]), health_rules(limits),
    )  # fmt: skip


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
    open_goals = goals[goals["status"] == "open"]
    steps = store.plan_steps(school_id)
    steps = steps[steps["goal_id"].isin(open_goals["id"]) & (steps["status"] != "done")]
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
            "last_check_in": measured["measured_on"],
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
