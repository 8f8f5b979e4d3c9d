"""Our plan: the school's goals, milestones and action steps, kept current monthly."""

from datetime import date

import streamlit as st

from sqr_tracker import cached, home, plan_forms, plan_views, session, views
from sqr_tracker.auth import Action, allowed
from sqr_tracker.models import SCHOOL_ROLES
from sqr_tracker.plan_deletes import undo_notice

store, user = session.require_page(__file__)
today = date.today()
st.title("Our plan" if user.role in SCHOOL_ROLES else "School plans")
school_id = plan_views.school_choice(store, user)
plan = cached.school_plan(store, user, school_id, today)
can_edit = allowed(store, user, Action.EDIT_PLAN, school_id=school_id)

school = store.schools([school_id]).iloc[0].to_dict()
st.caption(views.plain(f"{school['name']} · {home.school_line(school)}"))
plan_views.plan_summary(plan)
if can_edit:
    undo_notice(store, user)

names = ["This month's check-in", "Goals", "Change the plan", "Calendar",
         "Latest review", "Support", "History"]  # fmt: skip
# Each tab holds forms for every goal: built once opened (see views.lazy_tabs).
(check_in, goals, change, calendar, review, support, history), shown = zip(
    *views.lazy_tabs(names, "plan:tab", school_id), strict=True
)
if shown[0]:
    with check_in:
        plan_views.check_in_editor(store, user, school_id, plan.due(today), can_edit)
if shown[1]:
    with goals:
        plan_views.plan_by_standard(store, user, plan, can_edit)
if shown[2]:
    with change:
        if can_edit:
            plan_views.change_the_plan(store, user, plan)
        else:
            st.info("Only the school's site team and principal change its plan.")
if shown[3]:
    with calendar:
        plan_views.planning_calendar(plan.calendar(today), plan.late_steps())
if shown[4]:
    with review:
        views.review_glance(cached.school_glance(store, user, school_id, today))
if shown[5]:
    with support:
        plan_views.support_requests(plan.support)
        if allowed(store, user, Action.REQUEST_SUPPORT, school_id=school_id):
            st.subheader("Ask for support")
            plan_forms.support_form(store, user, school_id, plan.support_subjects())
if shown[6] and not plan.goals.empty:
    with history:
        goal_names = dict(zip(plan.goals["id"], plan.goals["statement"], strict=True))
        chosen = st.selectbox(
            "Goal", list(goal_names), format_func=goal_names.get, key="history"
        )
        plan_views.timeline(cached.goal_timeline(store, user, school_id, chosen))
