"""The questions pages ask again on every rerun, cached per user: those that
read across many schools, one school's pages, and the charts drawn from them.

Each is the package's own function wrapped by :func:`caching.cached_for_user`:
one answer per data file, data version and what the user may see (their role,
school, network and whether active; who they are, for a reviewer and for an
answer that marks the user's own rows), so a rerun of a page that changed
nothing is answered from memory and any write is seen on the next read. The
command line and the tests call the functions themselves, uncached.
"""

from __future__ import annotations

from datetime import date

from sqr_tracker import calibration as _calibration
from sqr_tracker import calibration_views as _calibration_views
from sqr_tracker import compliance as _compliance
from sqr_tracker import desk_views as _desk_views
from sqr_tracker import district_views as _district_views
from sqr_tracker import evidence as _evidence
from sqr_tracker import exemplar_views as _exemplar_views
from sqr_tracker import exemplars as _exemplars
from sqr_tracker import growth as _growth
from sqr_tracker import growth_views as _growth_views
from sqr_tracker import home as _home
from sqr_tracker import needs_support as _needs_support
from sqr_tracker import plans as _plans
from sqr_tracker import review_calendar as _review_calendar
from sqr_tracker import reviews as _reviews
from sqr_tracker import support_desk as _support_desk
from sqr_tracker import support_views as _support_views
from sqr_tracker import validity as _validity
from sqr_tracker import views as _views
from sqr_tracker.caching import cached_for_user
from sqr_tracker.models import User
from sqr_tracker.store import Store

needs_support = cached_for_user(_needs_support.needs_support)


def _support_list(
    store: Store,
    user: User | None,
    today: date,
    network_id: int | None,
    tiers: tuple[str, ...],
):
    """Needs support's table of the tiers chosen, from the cached answer."""
    found = needs_support(store, user, today, network_id=network_id)
    return _support_views.listed(found.schools, tiers)


needs_support_list = cached_for_user(_support_list)
heatmap = cached_for_user(_needs_support.heatmap)
heatmap_evidence = cached_for_user(_needs_support.heatmap_evidence)
calibration = cached_for_user(_calibration.calibration)
compliance = cached_for_user(_compliance.compliance)


def _nudge_rows(
    store: Store, user: User | None, month: date, today: date, network_id: int | None
):
    """Monthly updates' schools not checked in, as listed, from the answer."""
    found = compliance(store, user, month, today, network_id=network_id)
    return _district_views.nudge_rows(found)


def _full_rows(
    store: Store, user: User | None, month: date, today: date, network_id: int | None
):
    """Monthly updates' every school, as listed, from the cached answer."""
    found = compliance(store, user, month, today, network_id=network_id)
    return _district_views.full_rows(found)


nudge_rows = cached_for_user(_nudge_rows)
full_rows = cached_for_user(_full_rows)
validity_readings = cached_for_user(_validity.readings)


def _relation(store: Store, user: User | None, standard_id: int, measure_id: int):
    """A standard beside a measure, from the ratings and outcomes read once."""
    read = validity_readings(store, user)
    return _validity.relation_of(store, read, standard_id, measure_id)


def _matrix(store: Store, user: User | None):
    """Every standard against every measure, from the same readings."""
    return _validity.matrix_of(store, validity_readings(store, user))


# The chosen pair and the matrix rest on the same readings: read once.
ratings_and_outcomes = cached_for_user(_relation)
trust_matrix = cached_for_user(_matrix)


def _relation_chart(store: Store, user: User | None, standard_id: int, measure_id: int):
    """The chosen pair's chart, laid out once: a point for each school of a
    state is thousands."""
    relation = ratings_and_outcomes(store, user, standard_id, measure_id)
    return _views.laid_out(_desk_views.relation_figure(relation))


def _matrix_cells(store: Store, user: User | None):
    """The matrix as the page shows it, and each cell's agreement (its colour)."""
    matrix = trust_matrix(store, user)
    return _validity.matrix_table(matrix), _validity.matrix_agreement(matrix)


relation_chart = cached_for_user(_relation_chart)
matrix_cells = cached_for_user(_matrix_cells)
self_team_disagreement = cached_for_user(_validity.self_team_disagreement)
district_self_gap = cached_for_user(_evidence.district_self_gap)
find_exemplars = cached_for_user(_exemplars.find_exemplars)


def _shown_exemplars(
    store: Store, user: User | None, school_id: int, standard_id: int, today: date
):
    """The exemplars as cards and a list, from the cached answer."""
    found = find_exemplars(store, user, school_id, standard_id, today)
    return _exemplar_views.shown(found)


shown_exemplars = cached_for_user(_shown_exemplars)
district_view = cached_for_user(_exemplars.district_view)
working_on_the_same = cached_for_user(_exemplars.working_on_the_same)
peer_requests = cached_for_user(_exemplars.peer_requests)
# What the exemplars page asks again on every rerun, whichever tab is read.
standard_choices = cached_for_user(_exemplars.standard_choices)
weakest_focus_standard = cached_for_user(_exemplars.weakest_focus_standard)
goals_on = cached_for_user(_exemplars.goals_on)
district_numbers = cached_for_user(_home.district_numbers)
network_overview = cached_for_user(_home.network_overview)
due_years = cached_for_user(_review_calendar.due_years)
cycle_reviews = cached_for_user(_review_calendar.cycle_reviews)
workload = cached_for_user(_review_calendar.workload)
conflicts = cached_for_user(_review_calendar.conflicts)


def _due_list(store: Store, user: User | None, year: int, statuses: tuple[str, ...]):
    """The schools due of the statuses chosen, as listed, from the answer."""
    return _district_views.due_list(due_years(store, user, year), statuses)


def _review_list(store: Store, user: User | None, year: int, today: date):
    """The cycle's reviews, as listed, from the cached answer."""
    return _district_views.review_list(cycle_reviews(store, user, year, today))


def _workload_list(store: Store, user: User | None, year: int):
    """Each reviewer's reviews, as listed, from the cached answer."""
    return _district_views.workload_list(workload(store, user, year))


due_list = cached_for_user(_due_list)
review_list = cached_for_user(_review_list)
workload_list = cached_for_user(_workload_list)


def _cycle_phases(store: Store, user: User | None, year: int, today: date):
    """A cycle's reviews counted by phase, from the cached reviews."""
    return _review_calendar.phase_counts(cycle_reviews(store, user, year, today))


def _phase_chart(store: Store, user: User | None, year: int, today: date):
    """The same counts as a chart."""
    phases = cycle_phases(store, user, year, today)
    return _views.laid_out(_district_views.phase_chart(phases))


def _district_levels_chart(store: Store, user: User | None, today: date):
    """The latest consensus ratings by standard, from the cached figures."""
    numbers = district_numbers(store, user, today)
    return _views.laid_out(
        _views.level_chart(numbers.consensus_counts, numbers.rating_scale)
    )


def _exemplars_chart(store: Store, user: User | None):
    """Struggling schools beside exemplars, from the cached district view."""
    return _views.laid_out(_exemplar_views.district_figure(district_view(store, user)))


# Counts and charts a central office page draws on every rerun, made once.
cycle_phases = cached_for_user(_cycle_phases)
phase_chart = cached_for_user(_phase_chart)
district_levels_chart = cached_for_user(_district_levels_chart)
exemplars_chart = cached_for_user(_exemplars_chart)

open_requests = cached_for_user(_support_desk.open_requests)
request_to_answer = cached_for_user(_support_desk.request_to_answer)
answer_times = cached_for_user(_support_desk.answer_times)

# The choosers of a school or a review: at state scale, ten thousand schools and
# thirty thousand reviews.
followed_schools = cached_for_user(_plans.followed_schools)
summary_choices = cached_for_user(_home.summary_choices)
review_choices = cached_for_user(_reviews.review_choices)

# One school's pages: what a rerun of "Our school", "Our plan", "Our growth",
# "Review" and "School summaries" asks again when nothing was written.
school_glance = cached_for_user(_home.school_glance)
school_plan = cached_for_user(_plans.school_plan)
goal_timeline = cached_for_user(_plans.goal_timeline)
growth_across_reviews = cached_for_user(_growth.growth_across_reviews)
this_years_work = cached_for_user(_growth.this_years_work)
status_and_change = cached_for_user(_growth.status_and_change)
measure_choices = cached_for_user(_growth.measure_choices)
measure_story = cached_for_user(_growth.measure_story)
public_story = cached_for_user(_growth.public_story)
school_evidence = cached_for_user(_evidence.school_evidence)
school_self_gap = cached_for_user(_evidence.school_self_gap)
# A review's record marks the ratings the user gave themselves.
review_record = cached_for_user(_reviews.review_record, per_person=True)


def _run_chart(store: Store, user: User | None, school_id: int, measure_id: int):
    """A measure's run chart, drawn from its cached story."""
    story = measure_story(store, user, school_id, measure_id)
    return _views.laid_out(_growth_views.run_chart_figure(story))


def _status_grid(store: Store, user: User | None, school_id: int, today: date):
    """The status and change grid, drawn from the cached placing."""
    placed = status_and_change(store, user, school_id, today)
    return _views.laid_out(_growth_views.grid_figure(placed))


def _self_gap_table(store: Store, user: User | None, school_id: int):
    """The school's self vs team gaps as the page's table (a pivot of every
    review's words), from the cached gaps."""
    return _evidence.gap_table(school_self_gap(store, user, school_id))


self_gap_table = cached_for_user(_self_gap_table)


def _growth_lines(store: Store, user: User | None, school_id: int):
    """The consensus levels across reviews, drawn from the cached growth."""
    return _growth_views.growth_lines(growth_across_reviews(store, user, school_id))


# Laying out a chart costs more than reading it back: a rerun reuses the figure,
# kept as plotly laid it out (a plotly figure read back is checked afresh,
# property by property; ``views.chart`` shows it as it is).
run_chart = cached_for_user(_run_chart)
status_grid = cached_for_user(_status_grid)
growth_lines = cached_for_user(_growth_lines)


def _desk_figures(store: Store, user: User | None, today: date) -> dict:
    """The support desk's three figures, from the cached open list (keyed on the
    day, not on the list: a frame is no key)."""
    requests = open_requests(store, user, today)
    return _support_desk.desk_figures(store, user, requests)


def _answer_choices(store: Store, user: User | None, today: date) -> dict[int, str]:
    """The answer form's choices, labelled from the cached open list."""
    return _support_desk.answer_choices(open_requests(store, user, today))


def _open_list(store: Store, user: User | None, today: date):
    """The open requests as the page lists them, from the cached open list."""
    return _views.listed(open_requests(store, user, today))


desk_figures = cached_for_user(_desk_figures)
answer_choices = cached_for_user(_answer_choices)
open_list = cached_for_user(_open_list)


def _calibration_chart(store: Store, user: User | None):
    """Agreement across every cycle as a chart, drawn from the cached answer."""
    return _views.laid_out(
        _calibration_views.movement_chart(calibration(store, user, None))
    )


calibration_chart = cached_for_user(_calibration_chart)


def _calibration_movement(store: Store, user: User | None, by: str, figure: str):
    """One figure per reviewer or standard and cycle (``movement``), from the
    cached answer: ten thousand cells at state scale, laid out once."""
    found = calibration(store, user, None)
    table = found.reviewer_cycles if by == "reviewer" else found.standard_cycles
    return _calibration.movement(table, by, figure)


calibration_movement = cached_for_user(_calibration_movement)
