"""The data file's schema as an ordered list of migrations.

Each migration moves the file from one schema version to the next. A file is
upgraded in place by running, in one transaction, every migration above its
recorded version. Migrations are append-only: once released, one is never edited.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    summary: str
    statements: tuple[str, ...]


# Columns every editable row carries: a version for lost-update checks, and who
# last changed it and when (shown in the refusal message on a stale save).
_EDITABLE = """
    version INTEGER NOT NULL DEFAULT 1,
    updated_by INTEGER,
    updated_on TIMESTAMP
"""

_V1 = (
    """CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
    f"""CREATE TABLE standards (
        id INTEGER PRIMARY KEY,
        code VARCHAR NOT NULL UNIQUE,
        name VARCHAR NOT NULL,
        description VARCHAR NOT NULL DEFAULT '',
        sort_order INTEGER NOT NULL,
        parent_id INTEGER,
        {_EDITABLE})""",
    f"""CREATE TABLE rating_levels (
        level INTEGER PRIMARY KEY,
        label VARCHAR NOT NULL UNIQUE,
        description VARCHAR NOT NULL DEFAULT '',
        {_EDITABLE})""",
    f"""CREATE TABLE networks (
        id INTEGER PRIMARY KEY,
        name VARCHAR NOT NULL UNIQUE,
        {_EDITABLE})""",
    f"""CREATE TABLE schools (
        id INTEGER PRIMARY KEY,
        name VARCHAR NOT NULL,
        level VARCHAR NOT NULL,
        network_id INTEGER NOT NULL,
        enrollment INTEGER NOT NULL,
        pct_low_income DOUBLE NOT NULL,
        pct_english_learners DOUBLE NOT NULL,
        pct_disabilities DOUBLE NOT NULL,
        principal_id INTEGER,
        {_EDITABLE})""",
    f"""CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        email VARCHAR NOT NULL UNIQUE,
        name VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        school_id INTEGER,
        network_id INTEGER,
        active BOOLEAN NOT NULL DEFAULT TRUE,
        {_EDITABLE})""",
    f"""CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        school_id INTEGER NOT NULL,
        cycle_year INTEGER NOT NULL,
        phase VARCHAR NOT NULL,
        starts_on DATE NOT NULL,
        visit_starts_on DATE,
        visit_ends_on DATE,
        report_on DATE,
        completes_on DATE,
        published_on DATE,
        lead_reviewer_id INTEGER,
        {_EDITABLE})""",
    """CREATE TABLE review_team (
        review_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        team_role VARCHAR NOT NULL,
        PRIMARY KEY (review_id, user_id))""",
    """CREATE TABLE review_focus (
        review_id INTEGER NOT NULL,
        standard_id INTEGER NOT NULL,
        PRIMARY KEY (review_id, standard_id))""",
    f"""CREATE TABLE ratings (
        id INTEGER PRIMARY KEY,
        review_id INTEGER NOT NULL,
        standard_id INTEGER NOT NULL,
        rater_kind VARCHAR NOT NULL,
        rater_id INTEGER,
        level INTEGER NOT NULL,
        note VARCHAR NOT NULL DEFAULT '',
        {_EDITABLE})""",
    f"""CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        review_id INTEGER NOT NULL,
        standard_id INTEGER NOT NULL,
        strengths VARCHAR NOT NULL DEFAULT '',
        areas_for_growth VARCHAR NOT NULL DEFAULT '',
        {_EDITABLE})""",
    f"""CREATE TABLE evidence (
        id INTEGER PRIMARY KEY,
        finding_id INTEGER NOT NULL,
        source VARCHAR NOT NULL,
        description VARCHAR NOT NULL DEFAULT '',
        interviews_held INTEGER,
        interviewed_group VARCHAR,
        classrooms_observed INTEGER,
        classrooms_total INTEGER,
        survey_group VARCHAR,
        survey_respondents INTEGER,
        survey_invited INTEGER,
        {_EDITABLE})""",
    """CREATE TABLE measures (
        id INTEGER PRIMARY KEY,
        code VARCHAR NOT NULL UNIQUE,
        name VARCHAR NOT NULL,
        unit VARCHAR NOT NULL,
        higher_is_better BOOLEAN NOT NULL,
        frequency VARCHAR NOT NULL)""",
    """CREATE TABLE measure_values (
        school_id INTEGER NOT NULL,
        measure_id INTEGER NOT NULL,
        period DATE NOT NULL,
        student_group VARCHAR NOT NULL,
        value DOUBLE NOT NULL,
        group_size INTEGER NOT NULL)""",
    f"""CREATE TABLE goals (
        id INTEGER PRIMARY KEY,
        school_id INTEGER NOT NULL,
        standard_id INTEGER NOT NULL,
        review_id INTEGER,
        statement VARCHAR NOT NULL,
        measure_id INTEGER,
        baseline DOUBLE,
        target DOUBLE,
        target_date DATE,
        is_focus BOOLEAN NOT NULL DEFAULT FALSE,
        site_plan_ref VARCHAR NOT NULL DEFAULT '',
        status VARCHAR NOT NULL DEFAULT 'open',
        created_by INTEGER,
        created_on TIMESTAMP,
        {_EDITABLE})""",
    f"""CREATE TABLE milestones (
        id INTEGER PRIMARY KEY,
        goal_id INTEGER NOT NULL,
        description VARCHAR NOT NULL,
        due_on DATE NOT NULL,
        met_on DATE,
        status VARCHAR NOT NULL DEFAULT 'open',
        {_EDITABLE})""",
    f"""CREATE TABLE action_steps (
        id INTEGER PRIMARY KEY,
        goal_id INTEGER NOT NULL,
        description VARCHAR NOT NULL,
        owner VARCHAR NOT NULL,
        starts_on DATE NOT NULL,
        due_on DATE NOT NULL,
        status VARCHAR NOT NULL DEFAULT 'not started',
        {_EDITABLE})""",
    """CREATE TABLE check_ins (
        id INTEGER PRIMARY KEY,
        school_id INTEGER NOT NULL,
        goal_id INTEGER,
        action_step_id INTEGER,
        status VARCHAR NOT NULL,
        note VARCHAR NOT NULL DEFAULT '',
        measure_value DOUBLE,
        written_by INTEGER NOT NULL,
        written_on TIMESTAMP NOT NULL)""",
    f"""CREATE TABLE comments (
        id INTEGER PRIMARY KEY,
        school_id INTEGER NOT NULL,
        goal_id INTEGER,
        action_step_id INTEGER,
        author_id INTEGER NOT NULL,
        body VARCHAR NOT NULL,
        written_on TIMESTAMP NOT NULL,
        {_EDITABLE})""",
    f"""CREATE TABLE support_requests (
        id INTEGER PRIMARY KEY,
        school_id INTEGER NOT NULL,
        goal_id INTEGER,
        action_step_id INTEGER,
        need VARCHAR NOT NULL,
        needed_by DATE,
        requested_by INTEGER NOT NULL,
        requested_on TIMESTAMP NOT NULL,
        status VARCHAR NOT NULL DEFAULT 'open',
        answer VARCHAR NOT NULL DEFAULT '',
        answered_by INTEGER,
        answered_on TIMESTAMP,
        {_EDITABLE})""",
    """CREATE TABLE history (
        id BIGINT PRIMARY KEY,
        changed_on TIMESTAMP NOT NULL,
        user_id INTEGER,
        user_email VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        entity VARCHAR NOT NULL,
        entity_id INTEGER NOT NULL,
        school_id INTEGER,
        before VARCHAR,
        after VARCHAR)""",
)

_V2 = (
    # District settings: thresholds and recommendations a district may change.
    f"""CREATE TABLE settings (
        key VARCHAR PRIMARY KEY,
        value VARCHAR NOT NULL,
        {_EDITABLE})""",
    """CREATE INDEX history_entity ON history (entity, entity_id)""",
    """CREATE INDEX check_ins_school ON check_ins (school_id, written_on)""",
)

_V3 = (
    # The district's planning calendar: dates a school site plan must meet.
    f"""CREATE TABLE planning_deadlines (
        id INTEGER PRIMARY KEY,
        name VARCHAR NOT NULL,
        due_on DATE NOT NULL,
        {_EDITABLE})""",
)

_V4 = (
    # Events a school records so that its run charts can show them.
    f"""CREATE TABLE school_events (
        id INTEGER PRIMARY KEY,
        school_id INTEGER NOT NULL,
        happened_on DATE NOT NULL,
        kind VARCHAR NOT NULL,
        description VARCHAR NOT NULL,
        {_EDITABLE})""",
)

_V5 = (
    # A school's own self-reflection ratings between reviews.
    f"""CREATE TABLE interim_ratings (
        id INTEGER PRIMARY KEY,
        school_id INTEGER NOT NULL,
        standard_id INTEGER NOT NULL,
        recorded_on DATE NOT NULL,
        level INTEGER NOT NULL,
        note VARCHAR NOT NULL DEFAULT '',
        {_EDITABLE})""",
)

_V6 = (
    # What a support request asks for, and the peer school a visit or pairing
    # is with.
    """ALTER TABLE support_requests
       ADD COLUMN kind VARCHAR NOT NULL DEFAULT 'support'""",
    """ALTER TABLE support_requests ADD COLUMN peer_school_id INTEGER""",
)

_V7 = (
    # A district's own code for each school, by which its files name it (a
    # school made before codes, such as the demo's, has none).
    """ALTER TABLE schools ADD COLUMN code VARCHAR""",
    """CREATE UNIQUE INDEX schools_code ON schools (code)""",
    # Other words a district's files use for a level of the rating scale.
    """CREATE TABLE rating_aliases (
        level INTEGER NOT NULL,
        alias VARCHAR NOT NULL,
        PRIMARY KEY (level, alias))""",
)

_V8 = (
    # When each team member submitted their ratings of a review: before that,
    # no one else on the team reads them.
    """ALTER TABLE review_team ADD COLUMN submitted_on TIMESTAMP""",
)

_V9 = (
    # A deleted goal or action step stays, marked with when and by whom, so
    # that its history is whole and the deletion can be undone exactly; a
    # deleted goal's milestones and action steps are left out with it.
    """ALTER TABLE goals ADD COLUMN deleted_on TIMESTAMP""",
    """ALTER TABLE goals ADD COLUMN deleted_by INTEGER""",
    """ALTER TABLE action_steps ADD COLUMN deleted_on TIMESTAMP""",
    """ALTER TABLE action_steps ADD COLUMN deleted_by INTEGER""",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "standards, schools, reviews, plans and change history", _V1),
    Migration(2, "district settings; indexes for history and check-ins", _V2),
    Migration(3, "the district's planning deadlines", _V3),
    Migration(4, "events schools record beside their measures", _V4),
    Migration(5, "self-reflection ratings between reviews", _V5),
    Migration(6, "visits to and pairings with peer schools", _V6),
    Migration(7, "school codes; other words for the rating scale's levels", _V7),
    Migration(8, "when each reviewer submitted their ratings", _V8),
    Migration(9, "deleted goals and action steps, kept for undo", _V9),
)

LATEST_VERSION = MIGRATIONS[-1].version
