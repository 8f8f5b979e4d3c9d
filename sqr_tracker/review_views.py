"""The review page's pieces: where a review stands, and the forms in which the
school, each reviewer and the lead reviewer record it.

Every form saves through the write path in a callback (``plan_forms``), so a
refused save keeps what was typed and names the field at fault. What people
wrote (notes, strengths, names) is drawn as text, never as Markdown.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from sqr_tracker import actions
from sqr_tracker.models import RaterKind, Source, User
from sqr_tracker.plan_forms import (
    field_problem,
    other_problems,
    outcome_messages,
    submit_form,
)
from sqr_tracker.reviews import (
    DONE,
    EVIDENCE_SIZE,
    INTERVIEW_GROUPS,
    NOW,
    SURVEY_GROUPS,
    ReviewRecord,
    day,
)
from sqr_tracker.store import Store
from sqr_tracker.views import long_choice, plain, rows_height

CHOSEN = "review:chosen"
REVIEW_PAGE = "pages/review.py"
_MARKS = {DONE: ":material/check_circle:", NOW: ":material/radio_button_checked:"}
_TO_COME = ":material/radio_button_unchecked:"
SELF, YOURS, TEAM = "Self-reflection", "Your ratings", "Team's ratings"
REPORT, EVIDENCE = "Consensus and findings", "Evidence"
TABS = "review:tab"  # the key of the page's tabs


def open_review(review_id: int) -> None:
    """Go to the review page with this review chosen."""
    st.session_state[CHOSEN] = int(review_id)
    st.switch_page(REVIEW_PAGE)


def open_chosen(event: Any, review_ids: pd.Series) -> None:
    """Open the review of the row chosen in a list, if one was."""
    rows = getattr(getattr(event, "selection", None), "rows", None) or []
    if rows:
        open_review(int(review_ids.iloc[rows[0]]))


def review_choice(choices: dict[int, str]) -> int:
    """The review chosen here or on My reviews (at first, the first one)."""
    if st.session_state.get(CHOSEN) not in choices:
        st.session_state.pop(CHOSEN, None)
    return long_choice(
        "Review",
        choices,
        key=CHOSEN,
        noun="review",
        placeholder="Part of its school's name, its cycle or its phase",
    )


def sections(record: ReviewRecord) -> list[str]:
    """The page's tabs for this user."""
    team = [YOURS] if record.on_team else []
    team += [TEAM] if record.team_ratings is not None else []
    return [SELF, *team, REPORT, EVIDENCE]


# -- where the review stands ---------------------------------------------------------


def outline(record: ReviewRecord) -> None:
    """The cycle, the phase among the five with their dates, and the lead."""
    review = record.review
    st.caption(
        plain(
            f"Cycle {review['cycle']} · {review['phase']} phase · lead reviewer "
            f"{review['lead_reviewer']}"
        )
    )
    steps = record.timeline.itertuples()
    for column, step in zip(st.columns(len(record.timeline)), steps, strict=True):
        name = f"**{step.phase.capitalize()}**"
        name = f":blue[{name}] (now)" if step.state == NOW else name
        column.markdown(f"{_MARKS.get(step.state, _TO_COME)} {name}  \n{step.dates}")


def team_and_focus(record: ReviewRecord) -> None:
    """Who is on the team (and, for the team, who has submitted), and the
    standards the review focuses on."""
    team, focus = st.columns(2)
    team.markdown("**Team**")
    team.dataframe(
        record.team,
        hide_index=True,
        width="stretch",
        height=rows_height(len(record.team)),
        column_config={
            "name": "Name",
            "team_role": "Role",
            "ratings": st.column_config.TextColumn("Ratings", width="medium"),
        },
    )
    focus.markdown("**Focus standards**")
    if record.focus.empty:
        focus.caption("No focus standards chosen yet.")
    for standard in record.focus.itertuples():
        focus.text(f"{standard.code}  {standard.name}")


def notices(record: ReviewRecord) -> None:
    """What the last phase move, submission or publication came to, in one
    container so that the tabs below keep their place (and the tab chosen)."""
    with st.container():
        for action in ("phase", "submit", "publish"):
            form = f"{action}-{record.review['id']}"
            outcome_messages(form)
            other_problems(form, [])


def phase_step(store: Store, user: User, record: ReviewRecord) -> None:
    """The move to the next phase, with the dates of this one and the next."""
    review, following = record.review, record.next_phase
    if following is None:
        return
    dates = record.timeline.set_index("phase")["dates"]
    line = (
        f"Now: {review['phase']}, {dates[review['phase']]}. "
        f"Next: {following}, {dates[following.value]}."
    )
    if record.why_not_next:
        line += f" {_sentence(record.why_not_next)}"
    row = st.container(horizontal=True, vertical_alignment="center")
    if record.can.move_phase:
        form = f"phase-{review['id']}"
        row.button(
            "Move to the next phase",
            key=form,
            icon=":material/arrow_forward:",
            on_click=submit_form,
            args=(
                form,
                lambda: actions.update_review(
                    store,
                    user,
                    review["id"],
                    {"phase": following.value},
                    version=review["version"],
                ),
                [],
                f"The review moved on to its {following} phase.",
            ),
        )
    row.caption(line)


def plan_dates(store: Store, user: User, record: ReviewRecord) -> None:
    """The central office plans the visit, the report and the completion."""
    review = record.review
    form = f"dates-{review['id']}"
    fields = ["visit_starts_on", "visit_ends_on", "report_on", "completes_on"]
    _fill(form, {**{f: review[f] for f in fields}, "version": review["version"]})
    with st.expander("Plan the dates"):
        outcome_messages(form)
        with st.form(form, border=False):
            labels = ["Site visit from", "to", "Report due", "Completes on"]
            for column, field, label in zip(st.columns(4), fields, labels, strict=True):
                column.date_input(label, key=f"{form}:{field}")
            for field in fields:
                field_problem(form, field)
            other_problems(form, fields)
            st.form_submit_button(
                "Save the dates",
                on_click=submit_form,
                args=(
                    form,
                    lambda: actions.update_review(
                        store,
                        user,
                        review["id"],
                        {f: st.session_state.get(f"{form}:{f}") for f in fields},
                        version=int(st.session_state[f"{form}:version"]),
                    ),
                    [*fields, "version"],
                    "The dates were saved.",
                ),
            )


# -- ratings -------------------------------------------------------------------------


def self_reflection(store: Store, user: User, record: ReviewRecord) -> None:
    """The school's own rating of each focus standard: forms while it reflects."""
    if not record.can.self_reflect:
        st.caption(
            "The school records its self-reflection during the self-reflection "
            "phase; the review team reads it before the visit."
        )
        ratings_table(record.self_reflection, "No self-reflection recorded yet.")
        return
    st.caption(
        "Rate each focus standard and say why, before the site visit. The review "
        "team reads it; it can change until the self-reflection phase ends."
    )
    for row in record.self_reflection.itertuples():
        with st.container(border=True):
            _standard(row)
            rating_form(store, user, record, row, RaterKind.SELF_REFLECTION)


def my_ratings(store: Store, user: User, record: ReviewRecord) -> None:
    """A reviewer's own rating of each focus standard, then the submission."""
    if not record.can.rate:
        if record.submitted_on is not None:
            st.success(
                f"You submitted your ratings on {day(record.submitted_on)}. They no "
                f"longer change; the others' submitted ratings are under {TEAM}."
            )
        ratings_table(record.own_ratings, "You recorded no ratings.")
        return
    st.caption(
        "Rate each focus standard on your own. Until you submit, nobody else on "
        "the team reads your ratings, and you read only yours."
    )
    for row in record.own_ratings.itertuples():
        with st.container(border=True):
            _standard(row)
            rating_form(store, user, record, row, RaterKind.REVIEWER)
    for gap in record.rating_gaps.values():
        st.caption(f":orange[{_sentence(gap)}]")
    form = f"submit-{record.review['id']}"
    st.button(
        "Submit my ratings",
        key=form,
        type="primary",
        disabled=bool(record.rating_gaps),
        on_click=submit_form,
        args=(
            form,
            lambda: actions.submit_ratings(store, user, record.review["id"]),
            [],
            "Your ratings were submitted.",
        ),
    )
    st.caption(
        "Once submitted, your ratings no longer change, and you read the other "
        "reviewers' submitted ratings."
    )


def team_ratings(record: ReviewRecord) -> None:
    """The reviewers' ratings this user may read, and the rule for which."""
    st.caption(record.ratings_rule)
    ratings = record.team_ratings
    if ratings.empty:
        st.info("No ratings to show yet.")
        return
    st.dataframe(
        ratings[["code", "standard", "reviewer", "label", "note"]],
        hide_index=True,
        width="stretch",
        height=rows_height(len(ratings)),
        column_config={
            "code": st.column_config.TextColumn("", width=50),
            "standard": "Standard",
            "reviewer": "Reviewer",
            "label": "Rating",
            "note": st.column_config.TextColumn("Note", width="large"),
        },
    )


def ratings_table(ratings: pd.DataFrame, empty: str) -> None:
    """One rating per focus standard, read-only."""
    if ratings["level"].isna().all():
        st.info(empty)
        return
    st.dataframe(
        ratings[["code", "name", "label", "note"]],
        hide_index=True,
        width="stretch",
        height=rows_height(len(ratings)),
        placeholder="not rated",
        column_config={
            "code": st.column_config.TextColumn("", width=50),
            "name": "Standard",
            "label": "Rating",
            "note": st.column_config.TextColumn("Note", width="large"),
        },
    )


_RATING_WORDS = {
    RaterKind.SELF_REFLECTION: ("Our rating", "Save our rating"),
    RaterKind.REVIEWER: ("Your rating", "Save your rating"),
    RaterKind.CONSENSUS: ("Team's consensus", "Save the consensus"),
}


def rating_form(
    store: Store, user: User, record: ReviewRecord, row: Any, kind: RaterKind
) -> None:
    """One rating (level and note) of one standard, by the school, the user as a
    reviewer, or the team's consensus."""
    review_id = record.review["id"]
    form = f"{kind.value}-{review_id}-{row.standard_id}"
    label, button = _RATING_WORDS[kind]
    note = row.note if isinstance(row.note, str) else ""
    _fill(form, {"level": row.level, "note": note, "version": row.version})
    outcome_messages(form)
    with st.form(form, border=False):
        left, right = st.columns([1, 2])
        left.selectbox(
            label,
            list(record.levels),
            format_func=record.levels.get,
            key=f"{form}:level",
            placeholder="Choose a level",
        )
        right.text_area("Note", key=f"{form}:note", max_chars=2000, height=80)
        for field in ("level", "note"):
            field_problem(form, field)
        other_problems(form, ["level", "note"])
        st.form_submit_button(
            button,
            on_click=submit_form,
            args=(
                form,
                lambda: actions.record_rating(
                    store,
                    user,
                    {
                        "review_id": review_id,
                        "standard_id": int(row.standard_id),
                        "rater_kind": kind.value,
                        "level": st.session_state.get(f"{form}:level"),
                        "note": st.session_state.get(f"{form}:note") or "",
                    },
                    version=st.session_state.get(f"{form}:version"),
                ),
                ["level", "note", "version"],
                "Saved.",
            ),
        )


# -- the report ----------------------------------------------------------------------


def report(store: Store, user: User, record: ReviewRecord) -> None:
    """Per focus standard: the consensus and finding (forms for the lead), and
    how strong its evidence is; then, for the lead, the publication."""
    if record.report is None:
        st.info(record.hidden)
        return
    if record.report.empty:
        st.info("No focus standards chosen yet.")
    for row in record.report.itertuples():
        with st.container(border=True):
            _standard(row)
            st.caption(f"Evidence: {row.evidence}")
            if record.can.lead:
                rating_form(store, user, record, row, RaterKind.CONSENSUS)
                finding_form(store, user, record, row)
            else:
                _finding_text(row)
    if record.can.lead:
        publish(store, user, record)


def _finding_text(row: Any) -> None:
    label = row.label if isinstance(row.label, str) else "not rated yet"
    st.markdown(f"Team's consensus: **{plain(label)}**")
    if isinstance(row.note, str) and row.note:
        st.text(row.note)
    strengths, growth = st.columns(2)
    strengths.markdown("**Strengths**")
    strengths.text(row.strengths or "None recorded")
    growth.markdown("**Areas for growth**")
    growth.text(row.areas_for_growth or "None recorded")


def finding_form(store: Store, user: User, record: ReviewRecord, row: Any) -> None:
    """The lead writes the strengths and areas for growth of one standard."""
    review_id = record.review["id"]
    form = f"finding-{review_id}-{row.standard_id}"
    fields = ["strengths", "areas_for_growth"]
    _fill(
        form, {**{f: getattr(row, f) for f in fields}, "version": row.finding_version}
    )
    outcome_messages(form)
    with st.form(form, border=False):
        left, right = st.columns(2)
        left.text_area("Strengths", key=f"{form}:strengths", max_chars=2000)
        right.text_area(
            "Areas for growth", key=f"{form}:areas_for_growth", max_chars=2000
        )
        for field in fields:
            field_problem(form, field)
        other_problems(form, fields)
        st.form_submit_button(
            "Save the finding",
            on_click=submit_form,
            args=(
                form,
                lambda: actions.record_finding(
                    store,
                    user,
                    {
                        "review_id": review_id,
                        "standard_id": int(row.standard_id),
                        **{
                            f: st.session_state.get(f"{form}:{f}") or "" for f in fields
                        },
                    },
                    version=st.session_state.get(f"{form}:version"),
                ),
                [*fields, "version"],
                "The finding was saved.",
            ),
        )


def publish(store: Store, user: User, record: ReviewRecord) -> None:
    """The lead publishes the report once every focus standard is ready."""
    st.subheader("Publish the report")
    if record.report_gaps:
        st.warning(
            "Before the report can be published: "
            + "; ".join(record.report_gaps.values())
            + "."
        )
    if not record.can.publish:
        st.caption("The report is published at the end of the report phase.")
    review = record.review
    form = f"publish-{review['id']}"
    st.button(
        "Publish the report",
        key=form,
        type="primary",
        disabled=bool(record.report_gaps) or not record.can.publish,
        on_click=submit_form,
        args=(
            form,
            lambda: actions.publish_review(
                store, user, review["id"], version=review["version"]
            ),
            [],
            "The report was published: the school now reads it.",
        ),
    )
    st.caption(
        "Publishing shows the consensus ratings and findings to the school and "
        "moves the review on to action planning; they no longer change."
    )


# -- evidence ------------------------------------------------------------------------


def evidence(store: Store, user: User, record: ReviewRecord) -> None:
    """The evidence behind the findings, and the lead's form to add an item."""
    if record.evidence is None:
        st.info(record.hidden)
        return
    if record.evidence.empty:
        st.caption("No evidence recorded yet.")
    else:
        st.dataframe(
            record.evidence,
            hide_index=True,
            width="stretch",
            height=rows_height(len(record.evidence)),
            column_config={
                "code": st.column_config.TextColumn("", width=50),
                "source": "Source",
                "description": st.column_config.TextColumn("What", width="large"),
                "size": st.column_config.TextColumn("Size", width="medium"),
            },
        )
    if record.can.lead:
        evidence_form(store, user, record)


_SIZE_LABELS = {
    "interviews_held": "Interviews held",
    "interviewed_group": "With",
    "classrooms_observed": "Classrooms observed",
    "classrooms_total": "Of how many classrooms",
    "survey_group": "Survey of",
    "survey_respondents": "Respondents",
    "survey_invited": "Invited",
}
_GROUPS = {"interviewed_group": INTERVIEW_GROUPS, "survey_group": SURVEY_GROUPS}


def evidence_form(store: Store, user: User, record: ReviewRecord) -> None:
    """An item of evidence behind a finding: its source, what it is, its size."""
    st.subheader("Add evidence")
    written = record.report.dropna(subset=["finding_id"])
    if written.empty:
        st.info("Write a finding first: evidence is recorded behind a finding.")
        return
    findings = dict(
        zip(
            written["finding_id"].astype(int),
            written["code"] + " " + written["name"],
            strict=True,
        )
    )
    form = f"evidence-{record.review['id']}"
    fields = ["finding_id", "source", "description", *_SIZE_LABELS]
    outcome_messages(form)
    with st.form(form):
        left, right = st.columns([2, 1])
        left.selectbox(
            "Finding on",
            list(findings),
            format_func=findings.get,
            key=f"{form}:finding_id",
        )
        right.selectbox("Source", [s.value for s in Source], key=f"{form}:source")
        st.text_input("What it is", key=f"{form}:description", max_chars=2000)
        st.caption(
            "Its size, for the source chosen: the interviews held and with whom, "
            "the classrooms observed of how many, or a survey's respondents of "
            "those invited."
        )
        for source, columns in zip(
            EVIDENCE_SIZE, st.columns(len(EVIDENCE_SIZE)), strict=True
        ):
            columns.markdown(f"**{source.value.capitalize()}**")
            for field in EVIDENCE_SIZE[source]:
                _size_input(columns, form, field)
        for field in fields:
            field_problem(form, field)
        other_problems(form, fields)
        st.form_submit_button(
            "Add evidence",
            on_click=submit_form,
            args=(
                form,
                lambda: actions.add_evidence(store, user, _evidence_item(form)),
                fields,
                "The evidence was added.",
            ),
        )


def _size_input(column: Any, form: str, field: str) -> None:
    key, label = f"{form}:{field}", _SIZE_LABELS[field]
    if field in _GROUPS:
        column.selectbox(label, _GROUPS[field], key=key, index=None)
    else:
        extra = {} if key in st.session_state else {"value": None}
        column.number_input(label, key=key, min_value=0, step=1, **extra)


def _evidence_item(form: str) -> dict[str, Any]:
    """The form as an evidence item, with only the size of its source."""
    typed = {
        field: st.session_state.get(f"{form}:{field}")
        for field in ("finding_id", "source", "description", *_SIZE_LABELS)
    }
    source = Source(typed["source"])
    return {
        "finding_id": typed["finding_id"],
        "source": source.value,
        "description": typed["description"] or "",
        **{field: typed[field] for field in EVIDENCE_SIZE.get(source, {})},
    }


# -- helpers -------------------------------------------------------------------------


def title(record: ReviewRecord) -> str:
    """'Alder Elementary review, 2026–27', never broken inside the cycle."""
    review = record.review
    cycle = review["cycle"].replace("–", "–\u2060")
    return plain(f"{review['school']} review, {cycle}")


def _sentence(words: str) -> str:
    """Words from the package as a sentence: a capital first, a stop last."""
    return words[:1].upper() + words[1:] + ("" if words.endswith(".") else ".")


def _standard(row: Any) -> None:
    st.markdown(f"**{plain(row.code)}** {plain(row.name)}")


def _fill(form: str, values: dict[str, Any]) -> None:
    """Fill a form from the stored row unless its widgets still hold what was
    typed (they do until a save succeeds)."""
    first = next(iter(values))
    if f"{form}:{first}" in st.session_state:
        return
    for field, value in values.items():
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            value = None
        elif field in ("level", "version"):
            value = int(value)
        st.session_state[f"{form}:{field}"] = value
