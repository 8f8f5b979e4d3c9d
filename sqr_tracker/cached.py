"""The questions pages ask that read across many schools, cached per user.

Each is the package's own function wrapped by :func:`caching.cached_for_user`:
one answer per data file, user (id, role, school, network, active) and data
version, so a rerun of a page that changed nothing is answered from memory and
any write is seen on the next read. The command line and the tests call the
functions themselves, uncached.
"""

from __future__ import annotations

from sqr_tracker import calibration as _calibration
from sqr_tracker import compliance as _compliance
from sqr_tracker import evidence as _evidence
from sqr_tracker import exemplars as _exemplars
from sqr_tracker import home as _home
from sqr_tracker import needs_support as _needs_support
from sqr_tracker import review_calendar as _review_calendar
from sqr_tracker import support_desk as _support_desk
from sqr_tracker import validity as _validity
from sqr_tracker.caching import cached_for_user

needs_support = cached_for_user(_needs_support.needs_support)
heatmap = cached_for_user(_needs_support.heatmap)
heatmap_evidence = cached_for_user(_needs_support.heatmap_evidence)
calibration = cached_for_user(_calibration.calibration)
compliance = cached_for_user(_compliance.compliance)
ratings_and_outcomes = cached_for_user(_validity.ratings_and_outcomes)
trust_matrix = cached_for_user(_validity.trust_matrix)
self_team_disagreement = cached_for_user(_validity.self_team_disagreement)
district_self_gap = cached_for_user(_evidence.district_self_gap)
find_exemplars = cached_for_user(_exemplars.find_exemplars)
district_view = cached_for_user(_exemplars.district_view)
working_on_the_same = cached_for_user(_exemplars.working_on_the_same)
district_numbers = cached_for_user(_home.district_numbers)
network_overview = cached_for_user(_home.network_overview)
due_years = cached_for_user(_review_calendar.due_years)
cycle_reviews = cached_for_user(_review_calendar.cycle_reviews)
workload = cached_for_user(_review_calendar.workload)
conflicts = cached_for_user(_review_calendar.conflicts)
open_requests = cached_for_user(_support_desk.open_requests)
desk_figures = cached_for_user(_support_desk.desk_figures)
answer_times = cached_for_user(_support_desk.answer_times)
