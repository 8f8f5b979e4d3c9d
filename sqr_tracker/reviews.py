"""Recording a review as it happens: what each person on it may read, and the
rules its writes follow.

A review moves through its phases one step at a time. The school records its
self-reflection during the self-reflection phase. Each reviewer rates each focus
standard alone, then submits: before submitting, a reviewer reads only their own
ratings; afterwards, the others' submitted ones, and their own no longer change.
The lead reviewer reads every submitted rating, records the team's consensus,
findings and evidence, and publishes the report once every focus standard has a
consensus rating and a finding. Until then the school, and everyone outside the
team and the central office, sees nothing of the team's ratings or findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from sqr_tracker import evidence
from sqr_tracker.auth import Action, allowed, authorize, visible_school_ids
from sqr_tracker.errors import PermissionDenied
from sqr_tracker.home import cycle_label
from sqr_tracker.models import Phase, RaterKind, Role, Source, User
from sqr_tracker.store import Store

PHASES = tuple(Phase)
DONE, NOW, TO_COME = "done", "now", "to come"
INTERVIEW_GROUPS = ("students", "families", "staff", "partners")
SURVEY_GROUPS = ("students", "families", "staff")
# What an item of evidence from each source says about its size.
EVIDENCE_SIZE = {
    Source.INTERVIEW: {
        "interviews_held": "say how many interviews were held",
        "interviewed_group": "say who was interviewed",
    },
    Source.OBSERVATION: {
        "classrooms_observed": "say how many classrooms were observed",
        "classrooms_total": "say of how many classrooms",
    },
    Source.SURVEY: {
        "survey_group": "say who was surveyed",
        "survey_respondents": "say how many answered",
        "survey_invited": "say how many were invited",
    },
}


# -- the rules the writes follow --------------------------------------------------


def next_phase(phase: Phase | str) -> Phase | None:
    """The phase after this one; None after the last."""
    at = PHASES.index(Phase(phase))
    return PHASES[at + 1] if at + 1 < len(PHASES) else None


def phase_move_problem(review: Mapping[str, Any], phase: Phase) -> str | None:
    """Why a review may not be set to ``phase``: it stays, or moves one step on,
    and the report phase ends only when the report is published."""
    current = Phase(review["phase"])
    if phase == current:
        return None
    following = next_phase(current)
    if following is None:
        return "the review is complete: it has no next phase"
    if phase != following:
        return (
            f"a review in its {current} phase moves on to {following}, not to {phase}"
        )
    if phase == Phase.ACTION_PLANNING and review["published_on"] is None:
        return "publishing the report moves the review to action planning"
    return None


def self_reflection_problem(review: Mapping[str, Any]) -> str | None:
    """Why the school may not record its self-reflection now, if it may not."""
    if Phase(review["phase"]) == Phase.SELF_REFLECTION:
        return None
    return (
        "the school records its self-reflection during the self-reflection "
        f"phase; this review is in its {review['phase']} phase"
    )


def submission_problem(store: Store, review_id: int, user_id: int) -> str | None:
    """Why a reviewer's ratings may no longer change: they were submitted."""
    submitted = store.submitted_on(review_id, user_id)
    if submitted is None:
        return None
    return (
        f"you submitted your ratings on {submitted:%-d %b %Y at %H:%M}; "
        "they no longer change"
    )


def rating_gaps(store: Store, review_id: int, user_id: int) -> dict[str, str]:
    """What a reviewer must rate before submitting: every focus standard."""
    focus = store.review_focus_standards(review_id)
    if focus.empty:
        return {"focus": "the review has no focus standards to rate yet"}
    ratings = store.review_ratings(review_id)
    mine = ratings[
        (ratings["rater_kind"] == RaterKind.REVIEWER) & (ratings["rater_id"] == user_id)
    ]
    missing = focus[~focus["standard_id"].isin(mine["standard_id"])]
    if missing.empty:
        return {}
    codes = ", ".join(missing["code"])
    return {"ratings": f"rate every focus standard first; not yet rated: {codes}"}


def report_gaps(store: Store, review_id: int) -> dict[str, str]:
    """What the report lacks before it can be published: a consensus rating and
    a finding (strengths or areas for growth) on every focus standard."""
    focus = store.review_focus_standards(review_id)
    if focus.empty:
        return {
            "focus": "the review has no focus standards; the central office "
            "chooses them when it plans the review"
        }
    ratings = store.review_ratings(review_id)
    agreed = ratings.loc[ratings["rater_kind"] == RaterKind.CONSENSUS, "standard_id"]
    findings = store.review_findings(review_id)
    written = findings.loc[
        (findings["strengths"].str.strip() != "")
        | (findings["areas_for_growth"].str.strip() != ""),
        "standard_id",
    ]
    gaps = {}
    for field, have, what in (
        ("consensus", agreed, "no consensus rating yet on"),
        ("findings", written, "no strengths or areas for growth written yet on"),
    ):
        missing = focus.loc[~focus["standard_id"].isin(have), "code"]
        if not missing.empty:
            gaps[field] = f"{what} {', '.join(missing)}"
    return gaps


# -- what a person may read -------------------------------------------------------


def review_choices(store: Store, user: User | None) -> dict[int, str]:
    """The reviews a user may open here, current ones first, by name: a
    reviewer's own reviews, a school's reviews, or every review."""
    if user is not None and user.role == Role.REVIEWER and user.active:
        found = store.reviews_for_reviewer(user.id)
        roles = found["team_role"].map({"lead reviewer": " · you lead"}).fillna("")
    else:
        scope = visible_school_ids(store, user)
        if scope == []:
            authorize(store, user, Action.READ_SCHOOL, school_id=-1)
        found = store.reviews_of_schools(scope)
        roles = pd.Series("", index=found.index)
    # Each year labelled once, and the columns read out whole: a state has
    # 30,000 reviews, and reading an Arrow column value by value is slow.
    years = {year: cycle_label(year) for year in found["cycle_year"].unique()}
    labels = (
        found["school"]
        + " · "
        + found["cycle_year"].map(years)
        + " · "
        + found["phase"]
        + roles
    )
    return dict(zip(found["id"].astype(int).tolist(), labels.tolist(), strict=True))


def team_ratings(store: Store, user: User | None, review_id: int) -> pd.DataFrame:
    """The reviewers' ratings of a review that ``user`` may read: their own, and
    the others' once those were submitted and the user has submitted too (the
    lead and the central office read every submitted rating at once; after
    publication, every team member does). Nobody reads another's unsubmitted
    ratings; the school and other roles read none.

    One row per rating: standard_id, code, standard, reviewer, level, label,
    note and ``yours``.
    """
    school_id = store.school_of("reviews", review_id)
    on_team = allowed(store, user, Action.RECORD_REVIEW, review_id=review_id)
    office = allowed(store, user, Action.PLAN_REVIEWS, school_id=school_id)
    if not (on_team or office):
        raise PermissionDenied(
            "Only the review's team and the central office read its reviewers' ratings."
        )
    assert user is not None
    members = store.review_members(review_id)
    submitted = set(members.loc[members["submitted_on"].notna(), "user_id"])
    reads_others = (
        office
        or store.review_lead_id(review_id) == user.id
        or store.review_published_on(review_id) is not None
        or user.id in submitted
    )
    ratings = store.review_ratings(review_id)
    ratings = ratings[ratings["rater_kind"] == RaterKind.REVIEWER]
    yours = ratings["rater_id"] == user.id
    shown = ratings[yours | (ratings["rater_id"].isin(submitted) & reads_others)]
    standards = store.standards()[["id", "code", "name"]]
    shown = shown.merge(
        standards.rename(columns={"id": "standard_id", "name": "standard"}),
        on="standard_id",
    ).assign(yours=lambda rows: rows["rater_id"] == user.id)
    columns = ["standard_id", "code", "standard", "reviewer", "level", "label"]
    return shown[[*columns, "note", "yours"]].reset_index(drop=True)


@dataclass(frozen=True)
class Can:
    """What the user may do on a review now (the writes check it again)."""

    self_reflect: bool = False
    rate: bool = False
    lead: bool = False
    publish: bool = False
    move_phase: bool = False
    plan_dates: bool = False


@dataclass(frozen=True)
class ReviewRecord:
    """A review as one user may see it; a part left None is not theirs to read
    (``hidden`` says why the team's results are not shown)."""

    review: dict[str, Any]
    timeline: pd.DataFrame
    team: pd.DataFrame
    focus: pd.DataFrame
    levels: dict[int, str]
    self_reflection: pd.DataFrame
    on_team: bool
    own_ratings: pd.DataFrame
    submitted_on: datetime | None
    team_ratings: pd.DataFrame | None
    ratings_rule: str
    report: pd.DataFrame | None
    evidence: pd.DataFrame | None
    hidden: str | None
    can: Can
    rating_gaps: dict[str, str]
    report_gaps: dict[str, str]
    next_phase: Phase | None
    why_not_next: str | None


def review_record(store: Store, user: User | None, review_id: int) -> ReviewRecord:
    """One review as ``user`` may see it: its school, cycle, phase and dates,
    team and focus standards; the school's self-reflection; the user's own
    ratings and those of others they may read (``team_ratings``); and the
    team's consensus, findings and evidence where the user may read them (the
    lead, the central office, a team member who has submitted; everyone who
    reads the school once the report is published)."""
    school_id = store.school_of("reviews", review_id)
    user = authorize(
        store, user, Action.READ_SCHOOL, school_id=school_id, review_id=review_id
    )
    review = _outline(store, review_id)
    on_team = allowed(store, user, Action.RECORD_REVIEW, review_id=review_id)
    office = allowed(store, user, Action.PLAN_REVIEWS, school_id=school_id)
    submitted = store.submitted_on(review_id, user.id) if on_team else None
    hidden = _why_hidden(store, user, review, on_team, office, submitted)
    focus = store.review_focus_standards(review_id)
    ratings = store.review_ratings(review_id)
    can = _can(store, user, review, on_team, submitted, focus)
    following = next_phase(review["phase"])
    return ReviewRecord(
        review=review,
        timeline=timeline(review),
        team=_team(store, review_id, show_submitted=on_team or office),
        focus=focus,
        levels=_levels(store),
        self_reflection=_by_focus(focus, ratings, RaterKind.SELF_REFLECTION),
        on_team=on_team,
        own_ratings=_by_focus(focus, ratings, RaterKind.REVIEWER, user.id),
        submitted_on=submitted,
        team_ratings=(
            team_ratings(store, user, review_id) if on_team or office else None
        ),
        ratings_rule=_ratings_rule(store, user, review, office, submitted),
        report=None if hidden else _report(store, review_id, focus, ratings),
        evidence=None if hidden else _evidence(store, review_id),
        hidden=hidden,
        can=can,
        rating_gaps=rating_gaps(store, review_id, user.id) if can.rate else {},
        report_gaps=report_gaps(store, review_id) if can.lead else {},
        next_phase=following,
        why_not_next=phase_move_problem(review, following) if following else None,
    )


def report_hidden(store: Store, user: User, review_id: int) -> str | None:
    """Why the user may not read a review's consensus, findings and evidence
    yet (before publication: only the lead, the central office and team members
    who have submitted their own ratings may), or None if they may."""
    school_id = store.school_of("reviews", review_id)
    review = _outline(store, review_id)
    on_team = allowed(store, user, Action.RECORD_REVIEW, review_id=review_id)
    office = allowed(store, user, Action.PLAN_REVIEWS, school_id=school_id)
    submitted = store.submitted_on(review_id, user.id) if on_team else None
    return _why_hidden(store, user, review, on_team, office, submitted)


def _why_hidden(
    store: Store,
    user: User,
    review: Mapping[str, Any],
    on_team: bool,
    office: bool,
    submitted: datetime | None,
) -> str | None:
    """Why the user may not read the team's consensus, findings and evidence
    yet, or None if they may."""
    leads = allowed(store, user, Action.LEAD_REVIEW, review_id=review["id"])
    if review["published_on"] is not None or leads or office:
        return None
    if on_team:
        return (
            None
            if submitted
            else (
                "The team's consensus and findings show here once you have submitted "
                "your ratings."
            )
        )
    return "The team's ratings and findings show here once the report is published."


def _ratings_rule(
    store: Store,
    user: User,
    review: Mapping[str, Any],
    office: bool,
    submitted: datetime | None,
) -> str:
    """Whose ratings the user reads in the team's ratings, in a sentence."""
    if office or store.review_lead_id(review["id"]) == user.id:
        return "Each reviewer's ratings show here once they submit them."
    if review["published_on"] is not None:
        return "Every submitted rating of the team."
    if submitted is None:
        return (
            "Until you submit, you read only your own ratings; then the others' "
            "submitted ratings show here."
        )
    return "Your ratings, and those of the others who have submitted."


def _can(
    store: Store,
    user: User,
    review: Mapping[str, Any],
    on_team: bool,
    submitted: datetime | None,
    focus: pd.DataFrame,
) -> Can:
    review_id, school_id = review["id"], review["school_id"]
    published = review["published_on"] is not None
    leads = allowed(store, user, Action.LEAD_REVIEW, review_id=review_id) and (
        not published
    )
    following = next_phase(review["phase"])
    return Can(
        self_reflect=allowed(store, user, Action.SELF_REFLECT, school_id=school_id)
        and not published
        and self_reflection_problem(review) is None,
        rate=on_team and not published and submitted is None and not focus.empty,
        lead=leads,
        publish=leads and review["phase"] == Phase.REPORT,
        move_phase=following is not None
        and phase_move_problem(review, following) is None
        and allowed(
            store, user, Action.MOVE_PHASE, school_id=school_id, review_id=review_id
        ),
        plan_dates=allowed(store, user, Action.PLAN_REVIEWS, school_id=school_id),
    )


def _outline(store: Store, review_id: int) -> dict[str, Any]:
    """The review's row with its school's name, cycle and lead reviewer's name."""
    review = store.row("reviews", review_id)
    school = store.schools([review["school_id"]]).iloc[0]["name"]
    lead = review["lead_reviewer_id"]
    lead = store.user_by_id(lead) if lead is not None else None
    return {
        **review,
        "school": school,
        "cycle": cycle_label(review["cycle_year"]),
        "lead_reviewer": lead.name if lead else "not named yet",
    }


def _levels(store: Store) -> dict[int, str]:
    scale = store.rating_scale()
    return dict(zip(scale["level"].astype(int), scale["label"], strict=True))


def _team(store: Store, review_id: int, *, show_submitted: bool) -> pd.DataFrame:
    """Names and roles; when each submitted, for those who may know it."""
    members = store.review_members(review_id)
    team = members[["name", "team_role"]].copy()
    if show_submitted:
        team["ratings"] = [
            f"submitted {day(stamp)}" if pd.notna(stamp) else "not submitted yet"
            for stamp in members["submitted_on"]
        ]
    return team


def _by_focus(
    focus: pd.DataFrame,
    ratings: pd.DataFrame,
    kind: RaterKind,
    rater_id: int | None = None,
) -> pd.DataFrame:
    """Each focus standard with one rater's rating of it (missing where none)."""
    chosen = ratings[ratings["rater_kind"] == kind]
    if rater_id is not None:
        chosen = chosen[chosen["rater_id"] == rater_id]
    columns = ["standard_id", "id", "version", "level", "label", "note"]
    merged = focus.merge(chosen[columns], on="standard_id", how="left")
    return merged.astype({"id": "Int64", "version": "Int64", "level": "Int64"})


def _report(
    store: Store, review_id: int, focus: pd.DataFrame, ratings: pd.DataFrame
) -> pd.DataFrame:
    """Per focus standard: the consensus rating, the finding and a line on how
    strong its evidence is."""
    consensus = _by_focus(focus, ratings, RaterKind.CONSENSUS)
    findings = store.review_findings(review_id).rename(
        columns={"id": "finding_id", "version": "finding_version"}
    )
    strength = evidence.findings_evidence(store, [review_id])[["standard_id", "line"]]
    report = consensus.merge(findings, on="standard_id", how="left").merge(
        strength.rename(columns={"line": "evidence"}), on="standard_id", how="left"
    )
    report["evidence"] = report["evidence"].fillna(evidence.NO_EVIDENCE)
    for column in ("strengths", "areas_for_growth"):
        report[column] = report[column].fillna("")
    return report.astype({"finding_id": "Int64", "finding_version": "Int64"})


def _evidence(store: Store, review_id: int) -> pd.DataFrame:
    """The evidence items of the review's findings, each with its standard's code
    and its size in words."""
    items = store.review_evidence(review_id)
    codes = store.standards()[["id", "code"]].rename(columns={"id": "standard_id"})
    items = items.merge(codes, on="standard_id", how="left")
    items["size"] = [size_words(row) for row in items.to_dict("records")]
    return items[["code", "source", "description", "size"]]


def size_words(item: Mapping[str, Any]) -> str:
    """'6 interviews with families', '12 of 20 classrooms observed', '40 of 400
    families answered': what an evidence item rests on."""
    count = {
        field: None if pd.isna(item.get(field)) else int(item[field])
        for field in (
            "interviews_held", "classrooms_observed", "classrooms_total",
            "survey_respondents", "survey_invited",
        )
    }  # fmt: skip
    parts = []
    if (held := count["interviews_held"]) is not None:
        group = _group(item.get("interviewed_group"))
        parts.append(f"{held} interview{'s' if held != 1 else ''}")
        parts[-1] += f" with {group}" if group else ""
    if (seen := count["classrooms_observed"]) is not None:
        rooms = count["classrooms_total"]
        of = f" of {rooms}" if rooms else ""
        parts.append(f"{seen}{of} classrooms observed")
    if (answered := count["survey_respondents"]) is not None:
        invited = count["survey_invited"]
        who = _group(item.get("survey_group")) or "people"
        of = f" of {invited}" if invited else ""
        parts.append(f"{answered}{of} {who} answered")
    return "; ".join(parts)


def _group(value: Any) -> str:
    return value if isinstance(value, str) else ""


# -- the phases as a timeline -----------------------------------------------------


def timeline(review: Mapping[str, Any]) -> pd.DataFrame:
    """The five phases with their dates and whether each is done, now or to come."""
    published = review["published_on"]
    report = (
        f"published {day(published)}" if published else _on(review["report_on"], "due")
    )
    dates = {
        Phase.SELF_REFLECTION: _on(review["starts_on"], "from"),
        Phase.SITE_VISIT: span(review["visit_starts_on"], review["visit_ends_on"]),
        Phase.REPORT: report,
        Phase.ACTION_PLANNING: _on(review["completes_on"], "until"),
        Phase.COMPLETE: _on(review["completes_on"], "on"),
    }
    at = PHASES.index(Phase(review["phase"]))
    return pd.DataFrame(
        {
            "phase": [phase.value for phase in PHASES],
            "dates": [dates[phase] for phase in PHASES],
            "state": [
                DONE if n < at else NOW if n == at else TO_COME
                for n in range(len(PHASES))
            ],
        }
    )


def day(value: date | datetime | None) -> str:
    """A date as '3 Dec 2026'."""
    return pd.Timestamp(value).strftime("%-d %b %Y")


def span(starts: date | None, ends: date | None) -> str:
    """'17–19 Feb 2027', '30 Jan – 1 Feb 2027', or 'not planned yet'."""
    if starts is None or ends is None:
        return _on(starts, "from") if ends is None else _on(ends, "until")
    first, last = pd.Timestamp(starts), pd.Timestamp(ends)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{day(last)}" if first != last else day(last)
    if first.year == last.year:
        return f"{first:%-d %b} – {day(last)}"
    return f"{day(first)} – {day(last)}"


def _on(value: date | None, word: str) -> str:
    return "not planned yet" if value is None else f"{word} {day(value)}"
