"""The one owner of DuckDB: connection, schema, transactions and every query.

One connection per data file per process; every query runs on a fresh cursor and
is fetched in full before the cursor is closed, so that Streamlit sessions on
different threads never see each other's results. Queries are named for the
question they answer and return plain values, dicts or DataFrames.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import os
import random
import re
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from sqr_tracker.errors import (
    Busy,
    DataFileInUse,
    NotFound,
    SchemaTooNew,
    StaleEdit,
)
from sqr_tracker.kept import owned
from sqr_tracker.models import User
from sqr_tracker.schema import LATEST_VERSION, MIGRATIONS

_LOGGER = logging.getLogger(__name__)
_SQL_LOGGER = logging.getLogger("sqr_tracker.sql")
T = TypeVar("T")
Params = Sequence[Any] | Mapping[str, Any]

# Tables whose rows are edited in place and so carry version/updated_* columns.
EDITABLE_TABLES = frozenset(
    {
        "standards",
        "rating_levels",
        "networks",
        "schools",
        "users",
        "reviews",
        "ratings",
        "findings",
        "evidence",
        "goals",
        "milestones",
        "action_steps",
        "comments",
        "support_requests",
        "settings",
        "planning_deadlines",
        "school_events",
        "interim_ratings",
    }
)
ENTITY_TABLES = EDITABLE_TABLES | {"check_ins", "review_team", "review_focus"}
LOADABLE_TABLES = ENTITY_TABLES | {"measures", "measure_values"}

# The order rows are written in, for tables mostly read one part at a time:
# DuckDB skips the stored blocks whose values all miss a query's filter, so the
# central office's read of every school's figures for all students touches only
# that group's blocks, not those of every group.
STORED_ORDER = {"measure_values": "student_group, school_id, measure_id, period"}
COUNTED = (
    "schools",
    "standards",
    "reviews",
    "ratings",
    "findings",
    "evidence",
    "goals",
    "milestones",
    "action_steps",
    "check_ins",
    "measures",
    "measure_values",
    "users",
    "history",
)


def log_sql(enabled: bool = True) -> None:
    """Log every statement with its duration (also: SQR_TRACKER_LOG_SQL=1); each
    record carries the statement's parameters as ``record.params``."""
    _SQL_LOGGER.setLevel(logging.DEBUG if enabled else logging.WARNING)
    if enabled and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO)


if os.environ.get("SQR_TRACKER_LOG_SQL") == "1":
    log_sql()


class Tx:
    """A cursor inside an open transaction, with the row operations writes use."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection):
        self._cursor = cursor

    def rows(self, sql: str, params: Params = ()) -> list[tuple]:
        return self._logged(sql, params, lambda found: found.fetchall())

    def frame(self, sql: str, params: Params = ()) -> pd.DataFrame:
        return self._logged(sql, params, lambda found: found.df())

    def _logged(self, sql: str, params: Params, fetch: Callable[[Any], T]) -> T:
        """The statement's result as ``fetch`` takes it, its time on the SQL log."""
        started = time.perf_counter()
        result = fetch(self._cursor.execute(sql, params))
        elapsed = (time.perf_counter() - started) * 1e3
        _SQL_LOGGER.debug("%.1f ms  %s", elapsed, sql, extra={"params": params})
        return result

    def one(self, sql: str, params: Params = ()) -> tuple | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def get(self, table: str, row_id: int) -> dict[str, Any]:
        """The row as a dict; NotFound if there is none."""
        _check_table(table)
        cur = self._cursor.execute(f"SELECT * FROM {table} WHERE id = ?", [row_id])
        names = [d[0] for d in cur.description]
        found = cur.fetchall()
        if not found:
            raise NotFound(f"No {_singular(table)} with id {row_id}.")
        return dict(zip(names, found[0], strict=True))

    def insert(self, table: str, values: Mapping[str, Any]) -> int:
        """Insert one row with the next free id and return the id."""
        _check_table(table)
        (new_id,) = self.one(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
        row = {"id": new_id, **values}
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.rows(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values())
        )
        return new_id

    def find_id(self, table: str, key: Mapping[str, Any]) -> int | None:
        """The id of the row whose columns equal ``key`` (NULLs match NULLs)."""
        _check_table(table)
        where = " AND ".join(f"{column} IS NOT DISTINCT FROM ?" for column in key)
        found = self.one(f"SELECT id FROM {table} WHERE {where}", list(key.values()))
        return found[0] if found else None

    def link(self, table: str, **values: Any) -> None:
        """Insert a row into a table without ids (team members, focus standards)."""
        _check_table(table)
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        self.rows(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values())
        )

    def put_setting(
        self,
        key: str,
        value: str,
        *,
        user_id: int,
        now: datetime,
        expected_version: int | None = None,
    ) -> tuple[dict[str, str] | None, dict[str, str]]:
        """Set a district setting; return it before and after."""
        found = self.one(
            "SELECT value, version, updated_by, updated_on FROM settings WHERE key = ?",
            [key],
        )
        if (
            expected_version is not None
            and (found[1] if found else 0) != expected_version
        ):
            who, when = (found[2], found[3]) if found else (None, None)
            raise StaleEdit(
                "setting", self.user_name(who), when, found[1] if found else 0
            )
        self.rows(
            "INSERT OR REPLACE INTO settings VALUES (?, ?, ?, ?, ?)",
            [key, value, found[1] + 1 if found else 1, user_id, now],
        )
        before = {"key": key, "value": found[0]} if found else None
        return before, {"key": key, "value": value}

    def update(
        self,
        table: str,
        row_id: int,
        changes: Mapping[str, Any],
        *,
        expected_version: int | None,
        user_id: int | None,
        now: datetime,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Apply changes to a versioned row; refuse if it moved past expected_version.

        Returns the row before and after the change.
        """
        before = self.get(table, row_id)
        if expected_version is not None and before["version"] != expected_version:
            raise StaleEdit(
                _singular(table),
                self.user_name(before["updated_by"]),
                before["updated_on"],
                before["version"],
            )
        values = {
            **changes,
            "version": before["version"] + 1,
            "updated_by": user_id,
            "updated_on": now,
        }
        assignments = ", ".join(f"{column} = ?" for column in values)
        self.rows(
            f"UPDATE {table} SET {assignments} WHERE id = ?",
            [*values.values(), row_id],
        )
        return before, {**before, **values}

    def record(
        self,
        *,
        user: User | None,
        action: str,
        entity: str,
        entity_id: int,
        school_id: int | None,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        now: datetime,
    ) -> None:
        """Append one entry to the change history."""
        (new_id,) = self.one("SELECT coalesce(max(id), 0) + 1 FROM history")
        self.rows(
            "INSERT INTO history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                new_id,
                now,
                user.id if user else None,
                user.email if user else "system",
                action,
                entity,
                entity_id,
                school_id,
                _json(before),
                _json(after),
            ],
        )

    def user_name(self, user_id: int | None) -> str:
        """The name of the user with this id, read inside the transaction."""
        if user_id is None:
            return "someone else"
        found = self.one("SELECT name FROM users WHERE id = ?", [user_id])
        return found[0] if found else "someone else"


_USER_KEYS = ("id", "email", "name", "role", "school_id", "network_id", "active")
_USER_COLUMNS = ", ".join(_USER_KEYS)


def _as_user(row: Sequence[Any]) -> User:
    return User(**dict(zip(_USER_KEYS, row, strict=True)))


# Statements that only read (any other, run outside a transaction, counts as a
# write); how many bytes of answers are remembered between writes at most, and
# the most one answer may hold to be remembered (a district-wide table is the
# input of a cached answer, which Streamlit keeps).
_READ = re.compile(r"\s*(SELECT|WITH|FROM|DESCRIBE|SHOW|EXPLAIN)\b", re.IGNORECASE)
_REMEMBERED = 8 * 2**20
_REMEMBERED_ONE = 2**20


def _read_once(read: Callable[..., T]) -> Callable[..., T]:
    """A store read that only a write can change, remembered by its arguments
    until the next write (``Store._remembered_or``). Several questions a page
    asks read the same small tables (the settings, the scale, a school's
    latest review); the file is asked once. Each caller gets an answer of its
    own to change (``kept.owned`` says how deep)."""

    signature = inspect.signature(read)

    @functools.wraps(read)
    def remembered(self: Store, *args: Any, **named: Any) -> T:
        given = signature.bind(self, *args, **named)
        given.apply_defaults()  # schools() and schools(None) are one question
        values = list(given.arguments.values())[1:]
        key = (read.__name__, *(_key_of(value) for value in values))
        return owned(self._remembered_or(key, lambda: read(self, *args, **named)))

    return remembered


def _key_of(arg: Any) -> Any:
    """An argument as part of a key: a list of ids (or an array) as a tuple."""
    if isinstance(arg, set | frozenset):
        return frozenset(arg)
    if isinstance(arg, list | tuple | np.ndarray | pd.Series | pd.Index):
        return ("seq", *(arg.tolist() if hasattr(arg, "tolist") else arg))
    return arg


def _size(found: Any) -> int:
    """About how many bytes a remembered answer holds (a table's columns as
    they are stored; a few dozen bytes for anything else, or for each item)."""
    # As memory_usage(deep=False) counts them, a third of the time.
    if isinstance(found, pd.DataFrame):
        columns = sum(column.array.nbytes for _, column in found.items())
        return int(found.index.nbytes + columns)
    if isinstance(found, pd.Series):
        return int(found.index.nbytes + found.array.nbytes)
    if isinstance(found, dict | list | set):
        return 64 * (len(found) + 1)
    return 64


class Store:
    """A DuckDB data file opened by this process."""

    _open: dict[Path, Store] = {}
    _open_lock = threading.Lock()

    def __init__(self, path: Path, connection: duckdb.DuckDBPyConnection):
        self.path = path
        self._connection = connection
        self._cursor_lock = threading.Lock()
        # Only this process can hold the file, so its writes take turns here:
        # DuckDB would otherwise refuse all but one of two overlapping writes
        # (rows and ids read in one transaction and written in another).
        self._write_lock = threading.RLock()
        # What only a write can change (the reads marked ``_read_once``: the
        # data version, a user's record, the file's meta, small tables), asked
        # on every page run or by several questions of one, is remembered until
        # the next write: only this process can write the file, and writes come
        # here.
        self._writes = 0
        self._remembered: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()
        self._remembered_bytes = 0
        self._remembered_at = 0
        self._remember_lock = threading.Lock()

    # -- opening -----------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, migrate: bool = True) -> Store:
        """The process's store for this file, opened (and upgraded) on first use."""
        path = Path(path).resolve()
        with cls._open_lock:
            store = cls._open.get(path)
            if store is None:
                store = cls(path, _connect(path))
                if migrate:
                    store.migrate()
                cls._open[path] = store
            return store

    @classmethod
    def is_open(cls, path: str | os.PathLike[str]) -> bool:
        """Whether this process already holds the file open."""
        return Path(path).resolve() in cls._open

    @classmethod
    def file_is_demo(cls, path: str | os.PathLike[str]) -> bool:
        """Whether an existing file is a demo file (DataFileInUse if locked)."""
        if cls.is_open(path):
            return cls.open(path).is_demo()
        try:
            store = cls(Path(path).resolve(), _connect(Path(path)))
        except DataFileInUse:
            raise
        except duckdb.Error:
            return False  # not a DuckDB file at all
        try:
            return store.schema_version() > 0 and store.is_demo()
        except duckdb.Error:
            return False
        finally:
            store._connection.close()

    def close(self) -> None:
        with self._open_lock:
            self._open.pop(self.path, None)
        self._connection.close()

    def checkpoint(self) -> None:
        """Write the write-ahead log into the file (before copying it)."""
        self._run("CHECKPOINT")

    def back_up(self, target: str | os.PathLike[str]) -> Path:
        """Copy the file, its log written in first, to ``target`` (not over it).

        For the command line, where no other session writes during the copy."""
        target = Path(target)
        if target.exists():
            raise FileExistsError(f"{target} already exists; choose a new name.")
        self.checkpoint()
        shutil.copyfile(self.path, target)
        return target

    # -- schema ------------------------------------------------------------------

    def schema_version(self) -> int:
        has_meta = self.rows(
            "SELECT 1 FROM information_schema.tables WHERE table_name = 'meta'"
        )
        if not has_meta:
            return 0
        found = self.rows("SELECT value FROM meta WHERE key = 'schema_version'")
        return int(found[0][0]) if found else 0

    def migrate(self, target: int = LATEST_VERSION) -> int:
        """Upgrade the file to ``target`` in one transaction; return the version."""
        current = self.schema_version()
        if current > LATEST_VERSION:
            raise SchemaTooNew(
                f"The data file {self.path} uses schema version {current}, but this "
                f"version of SQR Tracker knows versions up to {LATEST_VERSION}. "
                "Upgrade SQR Tracker to open it; the file was left unchanged."
            )
        pending = [m for m in MIGRATIONS if current < m.version <= target]
        if not pending:
            return current
        with self.transaction() as tx:
            for migration in pending:
                for statement in migration.statements:
                    tx.rows(statement)
                _LOGGER.info(
                    "schema: migrated to %s (%s)", migration.version, migration.summary
                )
            tx.rows(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                [str(pending[-1].version)],
            )
        return pending[-1].version

    # -- running queries ---------------------------------------------------------

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        with self._cursor_lock:
            return self._connection.cursor()

    def _run(self, sql: str, params: Params = ()) -> list[tuple]:
        with self._statement(sql) as tx:
            return tx.rows(sql, params)

    @contextmanager
    def _statement(self, sql: str) -> Iterator[Tx]:
        """A cursor for one statement outside a transaction; one that is not a
        read (a write, or a checkpoint) discards what was remembered."""
        cursor = self._cursor()
        try:
            yield Tx(cursor)
        finally:
            cursor.close()
            if not _READ.match(sql):
                self._wrote()

    def _wrote(self) -> None:
        with self._remember_lock:
            self._writes += 1

    def _remembered_or(self, key: tuple, read: Callable[[], T]) -> T:
        """``read()``, or what it gave since the last write (see ``__init__``).
        At most ``_REMEMBERED`` bytes are kept: the least recently asked answer
        is forgotten first, and one larger than ``_REMEMBERED_ONE`` is not
        kept at all."""
        with self._remember_lock:
            at = self._writes
            if at != self._remembered_at:
                self._forget_all()
                self._remembered_at = at
            elif key in self._remembered:
                self._remembered.move_to_end(key)
                return self._remembered[key][0]
        found = read()  # counted before reading: a write meanwhile discards it
        size = _size(found)
        with self._remember_lock:
            fits = size <= _REMEMBERED_ONE and key not in self._remembered
            if self._writes == at and fits:
                self._remembered[key] = (found, size)
                self._remembered_bytes += size
                while self._remembered_bytes > _REMEMBERED:
                    _, (_, dropped) = self._remembered.popitem(last=False)
                    self._remembered_bytes -= dropped
        return found

    def _forget_all(self) -> None:
        self._remembered, self._remembered_bytes = OrderedDict(), 0

    def rows(self, sql: str, params: Params = ()) -> list[tuple]:
        return self._run(sql, params)

    def frame(self, sql: str, params: Params = ()) -> pd.DataFrame:
        with self._statement(sql) as tx:
            return tx.frame(sql, params)

    def value(self, sql: str, params: Params = ()) -> Any:
        found = self._run(sql, params)
        return found[0][0] if found else None

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One explicit transaction: committed if the block ends, else rolled back."""
        cursor = self._cursor()
        try:
            cursor.begin()
            try:
                yield Tx(cursor)
            except BaseException:
                cursor.rollback()
                raise
            cursor.commit()
        finally:
            cursor.close()
            self._wrote()

    def row(self, table: str, row_id: int) -> dict[str, Any]:
        """One row of an entity table as a dict; NotFound if there is none."""
        cursor = self._cursor()  # one statement, read as it stands: no transaction
        try:
            return Tx(cursor).get(table, row_id)
        finally:
            cursor.close()

    def write(self, work: Callable[[Tx], T], *, attempts: int = 5) -> T:
        """Run ``work`` in a transaction, retrying when another session's commit
        conflicts with it. A retry re-reads the rows, so a save based on a version
        that another session has since replaced is refused, never overwritten.

        Writes through here take turns within the process (one at a time from
        BEGIN to COMMIT), so sessions of one app never clash with each other; the
        retries are for writes that bypass it (``transaction`` used directly)."""
        for attempt in range(1, attempts + 1):
            try:
                with self._write_lock, self.transaction() as tx:
                    return work(tx)
            except (duckdb.TransactionException, duckdb.ConstraintException) as clash:
                _LOGGER.debug("write conflict, attempt %s: %s", attempt, clash)
                time.sleep(random.uniform(0.005, 0.03) * attempt)
        raise Busy(
            "Others were saving at the same moment and this change could not be "
            "saved. Nothing was changed; your text is kept: save again."
        )

    def bulk_load(self, tables: Mapping[str, pd.DataFrame], meta: Mapping[str, str]):
        """Replace the contents of whole tables in one transaction (demo builds)."""
        with self._write_lock, self.transaction() as tx:
            for table, frame in tables.items():
                if table not in LOADABLE_TABLES:
                    raise ValueError(f"not a table of the store: {table!r}")
                columns = ", ".join(frame.columns)
                tx.rows(f"DELETE FROM {table}")
                self._connection_insert(tx, table, columns, frame)
            for key, value in meta.items():
                tx.rows("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    @staticmethod
    def _connection_insert(tx: Tx, table: str, columns: str, frame: pd.DataFrame):
        view = f"_load_{table}"
        tx._cursor.register(view, frame)
        order = f" ORDER BY {STORED_ORDER[table]}" if table in STORED_ORDER else ""
        try:
            tx.rows(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {view}{order}"
            )
        finally:
            tx._cursor.unregister(view)

    # -- the file as a whole -----------------------------------------------------

    @_read_once
    def meta(self, key: str) -> str | None:
        return self.value("SELECT value FROM meta WHERE key = ?", [key])

    def is_demo(self) -> bool:
        return self.meta("is_demo") == "true"

    def stats(self) -> dict[str, int]:
        parts = " UNION ALL ".join(
            f"SELECT '{table}', count(*) FROM {table}" for table in COUNTED
        )
        counts = dict(self.rows(parts))
        return {
            **{t: counts[t] for t in COUNTED},
            "schema_version": self.schema_version(),
        }

    def table_names(self) -> list[str]:
        """Every table of the file, by name (to compare files table by table)."""
        found = self.rows(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' ORDER BY table_name"
        )
        return [name for (name,) in found]

    def table_contents(self, table: str) -> pd.DataFrame:
        """All of one table's rows, in a stable order (all columns ascending)."""
        if table not in self.table_names():
            raise NotFound(f"No table named {table!r} in {self.path}.")
        return self.frame(f'SELECT * FROM "{table}" ORDER BY ALL')

    @_read_once
    def settings(self) -> dict[str, str]:
        return dict(self.rows("SELECT key, value FROM settings"))

    # -- people ------------------------------------------------------------------

    @_read_once
    def user_by_email(self, email: str) -> User | None:
        return self._user("lower(email) = lower(?)", email)

    def user_by_id(self, user_id: int) -> User | None:
        return self.version_and_user(user_id)[1]

    def _user(self, condition: str, arg: Any) -> User | None:
        found = self.rows(f"SELECT {_USER_COLUMNS} FROM users WHERE {condition}", [arg])
        return _as_user(found[0]) if found else None

    @_read_once
    def version_and_user(self, user_id: int) -> tuple[int, User | None]:
        """``data_version`` and ``user_by_id`` read together, in one query."""
        ((version, *row),) = self.rows(
            "SELECT (SELECT coalesce(max(id), 0) FROM history), "
            f"{_USER_COLUMNS} FROM (SELECT 1) LEFT JOIN users ON users.id = ?",
            [user_id],
        )
        return int(version), None if row[0] is None else _as_user(row)

    def demo_sign_in_choices(self) -> pd.DataFrame:
        """A few users of each role, with their school or network, for demo sign-in."""
        return self.frame(
            """
            SELECT u.id, u.name, u.email, u.role, s.name AS school, n.name AS network
            FROM users u
            LEFT JOIN schools s ON s.id = u.school_id
            LEFT JOIN networks n ON n.id = coalesce(u.network_id, s.network_id)
            WHERE u.active
            QUALIFY row_number() OVER (PARTITION BY u.role ORDER BY u.id) <= 6
            ORDER BY list_position(['principal', 'site_team', 'network_lead',
                                    'central_office', 'reviewer', 'viewer'], u.role),
                     u.id
            """
        )

    # -- the district ------------------------------------------------------------

    @_read_once
    def standards(self) -> pd.DataFrame:
        return self.frame(
            """
            SELECT s.id, s.code, s.name, s.description, s.sort_order,
                   p.code AS parent_code
            FROM standards s LEFT JOIN standards p ON p.id = s.parent_id
            ORDER BY coalesce(p.sort_order, s.sort_order), s.parent_id NULLS FIRST,
                     s.sort_order
            """
        )

    @_read_once
    def rating_scale(self) -> pd.DataFrame:
        return self.frame(
            "SELECT level, label, description FROM rating_levels ORDER BY level"
        )

    @_read_once
    def networks(self) -> pd.DataFrame:
        return self.frame("SELECT id, name FROM networks ORDER BY name")

    @_read_once
    def schools(self, school_ids: Sequence[int] | None = None) -> pd.DataFrame:
        """Schools with their network and principal, optionally only some."""
        where, params = _in_filter("s.id", school_ids)
        return self.frame(
            f"""
            SELECT s.id, s.name, s.level, n.name AS network, s.network_id,
                   s.enrollment, s.pct_low_income, s.pct_english_learners,
                   s.pct_disabilities, u.name AS principal
            FROM schools s
            JOIN networks n ON n.id = s.network_id
            LEFT JOIN users u ON u.id = s.principal_id
            {where}
            ORDER BY s.name
            """,
            params,
        )

    @_read_once
    def school_ids_in_network(self, network_id: int) -> list[int]:
        found = self.rows(
            "SELECT id FROM schools WHERE network_id = ? ORDER BY id", [network_id]
        )
        return [row[0] for row in found]

    @_read_once
    def school_of(self, table: str, row_id: int) -> int:
        """The school a plan or review row belongs to (for permission checks)."""
        paths = {
            "schools": "SELECT id FROM schools WHERE id = ?",
            "goals": "SELECT school_id FROM goals WHERE id = ?",
            "reviews": "SELECT school_id FROM reviews WHERE id = ?",
            "comments": "SELECT school_id FROM comments WHERE id = ?",
            "support_requests": "SELECT school_id FROM support_requests WHERE id = ?",
            "milestones": "SELECT g.school_id FROM milestones m "
            "JOIN goals g ON g.id = m.goal_id WHERE m.id = ?",
            "action_steps": "SELECT g.school_id FROM action_steps a "
            "JOIN goals g ON g.id = a.goal_id WHERE a.id = ?",
            "ratings": "SELECT r.school_id FROM ratings x "
            "JOIN reviews r ON r.id = x.review_id WHERE x.id = ?",
            "findings": "SELECT r.school_id FROM findings f "
            "JOIN reviews r ON r.id = f.review_id WHERE f.id = ?",
            "evidence": "SELECT r.school_id FROM evidence e "
            "JOIN findings f ON f.id = e.finding_id "
            "JOIN reviews r ON r.id = f.review_id WHERE e.id = ?",
        }
        found = self.value(paths[table], [row_id])
        if found is None:
            raise NotFound(f"No {_singular(table)} with id {row_id}.")
        return found

    @_read_once
    def network_of_school(self, school_id: int) -> int | None:
        return self.value("SELECT network_id FROM schools WHERE id = ?", [school_id])

    @_read_once
    def review_team_ids(self, review_id: int) -> set[int]:
        found = self.rows(
            "SELECT user_id FROM review_team WHERE review_id = ? UNION "
            "SELECT lead_reviewer_id FROM reviews WHERE id = ? AND lead_reviewer_id "
            "IS NOT NULL",
            [review_id, review_id],
        )
        return {row[0] for row in found}

    @_read_once
    def reviewed_school_ids(self, user_id: int) -> set[int]:
        found = self.rows(
            "SELECT school_id FROM reviews WHERE lead_reviewer_id = $u OR id IN "
            "(SELECT review_id FROM review_team WHERE user_id = $u)",
            {"u": user_id},
        )
        return {row[0] for row in found}

    @_read_once
    def review_lead_id(self, review_id: int) -> int | None:
        return self.value(
            "SELECT lead_reviewer_id FROM reviews WHERE id = ?", [review_id]
        )

    @_read_once
    def has_standard(self, standard_id: int) -> bool:
        return self.value("SELECT 1 FROM standards WHERE id = ?", [standard_id]) == 1

    @_read_once
    def rating_levels(self) -> list[int]:
        return [
            row[0] for row in self.rows("SELECT level FROM rating_levels ORDER BY 1")
        ]

    @_read_once
    def has_measure(self, measure_id: int) -> bool:
        return self.value("SELECT 1 FROM measures WHERE id = ?", [measure_id]) == 1

    @_read_once
    def review_published_on(self, review_id: int) -> date | None:
        return self.value("SELECT published_on FROM reviews WHERE id = ?", [review_id])

    def review_of_finding(self, finding_id: int) -> int:
        found = self.value("SELECT review_id FROM findings WHERE id = ?", [finding_id])
        if found is None:
            raise NotFound(f"No finding with id {finding_id}.")
        return found

    def history(self, entity: str, entity_id: int) -> pd.DataFrame:
        """The change history of one row, oldest first."""
        return self.frame(
            "SELECT changed_on, user_email, action, before, after FROM history "
            "WHERE entity = ? AND entity_id = ? ORDER BY id",
            [entity, entity_id],
        )

    # -- reviews -----------------------------------------------------------------

    @_read_once
    def latest_published_review(self, school_id: int) -> dict[str, Any] | None:
        found = self.frame(
            """
            SELECT r.id, r.cycle_year, r.phase, r.visit_starts_on, r.visit_ends_on,
                   r.published_on, u.name AS lead_reviewer
            FROM reviews r LEFT JOIN users u ON u.id = r.lead_reviewer_id
            WHERE r.school_id = ? AND r.published_on IS NOT NULL
            ORDER BY r.cycle_year DESC LIMIT 1
            """,
            [school_id],
        )
        return None if found.empty else found.iloc[0].to_dict()

    @_read_once
    def review_at_a_glance(self, review_id: int) -> pd.DataFrame:
        """Per top-level standard: consensus and self-reflection levels, focus flag,
        the finding's text and a count of its evidence by source."""
        return self.frame(
            """
            WITH r AS (
                SELECT standard_id,
                       max(level) FILTER (rater_kind = 'consensus') AS consensus,
                       max(level) FILTER (rater_kind = 'self-reflection') AS self
                FROM ratings WHERE review_id = $review GROUP BY standard_id
            ), ev AS (
                SELECT f.standard_id, count(*) AS items,
                       count(DISTINCT e.source) AS sources,
                       string_agg(DISTINCT e.source, ', ' ORDER BY e.source) AS kinds,
                       min(e.survey_respondents / nullif(e.survey_invited, 0))
                           AS lowest_response_rate
                FROM findings f JOIN evidence e ON e.finding_id = f.id
                WHERE f.review_id = $review GROUP BY f.standard_id
            )
            SELECT s.id AS standard_id, s.code, s.name AS standard,
                   r.consensus, cl.label AS consensus_label,
                   r.self, sl.label AS self_label,
                   fo.standard_id IS NOT NULL AS is_focus,
                   coalesce(f.strengths, '') AS strengths,
                   coalesce(f.areas_for_growth, '') AS areas_for_growth,
                   coalesce(ev.items, 0) AS evidence_items,
                   coalesce(ev.sources, 0) AS evidence_sources,
                   coalesce(ev.kinds, '') AS evidence_kinds,
                   ev.lowest_response_rate
            FROM standards s
            LEFT JOIN r ON r.standard_id = s.id
            LEFT JOIN rating_levels cl ON cl.level = r.consensus
            LEFT JOIN rating_levels sl ON sl.level = r.self
            LEFT JOIN review_focus fo ON fo.review_id = $review
                 AND fo.standard_id = s.id
            LEFT JOIN findings f ON f.review_id = $review AND f.standard_id = s.id
            LEFT JOIN ev ON ev.standard_id = s.id
            WHERE s.parent_id IS NULL
            ORDER BY s.sort_order
            """,
            {"review": review_id},
        )

    @_read_once
    def reviews_for_reviewer(self, user_id: int) -> pd.DataFrame:
        return self.frame(
            """
            SELECT r.id, s.name AS school, r.cycle_year, r.phase, r.visit_starts_on,
                   r.visit_ends_on, r.published_on,
                   CASE WHEN r.lead_reviewer_id = $user THEN 'lead reviewer'
                        ELSE 'reviewer' END AS team_role
            FROM reviews r JOIN schools s ON s.id = r.school_id
            WHERE r.lead_reviewer_id = $user
               OR r.id IN (SELECT review_id FROM review_team WHERE user_id = $user)
            ORDER BY (r.phase = 'complete'), r.cycle_year DESC, s.name
            """,
            {"user": user_id},
        )

    def reviews_by_phase(
        self, cycle_year: int, school_ids: Sequence[int] | None = None
    ) -> pd.DataFrame:
        where, params = _in_filter("school_id", school_ids)
        return self.frame(
            f"""
            SELECT phase, count(*) AS reviews FROM reviews
            {where} {"AND" if where else "WHERE"} cycle_year = $cycle
            GROUP BY phase
            """,
            {"cycle": cycle_year, **params},
        )

    def latest_consensus_counts(self, school_ids: Sequence[int] | None) -> pd.DataFrame:
        """How many schools' latest published review gave each standard each level."""
        where, params = _in_filter("r.school_id", school_ids)
        return self.frame(
            f"""
            WITH latest AS (
                SELECT r.id FROM reviews r
                {where} {"AND" if where else "WHERE"} r.published_on IS NOT NULL
                QUALIFY row_number() OVER (
                    PARTITION BY r.school_id ORDER BY r.cycle_year DESC) = 1
            )
            SELECT s.sort_order, s.code, s.name AS standard, x.level, l.label,
                   count(*) AS schools
            FROM ratings x
            JOIN latest ON latest.id = x.review_id
            JOIN standards s ON s.id = x.standard_id AND s.parent_id IS NULL
            JOIN rating_levels l ON l.level = x.level
            WHERE x.rater_kind = 'consensus'
            GROUP BY ALL ORDER BY s.sort_order, x.level
            """,
            params,
        )

    # -- plans -------------------------------------------------------------------

    def plan_overview(
        self, school_ids: Sequence[int] | None, today: date
    ) -> pd.DataFrame:
        """Per school: open and focus goals, open and overdue action steps, the last
        check-in, and open support requests with when the oldest was made."""
        where, params = _in_filter("s.id", school_ids)
        return self.frame(
            f"""
            WITH g AS (
                SELECT school_id, count(*) AS open_goals,
                       count(*) FILTER (is_focus) AS focus_goals
                FROM goals WHERE status = 'open' AND deleted_on IS NULL
                GROUP BY school_id
            ), a AS (
                SELECT g.school_id,
                       count(*) FILTER (a.status <> 'done') AS open_steps,
                       count(*) FILTER (a.status <> 'done' AND a.due_on < $today)
                           AS overdue_steps
                FROM action_steps a JOIN goals g ON g.id = a.goal_id
                WHERE g.status = 'open' AND g.deleted_on IS NULL
                  AND a.deleted_on IS NULL
                GROUP BY g.school_id
            ), c AS (
                SELECT school_id, max(written_on)::DATE AS last_check_in
                FROM check_ins GROUP BY school_id
            ), q AS (
                SELECT school_id, count(*) AS open_requests,
                       min(requested_on) AS oldest_open_request
                FROM support_requests WHERE status = 'open' GROUP BY school_id
            )
            SELECT s.id AS school_id, s.name AS school, n.name AS network, s.level,
                   coalesce(g.open_goals, 0) AS open_goals,
                   coalesce(g.focus_goals, 0) AS focus_goals,
                   coalesce(a.open_steps, 0) AS open_steps,
                   coalesce(a.overdue_steps, 0) AS overdue_steps,
                   c.last_check_in,
                   coalesce(q.open_requests, 0) AS open_requests,
                   q.oldest_open_request
            FROM schools s JOIN networks n ON n.id = s.network_id
            LEFT JOIN g ON g.school_id = s.id
            LEFT JOIN a ON a.school_id = s.id
            LEFT JOIN c ON c.school_id = s.id
            LEFT JOIN q ON q.school_id = s.id
            {where}
            ORDER BY s.name
            """,
            {"today": today, **params},
        )

    def plan_goals(self, school_id: int, today: date) -> pd.DataFrame:
        """A school's goals with their standard, measure, latest measured value,
        last check-in, overdue action steps and missed milestones."""
        return self.frame(
            """
            WITH values AS (
                SELECT goal_id, measure_value, written_on,
                       row_number() OVER (PARTITION BY goal_id
                                          ORDER BY written_on DESC, id DESC) AS back
                FROM check_ins
                WHERE school_id = $school AND goal_id IS NOT NULL
                  AND measure_value IS NOT NULL
            ), goal_updates AS (
                SELECT goal_id, max(written_on) AS checked_on FROM check_ins
                WHERE school_id = $school AND goal_id IS NOT NULL GROUP BY goal_id
            ), touched AS (
                SELECT coalesce(c.goal_id, a.goal_id) AS goal_id,
                       max(c.written_on) AS last_check_in
                FROM check_ins c LEFT JOIN action_steps a ON a.id = c.action_step_id
                WHERE c.school_id = $school AND a.deleted_on IS NULL GROUP BY 1
            ), steps AS (
                SELECT goal_id, count(*) FILTER (status <> 'done') AS open_steps,
                       count(*) FILTER (status <> 'done' AND due_on < $today)
                           AS overdue_steps
                FROM action_steps
                WHERE goal_id IN (SELECT id FROM goals WHERE school_id = $school)
                  AND deleted_on IS NULL
                GROUP BY goal_id
            ), marks AS (
                SELECT goal_id,
                       count(*) FILTER (met_on IS NULL AND due_on < $today)
                           AS missed_milestones,
                       min(due_on) FILTER (met_on IS NULL AND due_on >= $today)
                           AS next_milestone_on
                FROM milestones
                WHERE goal_id IN (SELECT id FROM goals WHERE school_id = $school)
                GROUP BY goal_id
            )
            SELECT g.id, g.version, g.standard_id, s.code, s.name AS standard,
                   s.sort_order, g.review_id, g.statement, g.measure_id,
                   m.name AS measure, m.unit, m.higher_is_better, g.baseline,
                   g.target, g.target_date, g.is_focus, g.site_plan_ref, g.status,
                   latest.measure_value AS latest_value,
                   previous.measure_value AS previous_value,
                   gu.checked_on AS goal_checked_on, t.last_check_in, g.created_on,
                   coalesce(st.open_steps, 0) AS open_steps,
                   coalesce(st.overdue_steps, 0) AS overdue_steps,
                   coalesce(mk.missed_milestones, 0) AS missed_milestones,
                   mk.next_milestone_on
            FROM goals g
            JOIN standards s ON s.id = g.standard_id
            LEFT JOIN measures m ON m.id = g.measure_id
            LEFT JOIN values latest ON latest.goal_id = g.id AND latest.back = 1
            LEFT JOIN values previous ON previous.goal_id = g.id AND previous.back = 2
            LEFT JOIN goal_updates gu ON gu.goal_id = g.id
            LEFT JOIN touched t ON t.goal_id = g.id
            LEFT JOIN steps st ON st.goal_id = g.id
            LEFT JOIN marks mk ON mk.goal_id = g.id
            WHERE g.school_id = $school AND g.deleted_on IS NULL
            ORDER BY g.status = 'closed', s.sort_order, g.id
            """,
            {"school": school_id, "today": today},
        )

    def plan_milestones(self, school_id: int) -> pd.DataFrame:
        return self.frame(
            """
            SELECT m.id, m.version, m.goal_id, m.description, m.due_on, m.met_on,
                   m.status
            FROM milestones m JOIN goals g ON g.id = m.goal_id
            WHERE g.school_id = ? AND g.deleted_on IS NULL
            ORDER BY m.goal_id, m.due_on, m.id
            """,
            [school_id],
        )

    def plan_steps(self, school_id: int) -> pd.DataFrame:
        """A school's action steps with the date of their latest check-in."""
        return self.frame(
            """
            SELECT a.id, a.version, a.goal_id, a.description, a.owner, a.starts_on,
                   a.due_on, a.status, max(c.written_on) AS last_check_in
            FROM action_steps a
            JOIN goals g ON g.id = a.goal_id
            LEFT JOIN check_ins c ON c.action_step_id = a.id
            WHERE g.school_id = ? AND g.deleted_on IS NULL AND a.deleted_on IS NULL
            GROUP BY ALL ORDER BY a.goal_id, a.due_on, a.id
            """,
            [school_id],
        )

    def areas_for_growth(self, review_id: int) -> pd.DataFrame:
        """The standards a review named areas for growth on, with their rating."""
        return self.frame(
            """
            SELECT f.standard_id, s.code, s.name AS standard, f.areas_for_growth,
                   x.level AS consensus
            FROM findings f
            JOIN standards s ON s.id = f.standard_id
            LEFT JOIN ratings x ON x.review_id = f.review_id
                 AND x.standard_id = f.standard_id AND x.rater_kind = 'consensus'
            WHERE f.review_id = ? AND trim(f.areas_for_growth) <> ''
            ORDER BY s.sort_order
            """,
            [review_id],
        )

    def check_ins_of(self, school_id: int) -> pd.DataFrame:
        """Every check-in of a school, newest first, with who wrote it."""
        return self.frame(
            """
            SELECT c.id, c.goal_id, c.action_step_id, c.status, c.note,
                   c.measure_value, c.written_on, u.name AS written_by
            FROM check_ins c LEFT JOIN users u ON u.id = c.written_by
            WHERE c.school_id = ? ORDER BY c.written_on DESC, c.id DESC
            """,
            [school_id],
        )

    def school_history(self, school_id: int) -> pd.DataFrame:
        """Every change to a school's plan, oldest first."""
        return self.frame(
            """
            SELECT h.id, h.changed_on, coalesce(u.name, h.user_email) AS who,
                   h.action, h.entity, h.entity_id, h.before, h.after
            FROM history h LEFT JOIN users u ON u.id = h.user_id
            WHERE h.school_id = ? ORDER BY h.id
            """,
            [school_id],
        )

    def comments_of(self, school_id: int) -> pd.DataFrame:
        return self.frame(
            """
            SELECT c.id, c.goal_id, c.action_step_id, c.body, c.written_on,
                   u.name AS author, u.role AS author_role
            FROM comments c LEFT JOIN users u ON u.id = c.author_id
            WHERE c.school_id = ? ORDER BY c.written_on
            """,
            [school_id],
        )

    def support_requests_of(self, school_id: int) -> pd.DataFrame:
        return self.frame(
            """
            SELECT q.id, q.version, q.goal_id, q.action_step_id, q.need, q.needed_by,
                   q.requested_on, r.name AS requested_by, q.status, q.answer,
                   q.answered_on, a.name AS answered_by, q.kind,
                   p.name AS peer_school
            FROM support_requests q
            LEFT JOIN users r ON r.id = q.requested_by
            LEFT JOIN users a ON a.id = q.answered_by
            LEFT JOIN schools p ON p.id = q.peer_school_id
            WHERE q.school_id = ? ORDER BY q.requested_on DESC
            """,
            [school_id],
        )

    def goal_has_measure(self, goal_id: int) -> bool:
        return (
            self.value(
                "SELECT measure_id IS NOT NULL FROM goals WHERE id = ?", [goal_id]
            )
            is True
        )

    def step_status(self, step_id: int) -> str | None:
        return self.value("SELECT status FROM action_steps WHERE id = ?", [step_id])

    def first_active_user(self, role: str) -> User | None:
        """The longest-standing active user of a role (the command line's reader)."""
        found = self.value(
            "SELECT min(id) FROM users WHERE role = ? AND active", [role]
        )
        return self.user_by_id(found) if found is not None else None

    def interim_ratings_of(self, school_id: int) -> pd.DataFrame:
        """A school's self-reflection ratings between reviews, oldest first."""
        return self.frame(
            """
            SELECT i.id, i.version, i.recorded_on, s.code, s.sort_order, i.level
            FROM interim_ratings i JOIN standards s ON s.id = i.standard_id
            WHERE i.school_id = ? ORDER BY i.recorded_on, s.sort_order
            """,
            [school_id],
        )

    def school_events(self, school_id: int) -> pd.DataFrame:
        return self.frame(
            "SELECT id, version, happened_on, kind, description FROM school_events "
            "WHERE school_id = ? ORDER BY happened_on, id",
            [school_id],
        )

    @_read_once
    def planning_deadlines(self) -> pd.DataFrame:
        return self.frame(
            "SELECT id, version, name, due_on FROM planning_deadlines ORDER BY due_on"
        )

    @_read_once
    def measures(self) -> pd.DataFrame:
        return self.frame(
            "SELECT id, code, name, unit, higher_is_better, frequency FROM measures "
            "ORDER BY id"
        )

    @_read_once
    def ratings_by_review(self, school_id: int) -> pd.DataFrame:
        """Consensus and self-reflection levels per published review and
        top-level standard of a school, oldest review first."""
        return self.frame(
            """
            SELECT r.id AS review_id, r.cycle_year, r.published_on, s.id AS standard_id,
                   s.code, s.name AS standard, s.sort_order,
                   max(x.level) FILTER (x.rater_kind = 'consensus') AS consensus,
                   max(x.level) FILTER (x.rater_kind = 'self-reflection') AS self
            FROM reviews r
            JOIN ratings x ON x.review_id = r.id
            JOIN standards s ON s.id = x.standard_id AND s.parent_id IS NULL
            WHERE r.school_id = ? AND r.published_on IS NOT NULL
            GROUP BY ALL ORDER BY r.cycle_year, s.sort_order
            """,
            [school_id],
        )

    @_read_once
    def school_measures(self, school_id: int) -> pd.DataFrame:
        """The measures a school has values for, with how many periods."""
        return self.frame(
            """
            SELECT m.id, m.code, m.name, m.unit, m.higher_is_better, m.frequency,
                   count(DISTINCT v.period) AS periods
            FROM measures m JOIN measure_values v ON v.measure_id = m.id
            WHERE v.school_id = ? GROUP BY ALL ORDER BY m.id
            """,
            [school_id],
        )

    def measure_values_of(
        self, school_id: int, measure_id: int, groups: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """A measure's values for a school by period and student group."""
        where, params = _in_filter("student_group", groups, "VARCHAR")
        condition = where.replace("WHERE", "AND") if where else ""
        return self.frame(
            f"""
            SELECT period, student_group, value, group_size FROM measure_values
            WHERE school_id = $school AND measure_id = $measure {condition}
            ORDER BY period, student_group
            """,
            {"school": school_id, "measure": measure_id, **params},
        )

    def year_of_work(self, school_id: int, starts: date, today: date) -> dict:
        """What a school's plan got done between ``starts`` and ``today``."""
        found = self.frame(
            """
            SELECT
              (SELECT count(*) FROM milestones m JOIN goals g ON g.id = m.goal_id
               WHERE g.school_id = $s AND g.deleted_on IS NULL
                 AND m.met_on BETWEEN $a AND $b)
                AS milestones_met,
              (SELECT count(DISTINCT c.action_step_id) FROM check_ins c
               WHERE c.school_id = $s AND c.status = 'done'
                 AND c.action_step_id IN (
                     SELECT a.id FROM action_steps a JOIN goals g ON g.id = a.goal_id
                     WHERE a.deleted_on IS NULL AND g.deleted_on IS NULL)
                 AND c.written_on::DATE BETWEEN $a AND $b) AS steps_done,
              (SELECT count(*) FROM check_ins c WHERE c.school_id = $s
                 AND c.written_on::DATE BETWEEN $a AND $b) AS check_ins,
              (SELECT count(DISTINCT date_trunc('month', c.written_on))
               FROM check_ins c WHERE c.school_id = $s
                 AND c.written_on::DATE BETWEEN $a AND $b) AS months_checked_in
            """,
            {"s": school_id, "a": starts, "b": today},
        )
        return {key: int(value) for key, value in found.iloc[0].items()}

    @_read_once
    def review_counts_by_cycle(self) -> pd.DataFrame:
        return self.frame(
            """
            SELECT cycle_year, count(*) AS reviews,
                   count(*) FILTER (published_on IS NOT NULL) AS published
            FROM reviews GROUP BY cycle_year ORDER BY cycle_year
            """
        )

    # -- needs support and the heatmap -------------------------------------------

    def group_values(
        self, school_ids: Sequence[int] | None, student_group: str
    ) -> pd.DataFrame:
        """Every measure's values for one student group of each school, in period
        order, with the measure's good direction."""
        where, params = _in_filter("v.school_id", school_ids)
        return self.frame(
            f"""
            SELECT v.school_id, v.measure_id, m.code, m.name AS measure,
                   m.higher_is_better, v.period, v.value, v.group_size
            FROM measure_values v JOIN measures m ON m.id = v.measure_id
            {where} {"AND" if where else "WHERE"} v.student_group = $total
            ORDER BY v.school_id, v.measure_id, v.period
            """,
            {"total": student_group, **params},
        )

    # -- update compliance and review calendar -----------------------------------

    def monthly_update_counts(
        self, school_ids: Sequence[int] | None, starts: datetime, ends: datetime
    ) -> pd.DataFrame:
        """Per school: the check-ins written from ``starts`` up to (not including)
        ``ends``, and the last check-in written before ``ends``."""
        where, params = _in_filter("s.id", school_ids)
        return self.frame(
            f"""
            WITH c AS (
                SELECT school_id,
                       count(*) FILTER (written_on >= $starts) AS check_ins,
                       max(written_on) AS last_check_in
                FROM check_ins WHERE written_on < $ends GROUP BY school_id
            )
            SELECT s.id AS school_id, s.name AS school, n.name AS network, s.level,
                   coalesce(c.check_ins, 0) AS check_ins, c.last_check_in
            FROM schools s JOIN networks n ON n.id = s.network_id
            LEFT JOIN c ON c.school_id = s.id
            {where}
            ORDER BY s.name, s.id
            """,
            {"starts": starts, "ends": ends, **params},
        )

    def first_check_in_before(self, ends: datetime) -> datetime | None:
        """When the district's first check-in was written, if before ``ends``."""
        return self.value(
            "SELECT min(written_on) FROM check_ins WHERE written_on < ?", [ends]
        )

    def school_contacts(self, school_ids: Sequence[int] | None) -> pd.DataFrame:
        """Per school, the active people to ask about its plan: its site team,
        its principal, then its network's lead; per kind of contact, their
        names and their emails, each joined with commas in order of name."""
        where, params = _in_filter("school_id", school_ids)
        return self.frame(
            f"""
            WITH people AS (
                SELECT u.school_id, 1 AS rank, 'site team' AS contact, u.name,
                       u.email
                FROM users u WHERE u.active AND u.role = 'site_team'
                UNION
                SELECT s.id, 2, 'principal', u.name, u.email
                FROM schools s JOIN users u ON u.active AND u.id = s.principal_id
                UNION  -- two joins, not one on an OR: that would compare every pair
                SELECT s.id, 2, 'principal', u.name, u.email
                FROM schools s JOIN users u ON u.active AND u.role = 'principal'
                     AND u.school_id = s.id
                UNION
                SELECT s.id, 3, 'network lead', u.name, u.email
                FROM schools s JOIN users u ON u.active
                     AND u.role = 'network_lead' AND u.network_id = s.network_id
            )
            SELECT school_id, contact,
                   string_agg(name, ', ' ORDER BY name, email) AS names,
                   string_agg(email, ', ' ORDER BY name, email) AS emails
            FROM people
            {where}
            GROUP BY school_id, rank, contact
            ORDER BY school_id, rank
            """,
            params,
        )

    def review_rotation(
        self, school_ids: Sequence[int] | None, cycle_year: int
    ) -> pd.DataFrame:
        """Per school: the latest cycle up to ``cycle_year`` it had a review in,
        and how many of its reviews in that cycle exist and are published."""
        where, params = _in_filter("s.id", school_ids)
        return self.frame(
            f"""
            SELECT s.id AS school_id, s.name AS school, n.name AS network, s.level,
                   max(r.cycle_year) FILTER (r.cycle_year <= $cycle)
                       AS last_cycle_year,
                   count(r.id) FILTER (r.cycle_year = $cycle) AS reviews_this_cycle,
                   count(r.id) FILTER (r.cycle_year = $cycle
                                       AND r.published_on IS NOT NULL)
                       AS published_this_cycle
            FROM schools s JOIN networks n ON n.id = s.network_id
            LEFT JOIN reviews r ON r.school_id = s.id
            {where}
            GROUP BY s.id, s.name, n.name, s.level
            ORDER BY s.name, s.id
            """,
            {"cycle": cycle_year, **params},
        )

    def reviews_in_cycle(
        self, cycle_year: int, school_ids: Sequence[int] | None
    ) -> pd.DataFrame:
        """A cycle's reviews with their school, phase, dates and lead reviewer."""
        where, params = _in_filter("r.school_id", school_ids)
        return self.frame(
            f"""
            SELECT r.id AS review_id, r.school_id, s.name AS school,
                   n.name AS network, r.phase, r.starts_on, r.visit_starts_on,
                   r.visit_ends_on, r.report_on, r.completes_on, r.published_on,
                   u.name AS lead_reviewer
            FROM reviews r
            JOIN schools s ON s.id = r.school_id
            JOIN networks n ON n.id = s.network_id
            LEFT JOIN users u ON u.id = r.lead_reviewer_id
            {where} {"AND" if where else "WHERE"} r.cycle_year = $cycle
            ORDER BY s.name, r.id
            """,
            {"cycle": cycle_year, **params},
        )

    @_read_once
    def cycle_assignments(
        self, cycle_year: int, school_ids: Sequence[int] | None
    ) -> pd.DataFrame:
        """Who is assigned to each review of a cycle: its lead reviewer and its
        team, once each, with where the reviewed school and the person belong
        (the person's own school and network, and the network of that school)."""
        where, params = _in_filter("r.school_id", school_ids)
        return self.frame(
            f"""
            WITH members AS (
                SELECT id AS review_id, lead_reviewer_id AS user_id, TRUE AS leads
                FROM reviews
                WHERE cycle_year = $cycle AND lead_reviewer_id IS NOT NULL
                UNION
                SELECT t.review_id, t.user_id, FALSE
                FROM review_team t JOIN reviews r ON r.id = t.review_id
                WHERE r.cycle_year = $cycle
                  AND t.user_id IS DISTINCT FROM r.lead_reviewer_id
            )
            SELECT m.review_id, r.school_id, s.name AS school, s.network_id,
                   n.name AS network, m.user_id, u.name AS reviewer, m.leads,
                   u.school_id AS own_school_id, u.network_id AS own_network_id,
                   h.network_id AS own_school_network_id
            FROM members m
            JOIN reviews r ON r.id = m.review_id
            JOIN schools s ON s.id = r.school_id
            JOIN networks n ON n.id = s.network_id
            JOIN users u ON u.id = m.user_id
            LEFT JOIN schools h ON h.id = u.school_id
            {where}
            ORDER BY s.name, m.review_id, m.leads DESC, u.name
            """,
            {"cycle": cycle_year, **params},
        )

    # -- the support desk --------------------------------------------------------

    def desk_requests(
        self,
        school_ids: Sequence[int] | None,
        *,
        status: str | None = "open",
        request_id: int | None = None,
    ) -> pd.DataFrame:
        """Support requests (open ones unless told) with their school, network,
        peer school, who asked and who answered, and the active network leads of
        the school's network (names, comma-separated), oldest first."""
        where, params = _in_filter("q.school_id", school_ids)
        return self.frame(
            f"""
            WITH leads AS (
                SELECT network_id, string_agg(name, ', ' ORDER BY name) AS leads
                FROM users
                WHERE role = 'network_lead' AND active AND network_id IS NOT NULL
                GROUP BY network_id
            )
            SELECT q.id, q.version, q.school_id, s.name AS school,
                   n.name AS network, q.kind, p.name AS peer_school, q.need,
                   q.needed_by, q.requested_on, r.name AS requested_by, q.status,
                   q.answer, q.answered_on, a.name AS answered_by,
                   l.leads AS network_leads
            FROM support_requests q
            JOIN schools s ON s.id = q.school_id
            JOIN networks n ON n.id = s.network_id
            LEFT JOIN schools p ON p.id = q.peer_school_id
            LEFT JOIN users r ON r.id = q.requested_by
            LEFT JOIN users a ON a.id = q.answered_by
            LEFT JOIN leads l ON l.network_id = s.network_id
            {where} {"AND" if where else "WHERE"}
                ($status IS NULL OR q.status = $status)
                AND ($request IS NULL OR q.id = $request)
            ORDER BY q.requested_on, q.id
            """,
            {"status": status, "request": request_id, **params},
        )

    def request_times_by_network(
        self, school_ids: Sequence[int] | None
    ) -> pd.DataFrame:
        """Every support request of the schools with its network, status and
        when it was made and answered; a school without requests gives one row
        with no request, so that every network of the schools is listed."""
        where, params = _in_filter("s.id", school_ids)
        return self.frame(
            f"""
            SELECT n.id AS network_id, n.name AS network, q.id, q.status,
                   q.requested_on, q.answered_on
            FROM schools s
            JOIN networks n ON n.id = s.network_id
            LEFT JOIN support_requests q ON q.school_id = s.id
            {where}
            ORDER BY n.name, q.id
            """,
            params,
        )

    # -- do the ratings mean something -------------------------------------------

    def self_and_consensus(self, school_ids: Sequence[int] | None) -> pd.DataFrame:
        """Per published review and standard: the school's self-reflection level
        and the team's consensus level (either may be missing)."""
        where, params = _in_filter("r.school_id", school_ids)
        return self.frame(
            f"""
            SELECT r.id AS review_id, r.school_id, s.id AS standard_id, s.code,
                   s.name AS standard,
                   max(x.level) FILTER (x.rater_kind = 'self-reflection') AS self,
                   max(x.level) FILTER (x.rater_kind = 'consensus') AS consensus
            FROM reviews r
            JOIN ratings x ON x.review_id = r.id
            JOIN standards s ON s.id = x.standard_id
            {where} {"AND" if where else "WHERE"} r.published_on IS NOT NULL
            GROUP BY ALL ORDER BY r.id, s.id
            """,
            params,
        )

    # -- district data in and out ------------------------------------------------

    def table_rows(self, tx: Tx, table: str, columns: Sequence[str]) -> pd.DataFrame:
        """Some columns of every row of a table, read inside ``tx`` (an import
        compares a file with them)."""
        _check_district_table(table)
        listed = ", ".join(_district_identifier(column) for column in columns)
        return tx.frame(f"SELECT {listed} FROM {table}")

    def ids_by_text(
        self, tx: Tx, table: str, column: str, texts: Sequence[str]
    ) -> list[int | None]:
        """Per text: the id of the first row of ``table`` (in storage order)
        whose ``column`` holds it ignoring case, as signing in compares an
        email; None where no row does. Only the texts are looked up: the
        table's rows are not read out."""
        _check_district_table(table)
        name = _district_identifier(column)
        wanted = pa.table(
            {"at": range(len(texts)), "text": pa.array(texts, pa.string())}
        )
        view = "_texts_wanted"
        tx._cursor.register(view, wanted)
        try:
            found = tx.rows(
                f"SELECT w.at, arg_min(t.id, t.rowid) FROM {view} w "
                f"JOIN {table} t ON lower(t.{name}) = lower(w.text) GROUP BY w.at"
            )
        finally:
            tx._cursor.unregister(view)
        ids: list[int | None] = [None] * len(texts)
        for at, found_id in found:
            ids[at] = found_id
        return ids

    def next_id(self, tx: Tx, table: str) -> int:
        _check_district_table(table)
        return tx.one(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")[0]

    def insert_rows(self, tx: Tx, table: str, frame: pd.DataFrame) -> None:
        """Insert a frame's rows (its columns named as the table's), handed to
        DuckDB as Arrow, which it reads about twice as fast as pandas."""
        _check_district_table(table)
        if not frame.empty:
            columns = ", ".join(_district_identifier(c) for c in frame.columns)
            arrow = pa.Table.from_pandas(frame, preserve_index=False)
            self._connection_insert(tx, table, columns, arrow)

    def update_rows(
        self,
        tx: Tx,
        table: str,
        frame: pd.DataFrame,
        *,
        where: Sequence[str],
        bump_version: bool,
        stamp: tuple[int | None, datetime] | None = None,
    ) -> None:
        """Set each row of ``table`` whose ``where`` columns equal a frame row's
        ``_where_<column>`` to the frame's other columns (and, for versioned
        tables, one version up); ``stamp`` (a user's id and a time), if given,
        is written as every row's updated_by and updated_on."""
        _check_district_table(table)
        if frame.empty:
            return
        sets = [c for c in frame.columns if not c.startswith("_where_")]
        assignments = [f"{_district_identifier(c)} = v.{c}" for c in sets]
        if bump_version:
            assignments.append(f"version = {table}.version + 1")
        if stamp is not None:
            assignments += ["updated_by = $by", "updated_on = $on"]
        matches = " AND ".join(
            f"{table}.{_district_identifier(c)} = v._where_{c}" for c in where
        )
        view = f"_update_{table}"
        tx._cursor.register(view, pa.Table.from_pandas(frame, preserve_index=False))
        try:
            tx.rows(
                f"UPDATE {table} SET {', '.join(assignments)} "
                f"FROM {view} AS v WHERE {matches}",
                {"by": stamp[0], "on": stamp[1]} if stamp is not None else (),
            )
        finally:
            tx._cursor.unregister(view)

    def replace_links(
        self, tx: Tx, table: str, column: str, ids: Sequence[int], frame: pd.DataFrame
    ) -> None:
        """Replace the rows of a link table (focus standards, scale aliases)
        whose ``column`` is one of ``ids`` by the frame's rows."""
        _check_district_table(table)
        column = _district_identifier(column)
        if len(ids):
            tx.rows(
                f"DELETE FROM {table} WHERE {column} IN (SELECT unnest(?::BIGINT[]))",
                [list(map(int, ids))],
            )
        self.insert_rows(tx, table, frame)

    def replace_review_leads(
        self, tx: Tx, review_ids: Sequence[int], leads: pd.DataFrame
    ) -> None:
        """Make ``leads`` (review_id, user_id) the lead reviewers of those
        reviews: a previous lead stays on the team as a reviewer, a member
        becomes the lead, anyone else joins as lead; rows already right are
        not touched (they keep when their ratings were submitted)."""
        if not len(review_ids):
            return
        tx._cursor.register("_leads", pa.Table.from_pandas(leads, preserve_index=False))
        try:
            tx.rows(
                """
                UPDATE review_team t SET team_role = 'reviewer'
                WHERE t.team_role = 'lead'
                  AND t.review_id IN (SELECT unnest($reviews::BIGINT[]))
                  AND NOT EXISTS (SELECT 1 FROM _leads v
                      WHERE v.review_id = t.review_id AND v.user_id = t.user_id)
                """,
                {"reviews": list(map(int, review_ids))},
            )
            tx.rows(
                "UPDATE review_team t SET team_role = 'lead' FROM _leads v "
                "WHERE t.review_id = v.review_id AND t.user_id = v.user_id "
                "AND t.team_role <> 'lead'"
            )
            tx.rows(
                "INSERT INTO review_team (review_id, user_id, team_role) "
                "SELECT review_id, user_id, 'lead' FROM _leads v WHERE NOT EXISTS "
                "(SELECT 1 FROM review_team t "
                "WHERE t.review_id = v.review_id AND t.user_id = v.user_id)"
            )
        finally:
            tx._cursor.unregister("_leads")

    def district_export(self, kind: str) -> pd.DataFrame:
        """One kind of district data as its import file's columns hold it, by
        natural keys (codes, names, emails), in a stable order."""
        return self.frame(_DISTRICT_EXPORTS[kind])

    @_read_once
    def district_export_rows(self, kind: str) -> int:
        """How many rows ``district_export`` gives, without reading them out."""
        return int(self.value(f"SELECT count(*) FROM ({_DISTRICT_EXPORTS[kind]})"))

    # -- calibration -------------------------------------------------------------

    def reviewer_ratings(self, cycle_year: int | None = None) -> pd.DataFrame:
        """Every reviewer's rating in a published review (of one cycle if
        given), the latest recorded one per reviewer, review and standard,
        beside the team's consensus level on that standard (missing where the
        review has none), with the reviewer's name and the standard's code and
        name. Ratings that name no reviewer are left out."""
        return self.frame(
            _REVIEWER_LEVELS
            + """
            SELECT t.review_id, t.cycle_year, t.standard_id, s.code,
                   s.name AS standard, t.rater_id AS reviewer_id,
                   u.name AS reviewer, t.level, a.level AS consensus
            FROM rated t
            JOIN standards s ON s.id = t.standard_id
            LEFT JOIN users u ON u.id = t.rater_id
            LEFT JOIN agreed a ON a.review_id = t.review_id
                 AND a.standard_id = t.standard_id
            ORDER BY t.review_id, t.standard_id, t.rater_id
            """,
            {"cycle": cycle_year},
        )

    # -- evidence strength -------------------------------------------------------

    @_read_once
    def evidence_items(self, review_ids: Sequence[int]) -> pd.DataFrame:
        """Every evidence item of the reviews' findings, with the finding's review
        and standard, in the order the items were recorded."""
        where, params = _in_filter("f.review_id", list(review_ids))
        return self.frame(
            f"""
            SELECT f.review_id, f.standard_id, e.id, e.source, e.interviews_held,
                   e.interviewed_group, e.classrooms_observed, e.classrooms_total,
                   e.survey_group, e.survey_respondents, e.survey_invited
            FROM findings f JOIN evidence e ON e.finding_id = f.id
            {where}
            ORDER BY f.review_id, f.standard_id, e.id
            """,
            params,
        )

    @_read_once
    def published_review_cycles(self, school_ids: Sequence[int] | None) -> pd.DataFrame:
        """The schools' published reviews with their cycle, oldest first."""
        where, params = _in_filter("school_id", school_ids)
        return self.frame(
            f"""
            SELECT id AS review_id, school_id, cycle_year, published_on
            FROM reviews
            {where} {"AND" if where else "WHERE"} published_on IS NOT NULL
            ORDER BY school_id, cycle_year, id
            """,
            params,
        )

    # -- recording a review ------------------------------------------------------

    @_read_once
    def review_members(self, review_id: int) -> pd.DataFrame:
        """The review's team, its lead first: each member's user id, name, role
        on the team and when they submitted their ratings (missing until then)."""
        return self.frame(
            """
            WITH members AS (
                SELECT user_id, submitted_on FROM review_team WHERE review_id = $r
                UNION ALL
                SELECT lead_reviewer_id, NULL FROM reviews
                WHERE id = $r AND lead_reviewer_id IS NOT NULL
                  AND lead_reviewer_id NOT IN (
                      SELECT user_id FROM review_team WHERE review_id = $r)
            )
            SELECT m.user_id, u.name,
                   CASE WHEN m.user_id = r.lead_reviewer_id THEN 'lead reviewer'
                        ELSE 'reviewer' END AS team_role,
                   m.submitted_on
            FROM members m
            JOIN users u ON u.id = m.user_id
            JOIN reviews r ON r.id = $r
            ORDER BY m.user_id IS NOT DISTINCT FROM r.lead_reviewer_id DESC, u.name
            """,
            {"r": review_id},
        )

    @_read_once
    def review_focus_standards(self, review_id: int) -> pd.DataFrame:
        """The standards a review chose to focus on, in the district's order."""
        return self.frame(
            """
            SELECT s.id AS standard_id, s.code, s.name
            FROM review_focus f
            JOIN standards s ON s.id = f.standard_id
            LEFT JOIN standards p ON p.id = s.parent_id
            WHERE f.review_id = ?
            ORDER BY coalesce(p.sort_order, s.sort_order), s.parent_id NULLS FIRST,
                     s.sort_order
            """,
            [review_id],
        )

    @_read_once
    def review_ratings(self, review_id: int) -> pd.DataFrame:
        """Every rating of a review, of every rater, with its level's label and
        the reviewer's name (for reviewers' ratings). Callers filter what a user
        may see."""
        return self.frame(
            """
            SELECT x.id, x.version, x.standard_id, x.rater_kind, x.rater_id,
                   u.name AS reviewer, x.level, l.label, x.note, x.updated_on
            FROM ratings x
            LEFT JOIN users u ON u.id = x.rater_id
            LEFT JOIN rating_levels l ON l.level = x.level
            WHERE x.review_id = ?
            ORDER BY x.standard_id, x.rater_kind, u.name
            """,
            [review_id],
        )

    @_read_once
    def review_findings(self, review_id: int) -> pd.DataFrame:
        """A review's findings: strengths and areas for growth per standard."""
        return self.frame(
            """
            SELECT id, version, standard_id, strengths, areas_for_growth
            FROM findings WHERE review_id = ? ORDER BY standard_id
            """,
            [review_id],
        )

    @_read_once
    def review_evidence(self, review_id: int) -> pd.DataFrame:
        """The evidence of a review's findings, with each finding's standard, in
        the order it was recorded."""
        return self.frame(
            """
            SELECT e.id, f.standard_id, e.source, e.description, e.interviews_held,
                   e.interviewed_group, e.classrooms_observed, e.classrooms_total,
                   e.survey_group, e.survey_respondents, e.survey_invited
            FROM evidence e JOIN findings f ON f.id = e.finding_id
            WHERE f.review_id = ?
            ORDER BY f.standard_id, e.id
            """,
            [review_id],
        )

    def reviews_of_schools(self, school_ids: Sequence[int] | None) -> pd.DataFrame:
        """Reviews of some schools (all with None), those under way first, then
        the newest cycle first."""
        where, params = _in_filter("r.school_id", school_ids)
        return self.frame(
            f"""
            SELECT r.id, r.school_id, s.name AS school, r.cycle_year, r.phase,
                   r.published_on
            FROM reviews r JOIN schools s ON s.id = r.school_id
            {where}
            ORDER BY r.published_on IS NOT NULL, r.cycle_year DESC, s.name, r.id
            """,
            params,
        )

    def submitted_on(self, review_id: int, user_id: int) -> datetime | None:
        """When a team member submitted their ratings of a review, if they have."""
        return self.value(
            "SELECT submitted_on FROM review_team WHERE review_id = ? AND user_id = ?",
            [review_id, user_id],
        )

    def finding_id(self, review_id: int, standard_id: int) -> int | None:
        """The id of a review's finding on a standard, if one was written."""
        return self.value(
            "SELECT id FROM findings WHERE review_id = ? AND standard_id = ?",
            [review_id, standard_id],
        )

    def mark_submitted(
        self, tx: Tx, review_id: int, user_id: int, lead: bool, stamp: datetime
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Stamp a team member's submission (adding the lead to the team table if
        only the review names them); return their team row before and after."""
        key = {"review_id": review_id, "user_id": user_id}
        found = tx.one(
            "SELECT team_role, submitted_on FROM review_team "
            "WHERE review_id = $review_id AND user_id = $user_id",
            key,
        )
        if found is None:
            row = {**key, "team_role": "lead" if lead else "reviewer"}
            tx.link("review_team", **row, submitted_on=stamp)
            return {**row, "submitted_on": None}, {**row, "submitted_on": stamp}
        tx.rows(
            "UPDATE review_team SET submitted_on = $stamp "
            "WHERE review_id = $review_id AND user_id = $user_id",
            {**key, "stamp": stamp},
        )
        row = {**key, "team_role": found[0]}
        return {**row, "submitted_on": found[1]}, {**row, "submitted_on": stamp}

    # -- deleted goals and action steps ------------------------------------------

    def deletion_of(self, table: str, row_id: int) -> dict[str, Any] | None:
        """Whether a goal, milestone or action step is out of the plan: its
        ``what`` ('goal' or 'action step', the row itself or its goal) was
        deleted ``deleted_on`` by ``deleted_by`` (a name). None while kept."""
        step = "$id" if table == "action_steps" else "NULL"
        goal = {
            "goals": "$id",
            "milestones": "(SELECT goal_id FROM milestones WHERE id = $id)",
            "action_steps": "(SELECT goal_id FROM action_steps WHERE id = $id)",
        }[table]
        found = self.rows(
            f"""
            WITH marks AS (
                SELECT 'action step' AS what, deleted_on, deleted_by, 1 AS rank
                FROM action_steps WHERE id = {step} AND deleted_on IS NOT NULL
                UNION ALL
                SELECT 'goal', deleted_on, deleted_by, 2 FROM goals
                WHERE id = {goal} AND deleted_on IS NOT NULL
            )
            SELECT m.what, m.deleted_on, coalesce(u.name, 'someone') AS deleted_by
            FROM marks m LEFT JOIN users u ON u.id = m.deleted_by
            ORDER BY m.rank LIMIT 1
            """,
            {"id": row_id},
        )
        if not found:
            return None
        return dict(zip(("what", "deleted_on", "deleted_by"), found[0], strict=True))

    def deleted_plan_items(self, school_id: int) -> pd.DataFrame:
        """A school's deleted goals and action steps, newest deletion first,
        with who deleted them, each step's goal and whether that goal is
        deleted too (a step comes back only with its goal)."""
        return self.frame(
            """
            SELECT 'goal' AS kind, g.id, g.version, g.statement AS item,
                   g.id AS goal_id, g.statement AS goal, g.deleted_on,
                   coalesce(u.name, 'someone') AS deleted_by,
                   FALSE AS goal_deleted
            FROM goals g LEFT JOIN users u ON u.id = g.deleted_by
            WHERE g.school_id = $school AND g.deleted_on IS NOT NULL
            UNION ALL
            SELECT 'action step', a.id, a.version, a.description, g.id,
                   g.statement, a.deleted_on, coalesce(u.name, 'someone'),
                   g.deleted_on IS NOT NULL
            FROM action_steps a
            JOIN goals g ON g.id = a.goal_id
            LEFT JOIN users u ON u.id = a.deleted_by
            WHERE g.school_id = $school AND a.deleted_on IS NOT NULL
            ORDER BY deleted_on DESC, kind = 'goal' DESC, id DESC
            """,
            {"school": school_id},
        )

    # -- backing up while the app runs -------------------------------------------

    def back_up_between_writes(self, target: str | os.PathLike[str]) -> Path:
        """``back_up`` while other sessions of this process may be saving: their
        saves wait from the checkpoint to the end of the copy, so that none of
        them reaches the file half way through it."""
        with self._write_lock:
            return self.back_up(target)

    # -- caching and users -------------------------------------------------------

    @_read_once
    def data_version(self) -> int:
        """A number that grows with every write: the latest change history entry.
        Every write through ``actions`` appends one, so cached answers keyed on
        it are never older than the data."""
        return int(self.value("SELECT coalesce(max(id), 0) FROM history"))

    # -- comparing a file's contents -------------------------------------------

    def table_digests(self) -> dict[str, tuple[int, str]]:
        """Each table's row count and a digest of all its rows, in one query: two
        files (or one file before and after) hold the same data exactly when
        these agree, which is much quicker to learn than reading every table."""
        parts = " UNION ALL ".join(
            f"SELECT '{name}', count(*), md5(coalesce(string_agg(CAST(t AS VARCHAR), "
            f"chr(10) ORDER BY CAST(t AS VARCHAR)), '')) FROM \"{name}\" AS t"
            for name in self.table_names()
        )
        return {name: (count, digest) for name, count, digest in self.rows(parts)}

    # -- matching an import with the stored rows ---------------------------------

    def distinct_values(self, tx: Tx, table: str, column: str) -> pd.Series:
        """The distinct values of a table's column, NULL left out, read inside
        ``tx`` (an import codes a key column's values with them)."""
        _check_district_table(table)
        name = _district_identifier(column)
        sql = f"SELECT DISTINCT {name} AS value FROM {table} WHERE {name} IS NOT NULL"
        return tx.frame(sql)["value"]

    def matched_rows(
        self,
        tx: Tx,
        table: str,
        incoming: pa.Table,
        *,
        keys: Mapping[str, pd.DataFrame | None],
        returned: Sequence[str],
        compared: Sequence[str],
    ) -> pd.DataFrame:
        """The stored rows that rows of ``incoming`` (an import's, named by
        their ``_pos``) match, joined in DuckDB rather than read out.

        ``incoming`` holds the n-th ``keys`` column as ``_key<n>`` and the
        ``compared`` columns by name. A row matches where every key equals the
        stored column, missing equal to missing; a key given a frame of
        (value, code) holds codes, and a stored value's code is the frame's
        (-1 for NULL, -2 for a value the frame lacks). Per match: ``_pos``,
        ``_rowid`` (storage order), the stored ``returned`` columns and per
        ``compared`` column ``_differs_<column>``, whether the two values
        differ (missing equal to missing); in no particular order."""
        _check_district_table(table)
        column = _district_identifier
        stored = ["t.rowid AS _rowid"]
        stored += [f"t.{column(c)} AS _r{n}" for n, c in enumerate(returned)]
        stored += [f"t.{column(c)} AS _c{n}" for n, c in enumerate(compared)]
        joins, on, views = [], [], {"_incoming": incoming}
        for n, (name, codes) in enumerate(keys.items()):
            if codes is None:
                stored.append(f"t.{column(name)} AS _k{n}")
                on.append(f"i._key{n} IS NOT DISTINCT FROM s._k{n}")
                continue
            views[f"_codes{n}"] = pa.Table.from_pandas(codes, preserve_index=False)
            joins.append(f"LEFT JOIN _codes{n} ON t.{column(name)} = _codes{n}.value")
            stored.append(
                f"CASE WHEN t.{column(name)} IS NULL THEN -1 "
                f"ELSE coalesce(_codes{n}.code, -2) END AS _k{n}"
            )
            on.append(f"i._key{n} = s._k{n}")
        picked = ["i._pos AS _pos", "s._rowid AS _rowid"]
        picked += [f"s._r{n} AS {column(c)}" for n, c in enumerate(returned)]
        picked += [
            f'i.{column(c)} IS DISTINCT FROM s._c{n} AS "_differs_{c}"'
            for n, c in enumerate(compared)
        ]
        sql = (
            f"SELECT {', '.join(picked)} FROM _incoming i JOIN "
            f"(SELECT {', '.join(stored)} FROM {table} t {' '.join(joins)}) s "
            f"ON {' AND '.join(on)}"
        )
        for view, rows in views.items():
            tx._cursor.register(view, rows)
        try:
            return tx.frame(sql)
        finally:
            for view in views:
                tx._cursor.unregister(view)

    # -- ratings against outcomes and reviewers across every school -------------

    def values_before_latest_review(
        self, school_ids: Sequence[int] | None, student_group: str, days: int
    ) -> pd.DataFrame:
        """One student group's values of every measure for each school, in the
        periods starting in the ``days`` days up to the publication day of the
        school's latest published review: school, measure, period, value and
        group size, in school, measure and period order."""
        where, params = _in_filter("v.school_id", school_ids)
        return self.frame(
            f"""
            WITH latest AS (
                SELECT school_id, published_on FROM reviews
                WHERE published_on IS NOT NULL
                QUALIFY row_number() OVER (PARTITION BY school_id
                                           ORDER BY cycle_year DESC, id DESC) = 1
            )
            SELECT v.school_id, v.measure_id, v.period, v.value, v.group_size
            FROM measure_values v JOIN latest l ON l.school_id = v.school_id
            {where} {"AND" if where else "WHERE"} v.student_group = $group
              AND v.period <= l.published_on
              AND v.period > l.published_on - $days::INTEGER
            ORDER BY v.school_id, v.measure_id, v.period
            """,
            {"group": student_group, "days": days, **params},
        )

    def reviewer_levels(self, cycle_year: int | None = None) -> pd.DataFrame:
        """``reviewer_ratings`` without the names, in the same rows and order:
        review, cycle, standard, reviewer, level and consensus level."""
        return self.frame(
            _REVIEWER_LEVELS
            + """
            SELECT t.review_id, t.cycle_year, t.standard_id,
                   t.rater_id AS reviewer_id, t.level, a.level AS consensus
            FROM rated t
            JOIN standards s ON s.id = t.standard_id
            LEFT JOIN agreed a ON a.review_id = t.review_id
                 AND a.standard_id = t.standard_id
            ORDER BY t.review_id, t.standard_id, t.rater_id
            """,
            {"cycle": cycle_year},
        )

    def user_names(self, user_ids: Sequence[int]) -> pd.DataFrame:
        """The id and name of each of these users that has a row."""
        where, params = _in_filter("id", list(user_ids))
        return self.frame(f"SELECT id, name FROM users {where}", params)

    @_read_once
    def reviewer_rating_cycles(self) -> list[int]:
        """The cycle years of the rows ``reviewer_ratings`` returns."""
        found = self.rows(
            """
            SELECT DISTINCT r.cycle_year
            FROM ratings x JOIN reviews r ON r.id = x.review_id
            JOIN standards s ON s.id = x.standard_id
            WHERE x.rater_kind = 'reviewer' AND x.rater_id IS NOT NULL
              AND r.published_on IS NOT NULL
            """
        )
        return [int(year) for (year,) in found]

    # -- needs support at state scale --------------------------------------------

    def group_points(
        self, school_ids: Sequence[int] | None, student_group: str
    ) -> pd.DataFrame:
        """``group_values`` without the measure's code and name, which cost more
        than the numbers at state scale when repeated on every row."""
        where, params = _in_filter("v.school_id", school_ids)
        return self.frame(
            f"""
            SELECT v.school_id, v.measure_id, m.higher_is_better, v.period,
                   v.value, v.group_size
            FROM measure_values v JOIN measures m ON m.id = v.measure_id
            {where} {"AND" if where else "WHERE"} v.student_group = $total
            ORDER BY v.school_id, v.measure_id, v.period
            """,
            {"total": student_group, **params},
        )

    # -- exemplars and rating validity at state scale ----------------------------

    def evidence_items_on(
        self, review_ids: Sequence[int], standard_id: int
    ) -> pd.DataFrame:
        """``evidence_items`` of the reviews' findings on one standard only."""
        where, params = _in_filter("f.review_id", list(review_ids))
        return self.frame(
            f"""
            SELECT f.review_id, f.standard_id, e.id, e.source, e.interviews_held,
                   e.interviewed_group, e.classrooms_observed, e.classrooms_total,
                   e.survey_group, e.survey_respondents, e.survey_invited
            FROM findings f JOIN evidence e ON e.finding_id = f.id
            {where} AND f.standard_id = $standard
            ORDER BY f.review_id, f.standard_id, e.id
            """,
            {"standard": standard_id, **params},
        )

    # -- one school's measures at once ------------------------------------------

    def school_values_of_group(self, school_id: int, group: str) -> pd.DataFrame:
        """Every measure's values for one student group of a school, by measure
        and period: ``measure_values_of`` for each measure, read together."""
        return self.frame(
            """
            SELECT measure_id, period, student_group, value, group_size
            FROM measure_values
            WHERE school_id = $school AND student_group = $group
            ORDER BY measure_id, period, student_group
            """,
            {"school": school_id, "group": group},
        )

    # -- peers and practice ------------------------------------------------------

    @_read_once
    def rated_standards(self) -> pd.DataFrame:
        """The standards some published review gave a consensus rating, in order."""
        return self.frame(
            """
            SELECT s.id, s.code, s.name
            FROM standards s LEFT JOIN standards p ON p.id = s.parent_id
            WHERE s.id IN (
                SELECT x.standard_id FROM ratings x
                JOIN reviews r ON r.id = x.review_id AND r.published_on IS NOT NULL
                WHERE x.rater_kind = 'consensus')
            ORDER BY coalesce(p.sort_order, s.sort_order), s.parent_id NULLS FIRST,
                     s.sort_order
            """
        )

    @_read_once
    def last_two_consensus(self, standard_id: int | None = None) -> pd.DataFrame:
        """Per school and standard: the consensus rating of the latest published
        review and of the one before it (missing where that review did not rate
        the standard), with the latest review's id, cycle and publication date
        and the school's own self-reflection rating in it."""
        return self.frame(
            """
            WITH published AS (
                SELECT id, school_id, cycle_year, published_on,
                       row_number() OVER (PARTITION BY school_id
                                          ORDER BY cycle_year DESC, id DESC) AS back
                FROM reviews WHERE published_on IS NOT NULL
            ), rated AS (
                SELECT p.school_id, x.standard_id, p.back, p.id AS review_id,
                       p.cycle_year, p.published_on, x.level
                FROM published p
                JOIN ratings x ON x.review_id = p.id AND x.rater_kind = 'consensus'
                WHERE p.back <= 2
                  AND ($standard IS NULL OR x.standard_id = $standard)
            )
            SELECT latest.school_id, latest.standard_id, latest.review_id,
                   latest.cycle_year, latest.published_on, latest.level AS rating,
                   before.cycle_year AS previous_cycle_year,
                   before.level AS previous_rating, own.level AS self_rating
            FROM rated latest
            LEFT JOIN rated before ON before.school_id = latest.school_id
                 AND before.standard_id = latest.standard_id AND before.back = 2
            LEFT JOIN ratings own ON own.review_id = latest.review_id
                 AND own.standard_id = latest.standard_id
                 AND own.rater_kind = 'self-reflection'
            WHERE latest.back = 1
            ORDER BY latest.school_id, latest.standard_id
            """,
            {"standard": standard_id},
        )

    @_read_once
    def findings_on(self, review_ids: Sequence[int], standard_id: int) -> pd.DataFrame:
        """The strengths and areas for growth some reviews wrote for a standard."""
        where, params = _in_filter("review_id", review_ids)
        return self.frame(
            f"""
            SELECT review_id, strengths, areas_for_growth FROM findings
            {where} AND standard_id = $standard ORDER BY review_id
            """,
            {"standard": standard_id, **params},
        )

    @_read_once
    def principal_contacts(self, school_ids: Sequence[int]) -> pd.DataFrame:
        """Each school's principal, with an email to write to, if active."""
        where, params = _in_filter("s.id", school_ids)
        return self.frame(
            f"""
            SELECT s.id AS school_id, u.name AS principal, u.email AS principal_email
            FROM schools s JOIN users u ON u.id = s.principal_id AND u.active
            {where} ORDER BY s.id
            """,
            params,
        )

    @_read_once
    def open_goals_on(self, standard_id: int) -> pd.DataFrame:
        """Every school's open goals on a standard, focus goals first."""
        return self.frame(
            """
            SELECT school_id, id AS goal_id, statement, is_focus FROM goals
            WHERE standard_id = ? AND status = 'open' AND deleted_on IS NULL
            ORDER BY school_id, is_focus DESC, id
            """,
            [standard_id],
        )

    def search_strengths(
        self,
        words: str,
        stop_words: Sequence[str],
        *,
        standard_id: int | None = None,
        limit: int = 20,
    ) -> pd.DataFrame:
        """Strength statements of published reviews ranked by how well they match
        ``words`` (Okapi BM25 over single statements); with no words at all, the
        newest statements (stop words alone match nothing). One row per statement
        and standard, listing the schools and
        reviews that wrote it, newest first."""
        words_of = "regexp_extract_all(lower({}), '[a-z0-9]+')"
        return self.frame(
            f"""
            WITH statements AS (
                SELECT f.review_id, f.standard_id, r.school_id, r.cycle_year,
                       r.published_on,
                       unnest(regexp_extract_all(f.strengths, '[^.!?]+[.!?]*'))
                           AS statement
                FROM findings f JOIN reviews r ON r.id = f.review_id
                WHERE r.published_on IS NOT NULL AND trim(f.strengths) <> ''
                  AND ($standard IS NULL OR f.standard_id = $standard)
            ), docs AS (
                SELECT row_number() OVER () AS doc, review_id, standard_id, school_id,
                       cycle_year, published_on, trim(statement) AS statement,
                       len({words_of.format("statement")}) AS length
                FROM statements WHERE trim(statement) <> ''
            ), terms AS (
                SELECT DISTINCT {_folded("w")} AS term
                FROM (SELECT unnest({words_of.format("$words")}) AS w)
                WHERE w NOT IN (SELECT unnest($stop::VARCHAR[]))
            ), candidates AS (
                SELECT DISTINCT d.doc FROM docs d, terms t
                WHERE contains(lower(d.statement),
                               left(t.term, greatest(length(t.term) - 1, 1)))
            ), tf AS (
                SELECT doc, term, count(*) AS tf FROM (
                    SELECT doc, {_folded("w")} AS term FROM (
                        SELECT doc, unnest({words_of.format("statement")}) AS w
                        FROM docs WHERE doc IN (SELECT doc FROM candidates)))
                WHERE term IN (SELECT term FROM terms) GROUP BY ALL
            ), df AS (
                SELECT term, count(*) AS df FROM tf GROUP BY term
            ), corpus AS (
                SELECT count(*) AS n, avg(length) AS mean_length FROM docs
            ), scored AS (
                SELECT tf.doc,
                       sum(ln((c.n - df.df + 0.5) / (df.df + 0.5) + 1)
                           * tf.tf * 2.2
                           / (tf.tf + 1.2 * (0.25 + 0.75 * d.length / c.mean_length)))
                           AS score,
                       string_agg(tf.term, ', ' ORDER BY tf.term) AS matched
                FROM tf JOIN df USING (term) JOIN docs d USING (doc), corpus c
                GROUP BY tf.doc
            ), ranked AS (
                SELECT doc, score, matched FROM scored
                UNION ALL
                SELECT doc, NULL, '' FROM docs
                WHERE len({words_of.format("$words")}) = 0
            )
            SELECT s.code, s.name AS standard, d.statement,
                   round(max(ranked.score), 3) AS score,
                   any_value(ranked.matched) AS matched,
                   list(struct_pack(school_id := d.school_id, school := sc.name,
                                    review_id := d.review_id,
                                    cycle_year := d.cycle_year)
                        ORDER BY d.published_on DESC, sc.name) AS schools,
                   max(d.published_on) AS latest
            FROM ranked
            JOIN docs d USING (doc)
            JOIN schools sc ON sc.id = d.school_id
            JOIN standards s ON s.id = d.standard_id
            GROUP BY s.code, s.name, s.sort_order, d.statement
            ORDER BY score DESC NULLS LAST, latest DESC, s.sort_order, d.statement
            LIMIT $limit
            """,
            {
                "words": words,
                "stop": list(stop_words),
                "standard": standard_id,
                "limit": limit,
            },
        )

    def peer_requests(self, school_ids: Sequence[int] | None = None) -> pd.DataFrame:
        """Requests to visit or pair with a peer school, newest first."""
        where, params = _in_filter("q.school_id", school_ids)
        return self.frame(
            f"""
            SELECT q.id, q.version, q.school_id, s.name AS school, q.kind,
                   q.peer_school_id, p.name AS peer_school, q.need, q.needed_by,
                   q.requested_on, r.name AS requested_by, q.status, q.answer
            FROM support_requests q
            JOIN schools s ON s.id = q.school_id
            LEFT JOIN schools p ON p.id = q.peer_school_id
            LEFT JOIN users r ON r.id = q.requested_by
            {where} {"AND" if where else "WHERE"} q.kind <> 'support'
            ORDER BY q.requested_on DESC, q.id DESC
            """,
            params,
        )


# -- helpers ---------------------------------------------------------------------


# Every reviewer's latest rating per published review and standard (of the
# cycle $cycle, or every cycle when it is NULL) as ``rated``, and each review's
# latest consensus level per standard as ``agreed``.
_REVIEWER_LEVELS = """
            WITH rated AS (
                SELECT x.review_id, r.cycle_year, x.standard_id, x.rater_id,
                       x.level
                FROM ratings x JOIN reviews r ON r.id = x.review_id
                WHERE x.rater_kind = 'reviewer' AND x.rater_id IS NOT NULL
                  AND r.published_on IS NOT NULL
                  AND ($cycle IS NULL OR r.cycle_year = $cycle)
                QUALIFY row_number() OVER (
                    PARTITION BY x.review_id, x.standard_id, x.rater_id
                    ORDER BY x.id DESC) = 1
            ), agreed AS (
                SELECT review_id, standard_id, level FROM ratings
                WHERE rater_kind = 'consensus'
                  AND review_id IN (SELECT review_id FROM rated)
                QUALIFY row_number() OVER (
                    PARTITION BY review_id, standard_id ORDER BY id DESC) = 1
            )
"""


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(
            str(path),
            config={"enable_external_access": False, "lock_configuration": True},
        )
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise DataFileInUse(
                f"The data file {path} is open in another program (is the app or "
                "another sqr-tracker command running?). Stop it and try again."
            ) from error
        raise


def _in_filter(
    column: str, ids: Sequence[Any] | None, kind: str = "INTEGER"
) -> tuple[str, dict[str, Any]]:
    """'WHERE column IN (the list)' with the list as one parameter, or nothing."""
    if ids is None:
        return "", {}
    return f"WHERE {column} IN (SELECT unnest($ids::{kind}[]))", {"ids": list(ids)}


# How the practice library folds a lower-case word, rule by rule in this order:
# plurals to their singular, -ing and -ed dropped (with a doubled consonant
# before them made single), then a final e dropped, so that "families" finds
# "family", "classes" "class", "planning" "plan" and "described" "describe".
_DOUBLED = "bdgmnprt"
_FOLDING = (
    ("ies$", "y"),
    ("(s|x|z|ch|sh)es$", r"\1"),
    ("([^s])s$", r"\1"),
    *((f"^(.{{2,}}{c}){c}ing$", r"\1") for c in _DOUBLED),
    ("^(.{3,})ing$", r"\1"),
    *((f"^(.{{2,}}{c}){c}ed$", r"\1") for c in _DOUBLED),
    ("^(.{4,})ed$", r"\1"),
    ("^(.{4,})e$", r"\1"),
)


def _folded(word: str) -> str:
    """SQL folding a lower-case word by ``_FOLDING``: each rule wraps the one
    before, and each refers to the word once."""
    for pattern, replacement in _FOLDING:
        word = f"regexp_replace({word}, '{pattern}', '{replacement}')"
    return word


def _check_table(table: str) -> None:
    if table not in ENTITY_TABLES:
        raise ValueError(f"not a table of the store: {table!r}")


# District data in and out: the tables an import writes, and each kind's export
# by natural keys, its columns named and ordered as the import file's.
_DISTRICT_TABLES = LOADABLE_TABLES | {"rating_aliases"}
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_DISTRICT_EXPORTS = {
    "scale": """
        SELECT l.level, l.label, l.description,
               coalesce(string_agg(a.alias, '|' ORDER BY a.alias), '') AS aliases
        FROM rating_levels l LEFT JOIN rating_aliases a ON a.level = l.level
        GROUP BY ALL ORDER BY l.level""",
    "standards": """
        SELECT s.code, s.name, s.description, p.code AS parent_code,
               s.sort_order AS "order"
        FROM standards s LEFT JOIN standards p ON p.id = s.parent_id
        ORDER BY coalesce(p.sort_order, s.sort_order), s.parent_id NULLS FIRST,
                 s.sort_order, s.code""",
    "networks": "SELECT name FROM networks ORDER BY name",
    "schools": """
        SELECT s.code, s.name, s.level, n.name AS network, s.enrollment,
               s.pct_low_income, s.pct_english_learners, s.pct_disabilities,
               u.email AS principal_email
        FROM schools s
        LEFT JOIN networks n ON n.id = s.network_id
        LEFT JOIN users u ON u.id = s.principal_id
        ORDER BY s.code NULLS LAST, s.name, s.id""",
    "users": """
        SELECT u.email, u.name, u.role, s.code AS school_code, n.name AS network,
               u.active
        FROM users u
        LEFT JOIN schools s ON s.id = u.school_id
        LEFT JOIN networks n ON n.id = u.network_id
        ORDER BY u.email""",
    "reviews": """
        WITH focus AS (
            SELECT f.review_id,
                   string_agg(s.code, '|' ORDER BY s.sort_order, s.code) AS codes
            FROM review_focus f JOIN standards s ON s.id = f.standard_id
            GROUP BY f.review_id
        )
        SELECT s.code AS school_code, r.cycle_year, r.phase,
               CAST(r.starts_on AS VARCHAR) AS starts_on,
               CAST(r.visit_starts_on AS VARCHAR) AS visit_starts_on,
               CAST(r.visit_ends_on AS VARCHAR) AS visit_ends_on,
               CAST(r.report_on AS VARCHAR) AS report_on,
               CAST(r.completes_on AS VARCHAR) AS completes_on,
               CAST(r.published_on AS VARCHAR) AS published_on,
               u.email AS lead_reviewer_email,
               coalesce(f.codes, '') AS focus_standards
        FROM reviews r
        JOIN schools s ON s.id = r.school_id
        LEFT JOIN users u ON u.id = r.lead_reviewer_id
        LEFT JOIN focus f ON f.review_id = r.id
        ORDER BY s.code NULLS LAST, r.cycle_year, r.id""",
    "ratings": """
        SELECT s.code AS school_code, r.cycle_year, st.code AS standard_code,
               x.rater_kind, u.email AS rater_email,
               coalesce(l.label, CAST(x.level AS VARCHAR)) AS rating, x.note
        FROM ratings x
        JOIN reviews r ON r.id = x.review_id
        JOIN schools s ON s.id = r.school_id
        JOIN standards st ON st.id = x.standard_id
        LEFT JOIN users u ON u.id = x.rater_id
        LEFT JOIN rating_levels l ON l.level = x.level
        ORDER BY s.code NULLS LAST, r.cycle_year, st.code, x.rater_kind,
                 u.email NULLS FIRST, x.id""",
    "findings": """
        SELECT s.code AS school_code, r.cycle_year, st.code AS standard_code,
               f.strengths, f.areas_for_growth
        FROM findings f
        JOIN reviews r ON r.id = f.review_id
        JOIN schools s ON s.id = r.school_id
        JOIN standards st ON st.id = f.standard_id
        ORDER BY s.code NULLS LAST, r.cycle_year, st.code, f.id""",
    "evidence": """
        SELECT s.code AS school_code, r.cycle_year, st.code AS standard_code,
               e.source, e.description, e.interviews_held, e.interviewed_group,
               e.classrooms_observed, e.classrooms_total, e.survey_group,
               e.survey_respondents, e.survey_invited
        FROM evidence e
        JOIN findings f ON f.id = e.finding_id
        JOIN reviews r ON r.id = f.review_id
        JOIN schools s ON s.id = r.school_id
        JOIN standards st ON st.id = f.standard_id
        ORDER BY s.code NULLS LAST, r.cycle_year, st.code, e.id""",
    "measures": """
        SELECT code, name, unit, higher_is_better, frequency FROM measures
        ORDER BY code""",
    "measure-values": """
        SELECT s.code AS school_code, m.code AS measure_code,
               CAST(v.period AS VARCHAR) AS period, v.student_group, v.value,
               v.group_size
        FROM measure_values v
        JOIN schools s ON s.id = v.school_id
        JOIN measures m ON m.id = v.measure_id
        ORDER BY s.code NULLS LAST, m.code, v.period, v.student_group""",
}


def _check_district_table(table: str) -> None:
    if table not in _DISTRICT_TABLES:
        raise ValueError(f"not a table of the store: {table!r}")


def _district_identifier(name: str) -> str:
    """A column name from the import's own specs, checked before it meets SQL."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a column name: {name!r}")
    return name


def _singular(table: str) -> str:
    names = {
        "action_steps": "action step",
        "check_ins": "check-in",
        "support_requests": "support request",
        "evidence": "evidence item",
        "rating_levels": "rating level",
        "review_team": "team member",
        "review_focus": "focus standard",
        "history": "history entry",
    }
    return names.get(table, table.rstrip("s"))


def _json(row: Mapping[str, Any] | None) -> str | None:
    if row is None:
        return None
    return json.dumps(dict(row), default=_plain, sort_keys=True)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
