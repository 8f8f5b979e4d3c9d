"""Where the data file is, and the district settings with their defaults."""

from __future__ import annotations

import os
from pathlib import Path

from sqr_tracker.measures import CutPoints
from sqr_tracker.store import Store

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "sqr_tracker.duckdb"
DB_ENV = "SQR_TRACKER_DB"

# District settings a central office may change: default, lowest, highest.
SETTINGS: dict[str, tuple[float, float, float]] = {
    "small_group_threshold": (10, 1, 100),
    "recommended_focus_goals": (3, 1, 10),
    "check_in_stale_days": (45, 7, 365),
    "plan_stale_days": (31, 7, 120),
    "overdue_steps_off_track": (2, 1, 20),
    "survey_limited_below": (0.30, 0.0, 1.0),
    "survey_very_limited_below": (0.10, 0.0, 1.0),
    # Evidence is strong with this many kinds of evidence and no weak survey.
    "evidence_strong_kinds": (3, 2, 6),
    # Needs support: the rules' thresholds, and how many reasons make a tier.
    "support_lowest_standards": (2, 1, 20),
    "support_decline_levels": (1, 1, 4),
    "support_overdue_share": (0.50, 0.05, 1.0),
    "support_self_gap_levels": (2, 1, 4),
    "support_request_wait_days": (14, 1, 180),
    "support_targeted_reasons": (2, 1, 10),
    "support_intensive_reasons": (4, 1, 10),
    # Reviews: the years between a school's reviews.
    "review_rotation_years": (3, 1, 6),
    # Reviewer calibration: flagged below these, judged from this many ratings.
    "calibration_agreement_below": (0.60, 0.0, 1.0),
    "calibration_kappa_below": (0.40, 0.0, 1.0),
    "calibration_min_ratings": (5, 1, 100),
}
SETTINGS_DEFAULTS = {key: default for key, (default, _, _) in SETTINGS.items()}


def data_file(given: str | os.PathLike[str] | None = None) -> Path:
    """``--db`` if given, else $SQR_TRACKER_DB, else data/sqr_tracker.duckdb."""
    if given:
        return Path(given)
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV])
    return DEFAULT_DB


# Status and change cut points per measure (the boundaries between the five
# bands, ascending): the defaults a district may replace with a setting named
# "cuts.<measure code>" whose value reads "s1,s2,s3,s4|c1,c2,c3,c4".
DEFAULT_CUTS: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "attendance_rate": ((88, 92, 95, 97), (-2, -0.5, 0.5, 2)),
    "chronic_absence_rate": ((5, 10, 20, 30), (-3, -0.5, 0.5, 3)),
    "suspension_rate": ((0.5, 1.5, 3, 6), (-1, -0.3, 0.3, 1)),
    "ela_proficiency": ((25, 40, 55, 70), (-5, -1, 1, 5)),
    "math_proficiency": ((25, 40, 55, 70), (-5, -1, 1, 5)),
    "student_survey_positive": ((50, 60, 70, 80), (-5, -1, 1, 5)),
    "family_survey_positive": ((50, 60, 70, 80), (-5, -1, 1, 5)),
    "staff_survey_positive": ((50, 60, 70, 80), (-5, -1, 1, 5)),
}
CUTS_PREFIX = "cuts."


def parse_cuts(text: str) -> CutPoints:
    """'s1,s2,s3,s4|c1,c2,c3,c4' as cut points (ValueError saying what is wrong)."""
    status, bar, change = str(text).partition("|")
    if not bar:
        raise ValueError("write the status cuts, a bar |, then the change cuts")
    numbers = [[float(n) for n in part.split(",")] for part in (status, change)]
    return CutPoints(status=tuple(numbers[0]), change=tuple(numbers[1]))


def setting_problem(key: str, value: float | str) -> str | None:
    """Why a value cannot be stored for a setting, or None if it can."""
    if key.startswith(CUTS_PREFIX):
        try:
            parse_cuts(str(value))
        except ValueError as bad:
            return str(bad)
        return None
    if isinstance(value, str):
        return f"must be a number, not {value!r}"
    if key not in SETTINGS:
        return f"no district setting is called {key!r}"
    default, low, high = SETTINGS[key]
    if isinstance(default, int) and value != int(value):
        return f"must be a whole number, not {value:g}"
    if not low <= value <= high:
        return f"must be between {low:g} and {high:g}, not {value:g}"
    return None


def district_cuts(store: Store) -> dict[str, CutPoints]:
    """Cut points per measure code: the district's where set, else the defaults."""
    cuts = {code: CutPoints(*pair) for code, pair in DEFAULT_CUTS.items()}
    for key, value in store.settings().items():
        if key.startswith(CUTS_PREFIX):
            cuts[key.removeprefix(CUTS_PREFIX)] = parse_cuts(value)
    return cuts


def district_settings(store: Store) -> dict[str, float]:
    """The defaults overlaid with what the district has set."""
    stored = store.settings()
    return {  # cut points are read by district_cuts
        key: type(default)(float(stored[key])) if key in stored else default
        for key, default in SETTINGS_DEFAULTS.items()
    }
