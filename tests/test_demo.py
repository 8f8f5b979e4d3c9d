"""The demo district generator, against real DuckDB files in a temporary folder."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from sqr_tracker.demo import build_demo, build_demo_file
from sqr_tracker.errors import DataFileInUse, NotADemoFile
from sqr_tracker.models import Role
from sqr_tracker.store import Store

TODAY = date(2026, 12, 3)
SCHOOLS = 24
TABLES = (
    "networks", "schools", "users", "standards", "rating_levels", "reviews",
    "review_team", "review_focus", "ratings", "findings", "evidence", "measures",
    "measure_values", "goals", "milestones", "action_steps", "check_ins", "comments",
    "support_requests",
)  # fmt: skip
PERSONAS = {
    Role.CENTRAL_OFFICE: "central.office@demo.sqr",
    Role.NETWORK_LEAD: "network.lead@demo.sqr",
    Role.REVIEWER: "reviewer@demo.sqr",
    Role.PRINCIPAL: "principal@demo.sqr",
    Role.SITE_TEAM: "site.team@demo.sqr",
    Role.VIEWER: "viewer@demo.sqr",
}


def _built(path: Path, *, seed: int = 2026, schools: int = SCHOOLS) -> Store:
    store = Store.open(path)
    build_demo(store, schools=schools, seed=seed, today=TODAY)
    return store


def _table(store: Store, table: str) -> pd.DataFrame:
    return store.frame(f"SELECT * FROM {table} ORDER BY ALL")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    store = _built(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    yield store
    store.close()


# -- determinism ------------------------------------------------------------------


def test_same_seed_and_day_give_identical_tables(tmp_path: Path):
    first, second = _built(tmp_path / "a.duckdb"), _built(tmp_path / "b.duckdb")
    try:
        for table in TABLES:
            pd.testing.assert_frame_equal(_table(first, table), _table(second, table))
    finally:
        first.close()
        second.close()


def test_different_seeds_give_different_districts(tmp_path: Path):
    first, second = _built(tmp_path / "a.duckdb"), _built(tmp_path / "b.duckdb", seed=7)
    try:
        for table in ("schools", "users", "reviews", "ratings", "measure_values"):
            assert not _table(first, table).equals(_table(second, table)), table
    finally:
        first.close()
        second.close()


def test_build_returns_the_rows_it_wrote(tmp_path: Path):
    store = Store.open(tmp_path / "demo.duckdb")
    try:
        counts = build_demo(store, schools=SCHOOLS, seed=3, today=TODAY)
        for table in TABLES:
            assert counts[table] == store.value(f"SELECT count(*) FROM {table}")
            assert counts[table] > 0, table
    finally:
        store.close()


def test_meta_marks_the_file_as_a_demo(demo: Store):
    assert demo.is_demo()
    assert demo.meta("demo_seed") == "2026"
    assert demo.meta("demo_today") == "2026-12-03"
    assert demo.meta("demo_schools") == str(SCHOOLS)


# -- district and people ------------------------------------------------------------


def test_every_role_has_users_and_each_persona_is_the_first_of_its_role(demo: Store):
    firsts = dict(demo.rows("SELECT role, min(id) FROM users GROUP BY role"))
    assert set(firsts) == {role.value for role in Role}
    for role, email in PERSONAS.items():
        persona = demo.user_by_email(email)
        assert persona is not None and persona.role == role
        assert persona.id == firsts[role.value]


def test_emails_are_unique_and_lower_case(demo: Store):
    emails = demo.frame("SELECT email FROM users")["email"]
    assert emails.is_unique
    assert (emails == emails.str.lower()).all()


def test_school_roles_and_network_leads_have_their_scope(demo: Store):
    missing = demo.value(
        "SELECT count(*) FROM users WHERE (role IN ('principal', 'site_team') AND "
        "school_id IS NULL) OR (role = 'network_lead' AND network_id IS NULL)"
    )
    assert missing == 0
    wrong_principal = demo.value(
        "SELECT count(*) FROM schools s JOIN users u ON u.id = s.principal_id "
        "WHERE u.role <> 'principal' OR u.school_id <> s.id"
    )
    assert wrong_principal == 0


def test_persona_school_has_three_published_reviews(demo: Store):
    principal = demo.user_by_email(PERSONAS[Role.PRINCIPAL])
    site_team = demo.user_by_email(PERSONAS[Role.SITE_TEAM])
    assert principal.school_id == site_team.school_id
    published = demo.value(
        "SELECT count(*) FROM reviews WHERE school_id = ? AND published_on IS NOT NULL",
        [principal.school_id],
    )
    assert published == 3


def test_persona_reviewer_leads_a_current_cycle_review(demo: Store):
    reviewer = demo.user_by_email(PERSONAS[Role.REVIEWER])
    reviews = demo.reviews_for_reviewer(reviewer.id)
    assert len(reviews) >= 3
    led_now = reviews[
        (reviews.team_role == "lead reviewer") & (reviews.cycle_year == 2026)
    ]
    assert not led_now.empty


def test_levels_and_context_are_realistic(demo: Store):
    schools = demo.frame("SELECT * FROM schools")
    assert set(schools.level) == {"elementary", "middle", "high"}
    for column in ("pct_low_income", "pct_english_learners", "pct_disabilities"):
        assert schools[column].between(0, 1).all()
    assert schools.enrollment.min() > 0


# -- reviews ------------------------------------------------------------------------


def test_reviews_of_a_school_are_three_years_apart(demo: Store):
    gaps = demo.frame(
        "SELECT cycle_year - lag(cycle_year) OVER (PARTITION BY school_id "
        "ORDER BY cycle_year) AS gap FROM reviews QUALIFY gap IS NOT NULL"
    )
    assert set(gaps.gap) == {3}
    assert demo.value("SELECT count(*) FROM reviews") == 3 * SCHOOLS


def test_current_cycle_spans_several_phases_in_december(demo: Store):
    phases = set(demo.reviews_by_phase(2026).phase)
    assert {"self-reflection", "site visit", "report"} <= phases
    assert set(demo.reviews_by_phase(2025).phase) == {"action planning"}
    assert set(demo.reviews_by_phase(2024).phase) == {"complete"}


def test_published_exactly_when_the_report_date_has_passed(demo: Store):
    wrong = demo.value(
        "SELECT count(*) FROM reviews WHERE (published_on IS NOT NULL) <> "
        "(report_on <= DATE '2026-12-03') OR published_on <> report_on"
    )
    assert wrong == 0


def test_reviews_past_self_reflection_rate_every_focus_standard(demo: Store):
    missing = demo.frame(
        """
        SELECT r.id, f.standard_id, k.kind
        FROM reviews r
        JOIN review_focus f ON f.review_id = r.id
        CROSS JOIN (VALUES ('self-reflection'), ('reviewer'), ('consensus')) k(kind)
        WHERE r.phase <> 'self-reflection'
          AND (k.kind <> 'consensus' OR r.published_on IS NOT NULL)
          AND NOT EXISTS (
              SELECT 1 FROM ratings x WHERE x.review_id = r.id
              AND x.standard_id = f.standard_id AND x.rater_kind = k.kind)
        """
    )
    assert missing.empty


def test_each_team_member_rates_each_focus_standard_near_consensus(demo: Store):
    ratings = demo.frame(
        """
        SELECT t.review_id, t.user_id, f.standard_id, x.level, c.level AS consensus
        FROM review_team t
        JOIN reviews r ON r.id = t.review_id AND r.phase <> 'self-reflection'
        JOIN review_focus f ON f.review_id = t.review_id
        LEFT JOIN ratings x ON x.review_id = t.review_id AND x.rater_id = t.user_id
             AND x.standard_id = f.standard_id AND x.rater_kind = 'reviewer'
        LEFT JOIN ratings c ON c.review_id = t.review_id
             AND c.standard_id = f.standard_id AND c.rater_kind = 'consensus'
        """
    )
    assert ratings.level.notna().all()
    rated = ratings.dropna(subset=["consensus"])
    assert ((rated.level - rated.consensus).abs() <= 1).all()


def test_each_review_has_a_lead_on_its_team_and_three_focus_standards(demo: Store):
    teams = demo.frame(
        """
        SELECT r.id, count(*) AS members,
               count(*) FILTER (t.team_role = 'lead' AND t.user_id = r.lead_reviewer_id)
                   AS leads,
               (SELECT count(*) FROM review_focus f WHERE f.review_id = r.id) AS focus
        FROM reviews r JOIN review_team t ON t.review_id = r.id GROUP BY r.id
        """
    )
    assert len(teams) == 3 * SCHOOLS
    assert teams.members.between(2, 3).all()
    assert (teams.leads == 1).all() and (teams.focus == 3).all()


def test_reviewers_never_review_their_own_school(demo: Store):
    own = demo.value(
        "SELECT count(*) FROM review_team t JOIN users u ON u.id = t.user_id "
        "JOIN reviews r ON r.id = t.review_id WHERE u.school_id = r.school_id"
    )
    assert own == 0
    assert demo.value("SELECT count(school_id) FROM users WHERE role = 'reviewer'") > 0


def test_findings_and_their_evidence(demo: Store):
    findings = demo.frame(
        """
        SELECT f.id, f.strengths, f.areas_for_growth, count(e.id) AS items
        FROM findings f JOIN evidence e ON e.finding_id = f.id GROUP BY ALL
        """
    )
    assert len(findings) == demo.value("SELECT count(*) FROM findings")
    assert findings["items"].between(2, 5).all()
    assert (findings.strengths != "").all() and (findings.areas_for_growth != "").all()


def test_evidence_sizes_fit_their_source(demo: Store):
    evidence = demo.frame("SELECT * FROM evidence")
    surveys = evidence[evidence.source == "survey"]
    assert (surveys.survey_respondents <= surveys.survey_invited).all()
    rates = surveys.survey_respondents / surveys.survey_invited
    assert (rates[surveys.survey_group == "families"] < 0.1).any()
    observed = evidence[evidence.source == "observation"]
    assert (observed.classrooms_observed <= observed.classrooms_total).all()
    interviews = evidence[evidence.source == "interview"]
    assert interviews.interviewed_group.notna().all()
    assert evidence[evidence.source == "document"].survey_invited.isna().all()


# -- measures -----------------------------------------------------------------------


def test_group_sizes_are_positive_and_some_groups_are_small(demo: Store):
    sizes = demo.frame("SELECT group_size FROM measure_values").group_size
    assert sizes.min() >= 1
    assert (sizes < 10).any()


def test_measure_values_are_percentages_over_the_right_periods(demo: Store):
    periods = demo.frame(
        """
        SELECT m.frequency, min(v.value) AS low, max(v.value) AS high,
               count(DISTINCT v.period) AS periods,
               count(*) FILTER (month(v.period) = 7) AS july
        FROM measure_values v JOIN measures m ON m.id = v.measure_id
        GROUP BY m.frequency
        """
    ).set_index("frequency")
    assert periods.low.min() >= 0 and periods.high.max() <= 100
    assert periods.loc["yearly", "periods"] == 9
    assert periods.loc["monthly", "periods"] == 33
    assert periods.loc["monthly", "july"] == 0


# -- plans ---------------------------------------------------------------------------


def test_open_goals_come_from_the_latest_published_review(demo: Store):
    goals = demo.frame(
        """
        SELECT g.school_id, count(*) AS goals, count(*) FILTER (g.is_focus) AS focus,
               bool_and(g.review_id = latest.id) AS from_latest,
               bool_and(u.role = 'site_team' AND u.school_id = g.school_id) AS by_site
        FROM goals g
        JOIN users u ON u.id = g.created_by
        JOIN (SELECT school_id, id FROM reviews WHERE published_on IS NOT NULL
              QUALIFY row_number() OVER (PARTITION BY school_id
                                         ORDER BY cycle_year DESC) = 1) latest
             ON latest.school_id = g.school_id
        WHERE g.status = 'open'
        GROUP BY g.school_id
        """
    )
    assert len(goals) == SCHOOLS
    assert goals.goals.between(2, 5).all() and goals.focus.between(1, 4).all()
    assert goals.from_latest.all() and goals.by_site.all()
    assert demo.value("SELECT count(*) FROM goals WHERE status = 'closed'") > 0


def test_goal_targets_improve_on_the_baseline(demo: Store):
    goals = demo.frame(
        "SELECT g.baseline, g.target, m.higher_is_better FROM goals g "
        "JOIN measures m ON m.id = g.measure_id"
    )
    direction = goals.higher_is_better.map({True: 1, False: -1})
    gain = (goals.target - goals.baseline) * direction
    assert (gain >= 0).all() and (gain > 0).mean() > 0.95


def test_action_steps_end_after_they_start(demo: Store):
    steps = demo.frame("SELECT starts_on, due_on, status FROM action_steps")
    assert (steps.due_on >= steps.starts_on).all()
    assert set(steps.status) <= {"not started", "in progress", "done", "blocked"}
    future = steps[steps.starts_on > pd.Timestamp(TODAY)]
    assert (future.status == "not started").all()


def test_check_ins_fall_inside_their_action_steps_life(demo: Store):
    outside = demo.value(
        """
        SELECT count(*) FROM check_ins c JOIN action_steps a ON a.id = c.action_step_id
        WHERE c.written_on::DATE < a.starts_on
           OR c.written_on::DATE > least(a.due_on, DATE '2026-12-03')
        """
    )
    assert outside == 0
    assert demo.value("SELECT count(*) FROM check_ins WHERE action_step_id > 0") > 0


def test_goal_check_ins_carry_a_value_and_follow_the_goal(demo: Store):
    wrong = demo.value(
        """
        SELECT count(*) FROM check_ins c JOIN goals g ON g.id = c.goal_id
        WHERE c.measure_value IS NULL OR c.action_step_id IS NOT NULL
           OR c.written_on < g.created_on OR c.written_on::DATE > DATE '2026-12-03'
           OR c.school_id <> g.school_id
        """
    )
    assert wrong == 0


def test_check_ins_are_written_by_the_schools_own_team(demo: Store):
    strangers = demo.value(
        "SELECT count(*) FROM check_ins c JOIN users u ON u.id = c.written_by "
        "WHERE u.school_id <> c.school_id OR u.role NOT IN ('principal', 'site_team')"
    )
    assert strangers == 0


def test_some_schools_stopped_updating_their_plan(demo: Store):
    plans = demo.plan_overview(None, TODAY)
    days_ago = (pd.Timestamp(TODAY) - pd.to_datetime(plans.last_check_in)).dt.days
    assert (days_ago <= 31).sum() > SCHOOLS / 2
    assert (days_ago > 60).any() or plans.last_check_in.isna().any()


# -- the data file --------------------------------------------------------------------


def test_build_demo_file_refuses_a_file_that_is_not_a_demo(tmp_path: Path):
    path = tmp_path / "real.duckdb"
    store = Store.open(path)
    store.checkpoint()
    store.close()
    before = _digest(path)
    with pytest.raises(NotADemoFile, match="--force") as refused:
        build_demo_file(path, schools=SCHOOLS, today=TODAY)
    assert str(path) in str(refused.value)
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["real.duckdb"]


def test_build_demo_file_with_force_replaces_a_file_that_is_not_a_demo(tmp_path: Path):
    path = tmp_path / "real.duckdb"
    path.write_text("not a database")
    build_demo_file(path, schools=SCHOOLS, today=TODAY, force=True)
    store = Store.open(path)
    try:
        assert store.is_demo()
    finally:
        store.close()


def test_build_demo_file_overwrites_a_demo_file(tmp_path: Path):
    path = tmp_path / "demo.duckdb"
    build_demo_file(path, schools=SCHOOLS, seed=1, today=TODAY)
    counts = build_demo_file(path, schools=12, seed=2, today=TODAY)
    store = Store.open(path)
    try:
        assert store.meta("demo_seed") == "2"
        assert store.value("SELECT count(*) FROM schools") == counts["schools"] == 12
    finally:
        store.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.duckdb"]


def test_build_demo_file_refuses_a_file_open_in_another_program(tmp_path: Path):
    path = tmp_path / "demo.duckdb"
    build_demo_file(path, schools=SCHOOLS, today=TODAY)
    hold = "import duckdb, sys, time; held = duckdb.connect(sys.argv[1]); "
    hold += "print('open', flush=True); time.sleep(60)"
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(DataFileInUse):
            build_demo_file(path, schools=SCHOOLS, today=TODAY)
    finally:
        holder.kill()
        holder.wait()


def test_two_thousand_schools_build_whole(tmp_path: Path):
    """The vectorised build at a larger size (its speed is in benchmarks/)."""
    counts = build_demo_file(tmp_path / "state.duckdb", schools=2000, today=TODAY)
    assert counts["schools"] == 2000 and counts["reviews"] == 6000
    assert counts["measure_values"] > 1_000_000


def test_build_demo_file_refuses_a_file_this_program_holds_open(tmp_path: Path):
    path = tmp_path / "demo.duckdb"
    build_demo_file(path, schools=SCHOOLS, today=TODAY)
    held = Store.open(path)
    try:
        schools = held.value("SELECT count(*) FROM schools")
        with pytest.raises(DataFileInUse, match="open in this program"):
            build_demo_file(path, schools=SCHOOLS + 1, today=TODAY)
        assert held.value("SELECT count(*) FROM schools") == schools
    finally:
        held.close()
