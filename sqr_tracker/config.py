"""Where the data file is, and the district settings with their defaults."""

from __future__ import annotations

import os
from pathlib import Path

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
}
SETTINGS_DEFAULTS = {key: default for key, (default, _, _) in SETTINGS.items()}


def data_file(given: str | os.PathLike[str] | None = None) -> Path:
    """``--db`` if given, else $SQR_TRACKER_DB, else data/sqr_tracker.duckdb."""
    if given:
        return Path(given)
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV])
    return DEFAULT_DB


def setting_problem(key: str, value: float) -> str | None:
    """Why a value cannot be stored for a setting, or None if it can."""
    if key not in SETTINGS:
        return f"no district setting is called {key!r}"
    _, low, high = SETTINGS[key]
    if not low <= value <= high:
        return f"must be between {low:g} and {high:g}, not {value:g}"
    return None


def district_settings(store: Store) -> dict[str, float]:
    """The defaults overlaid with what the district has set."""
    stored = store.settings()
    return {
        key: type(default)(float(stored[key])) if key in stored else default
        for key, default in SETTINGS_DEFAULTS.items()
    }
