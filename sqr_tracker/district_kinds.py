"""The kinds of district data a file can bring in: each kind's columns, its
natural key, and how its codes, names and emails become the store's rows.

A kind's ``resolve`` turns the file's columns into a batch for one table: a row
per file row in the store's columns, ids looked up by natural key inside the
import's transaction, with a problem noted for each code that names nothing and
for each rule the rows break (a sub-standard under a sub-standard, a users file
that leaves no central office user, a survey with more respondents than it
invited).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from sqr_tracker.auth import Action
from sqr_tracker.district_columns import (
    NO_RATING,
    NO_RATING_WORDS,
    Column,
    Field,
    pair_lookup,
    split,
)
from sqr_tracker.district_files import Problems, Sheet, fold, fold_one
from sqr_tracker.measures import ranks
from sqr_tracker.models import (
    ROLE_LABELS,
    SCHOOL_ROLES,
    Phase,
    RaterKind,
    Role,
    SchoolLevel,
    Source,
    User,
)
from sqr_tracker.store import Store, Tx


@dataclass(frozen=True)
class Spec:
    """One kind of district data: its file's columns and how a row is known."""

    kind: str
    table: str
    row: str  # what one row of the file is
    key: tuple[str, ...]  # the columns that name a row: its natural key
    columns: tuple[Column, ...]
    action: Action
    resolve: Callable[[Job], Batch]
    notes: tuple[str, ...] = ()


@dataclass
class Batch:
    """What an import writes to one table: a row per file row in the store's
    columns; ``match`` finds the stored row, ``compare_only`` columns are
    compared with ``stored_extra`` (by the stored row's id or key) and written
    by ``links``, which gets the rows written, with their ids."""

    table: str
    frame: pd.DataFrame
    match: tuple[str, ...]
    compare_only: tuple[str, ...] = ()
    stored_extra: pd.DataFrame | None = None
    has_id: bool = True
    versioned: bool = True
    links: Callable[[Job, pd.DataFrame], None] | None = None


@dataclass
class Job:
    """One import under way: the file's columns read, the open transaction,
    the problems found so far and the rows to leave out."""

    spec: Spec
    store: Store
    tx: Tx
    sheet: Sheet
    problems: Problems
    fields: dict[str, Field]
    positions: dict[str, int]
    user: User | None
    stamp: datetime = field(default_factory=lambda: _now())
    skip: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.skip is None:
            self.skip = np.zeros(len(self.sheet.rows), dtype=bool)

    def cells(self, name: str) -> Field:
        return self.fields[name]

    def present(self, name: str) -> bool:
        return self.fields[name].present

    def stored(self, table: str, columns: Sequence[str]) -> pd.DataFrame:
        return self.store.table_rows(self.tx, table, columns)

    def plain(self) -> pd.DataFrame:
        """The file's columns that fill a store column as they are."""
        return pd.DataFrame(
            {
                column.table_column: self.fields[column.name].series()
                for column in self.spec.columns
                if column.table_column and self.fields[column.name].present
            }
        )

    def add(self, bad: np.ndarray, column: str | None, message) -> None:
        """Problems at the rows where ``bad`` holds (see Problems.add)."""
        order = self.positions.get(column, len(self.sheet.header)) if column else -1
        self.problems.add(bad, column, message, order)

    def say(self, name: str, template: str) -> Callable[[np.ndarray], list[str]]:
        """Messages naming each row's cell of column ``name`` as {value}."""
        cells = self.cells(name)
        return lambda at: [template.format(value=repr(t)) for t in cells.text_at(at)]

    def refer(self, name: str, table: str, key: str, missing: str) -> np.ndarray:
        """Per row: the id of the stored row whose ``key`` is the cell's text
        (ignoring case), NaN where the cell is empty; ``missing`` ({value})
        is the problem where no row has it."""
        return self.refer_distinct(name, table, key, missing)[self.cells(name).codes]

    def refer_distinct(
        self, name: str, table: str, key: str, missing: str
    ) -> np.ndarray:
        """``refer`` for each distinct cell of the column."""
        cells = self.cells(name)
        found = self.store.ids_by_text(self.tx, table, key, cells.text.tolist())
        ids = np.array(found, dtype=float)  # None: NaN
        unknown = cells.given & np.isnan(ids)
        if unknown.any():
            self.add(unknown[cells.codes], name, self.say(name, missing))
        return ids


def _now() -> datetime:
    """The time stamped on an import's rows (whole seconds, as every write)."""
    return datetime.now().replace(microsecond=0)


def ints(values: np.ndarray) -> pd.Series:
    """Whole numbers held as floats (NaN: missing) as a nullable integer
    column, built from its parts (``astype`` checks every value is whole, at
    twice the time; these are ids and levels)."""
    numbers = np.asarray(values, dtype=float)
    missing = np.isnan(numbers)
    whole = np.where(missing, 0, numbers).astype(np.int64)
    return pd.Series(pd.arrays.IntegerArray(whole, missing))


def at(position: int, count: int) -> np.ndarray:
    mask = np.zeros(count, dtype=bool)
    mask[position] = True
    return mask


def joined(names: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


# -- the district ------------------------------------------------------------------
# A scale and a set of standards hold tens of rows: their rules between rows
# are read row by row. Every kind that can be large is checked column-wise.


def _scale(job: Job) -> Batch:
    frame = job.plain()
    levels = [None if pd.isna(n) else int(n) for n in frame["level"]]
    labels = job.cells("label").rows()
    lists = [split(text) for text in job.cells("aliases").rows()]
    with_aliases = job.present("aliases")
    stored = job.stored("rating_levels", ["level", "label"])
    aliases = job.stored("rating_aliases", ["level", "alias"])
    # Who owns each word once the file is in: the levels the file leaves out
    # keep theirs, and its own levels keep their aliases if it gives none.
    owner: dict[str, tuple[int, str]] = {}
    for level, label in zip(stored["level"], stored["label"], strict=True):
        if int(level) not in levels:
            owner[fold_one(label)] = (int(level), f"the label of level {level}")
    for level, alias in zip(aliases["level"], aliases["alias"], strict=True):
        if int(level) not in levels or not with_aliases:
            owner[fold_one(alias)] = (int(level), f"a word for level {level}")
    count = len(frame)
    for row, (level, label) in enumerate(zip(levels, labels, strict=True)):
        if level is None or label is None:
            continue
        word = fold_one(label)
        if not word:
            job.add(at(row, count), "label", "has no letters or digits")
        elif owner.get(word, (level,))[0] != level:
            job.add(at(row, count), "label", f"{label!r} is already {owner[word][1]}")
        else:
            owner[word] = (level, f"the label of level {level}")
    for row, (level, words) in enumerate(zip(levels, lists, strict=True)):
        for alias in words:
            word = fold_one(alias)
            if not word or word.isdigit():
                job.add(at(row, count), "aliases", f"{alias!r} cannot be a word "
                        "for a level: numbers name the levels")  # fmt: skip
            elif owner.get(word, (level,))[0] != level:
                job.add(at(row, count), "aliases", f"{alias!r} is already "
                        f"{owner[word][1]}")  # fmt: skip
            else:
                owner[word] = (level, f"a word for level {level}")
    if not with_aliases:
        return Batch("rating_levels", frame, ("level",), has_id=False)
    frame["aliases"] = [
        "|".join(a for a in words if label is None or fold_one(a) != fold_one(label))
        for words, label in zip(lists, labels, strict=True)
    ]
    stored_words = aliases.groupby("level")["alias"].agg(
        lambda words: "|".join(sorted(words, key=str.lower))
    )
    return Batch(
        "rating_levels",
        frame,
        ("level",),
        compare_only=("aliases",),
        stored_extra=pd.DataFrame({"aliases": stored_words}),
        has_id=False,
        links=_write_aliases,
    )


def _write_aliases(job: Job, written: pd.DataFrame) -> None:
    levels = written["level"].astype(int).tolist()
    rows = [
        (level, alias)
        for level, words in zip(levels, written["aliases"], strict=True)
        for alias in (words.split("|") if words else [])
    ]
    frame = pd.DataFrame(rows, columns=["level", "alias"]).astype({"level": "int64"})
    job.store.replace_links(job.tx, "rating_aliases", "level", levels, frame)


def _standards(job: Job) -> Batch:
    frame = job.plain()
    stored = job.stored("standards", ["id", "code", "parent_id"])
    stored_ids = dict(zip(stored["code"].str.lower(), stored["id"], strict=True))
    next_id = int(stored["id"].max()) + 1 if len(stored) else 1
    codes = [c.lower() if isinstance(c, str) else None for c in frame["code"]]
    ids: list[int | None] = []
    for code in codes:
        if code is not None and code not in stored_ids:
            stored_ids[code], next_id = next_id, next_id + 1
        ids.append(stored_ids.get(code) if code is not None else None)
    frame.insert(0, "id", pd.array(ids, dtype="Int64"))
    if not job.present("parent_code"):
        return Batch("standards", frame, ("code",))
    # Parents as they will be once the file is in.
    parents = job.cells("parent_code").rows()
    parent_ids = [stored_ids.get(p.lower()) if p else None for p in parents]
    parent_of = dict(zip(stored["id"], stored["parent_id"], strict=True))
    parent_of.update(zip(ids, parent_ids, strict=True))
    has_children = {p for p in parent_of.values() if not pd.isna(p)}
    count = len(frame)
    for row, (code, parent, parent_id) in enumerate(
        zip(frame["code"], parents, parent_ids, strict=True)
    ):
        problem = None
        if parent is None:
            continue
        if parent_id is None:
            problem = f"no standard has the code {parent!r} (in this file or stored)"
        elif parent_id == ids[row]:
            problem = "a standard cannot be its own parent"
        elif not pd.isna(parent_of.get(parent_id)):
            problem = f"{parent!r} is itself a sub-standard; a parent is top-level"
        elif ids[row] in has_children:
            problem = f"{code!r} has sub-standards, so it cannot be one"
        if problem:
            job.add(at(row, count), "parent_code", problem)
    frame["parent_id"] = pd.array(parent_ids, dtype="Int64")
    return Batch("standards", frame, ("code",))


def _networks(job: Job) -> Batch:
    return Batch("networks", job.plain(), ("name",))


def _schools(job: Job) -> Batch:
    frame = job.plain()
    frame["network_id"] = ints(_network(job, "network"))
    if job.present("principal_email"):
        ids = _user_with_role(job, "principal_email", {Role.PRINCIPAL}, "a principal")
        frame["principal_id"] = ints(ids)
    return Batch("schools", frame, ("code",))


def _network(job: Job, name: str) -> np.ndarray:
    return job.refer(
        name, "networks", "name",
        "no network is called {value}; import the networks first",
    )  # fmt: skip


def _school(job: Job, name: str = "school_code") -> np.ndarray:
    return job.refer(
        name, "schools", "code",
        "no school has the code {value}; import the schools first",
    )  # fmt: skip


def _user_with_role(
    job: Job, name: str, roles: set[Role], what: str, *, active: bool = False
) -> np.ndarray:
    """Per row: the id of the user the cell's email names, who must have one of
    ``roles`` (and be active, if ``active``)."""
    users = job.stored("users", ["id", "role", "active"]).set_index("id")
    ids = job.refer_distinct(
        name, "users", "email", "no user has the email {value}; import the users first"
    )
    cells = job.cells(name)
    role = users["role"].reindex(ids).to_numpy(object)
    live = users["active"].reindex(ids).fillna(False).to_numpy(bool)
    fits = pd.Series(role).isin({r.value for r in roles}).to_numpy(bool)
    unfit = ~np.isnan(ids) & (~fits | (active & ~live))
    if unfit.any():
        wanted = f"an active {what.split(' ', 1)[1]}" if active else what

        def why(rows: np.ndarray) -> list[str]:
            return [
                f"{cells.text.iloc[c]!r} is "
                f"{'an inactive user' if fits[c] else _role(role[c])}, not {wanted}"
                for c in cells.codes[rows]
            ]

        job.add(unfit[cells.codes], name, why)
    return ids[cells.codes]


def _role(role: str) -> str:
    label = ROLE_LABELS[Role(role)].lower()
    return f"{'an' if label[0] in 'aeiou' else 'a'} {label}"


def _users(job: Job) -> Batch:
    frame = job.plain()
    if job.present("school_code"):
        frame["school_id"] = ints(_school(job))
    if job.present("network"):
        frame["network_id"] = ints(_network(job, "network"))
    role = job.cells("role").rows()
    for column, needs, what in (
        ("school_code", {r.value for r in SCHOOL_ROLES}, "school"),
        ("network", {Role.NETWORK_LEAD.value}, "network"),
    ):
        lacking = job.cells(column).empty_rows() & pd.Series(role).isin(needs)
        job.add(
            lacking.to_numpy(bool),
            column,
            lambda rows, w=what: [f"is empty, but {_role(role[p])} needs a {w}"
                                  for p in rows],
        )  # fmt: skip
    _keep_an_office(job, frame)
    return Batch("users", frame, ("email",))


def _keep_an_office(job: Job, frame: pd.DataFrame) -> None:
    """Refuse a users file after which no active central office user is left."""
    office = Role.CENTRAL_OFFICE.value
    stored = job.stored("users", ["email", "role", "active"])
    left = stored[~stored["email"].isin(set(frame["email"].dropna()))]
    active = frame["active"] if "active" in frame else pd.Series(True, frame.index)
    if ((left["role"] == office) & left["active"]).any() or (
        (frame["role"] == office) & active.fillna(True).astype(bool)
    ).any():
        return
    job.problems.file(
        "after this import no active central office user would be left; keep "
        "at least one (role central office, active yes)"
    )


# -- reviews -----------------------------------------------------------------------


def _reviews(job: Job) -> Batch:
    frame = job.plain()
    frame.insert(0, "school_id", ints(_school(job)))
    frame.insert(1, "cycle_year", job.cells("cycle_year").series())
    if "visit_starts_on" in frame and "visit_ends_on" in frame:
        early = (frame["visit_ends_on"] < frame["visit_starts_on"]).to_numpy(bool)
        job.add(early, "visit_ends_on", "is before visit_starts_on")
    if job.present("lead_reviewer_email"):
        ids = _user_with_role(
            job, "lead_reviewer_email", {Role.REVIEWER}, "a reviewer", active=True
        )
        frame["lead_reviewer_id"] = ints(ids)
    batch = Batch("reviews", frame, ("school_id", "cycle_year"), links=_write_team)
    if job.present("focus_standards"):
        frame["focus"] = _focus(job)
        stored = job.stored("review_focus", ["review_id", "standard_id"])
        focus = stored.groupby("review_id")["standard_id"].agg(
            lambda ids: "|".join(str(i) for i in sorted(ids))
        )
        batch.compare_only = ("focus",)
        batch.stored_extra = pd.DataFrame({"focus": focus})
    return batch


def _focus(job: Job) -> np.ndarray:
    """Per row: the focus standards' ids, sorted and joined with |."""
    standards = job.stored("standards", ["id", "code"])
    ids = dict(zip(standards["code"].str.lower(), standards["id"], strict=True))
    cells = job.cells("focus_standards")
    joined_ids, unknown = [], []
    for text, given in zip(cells.text, cells.given, strict=True):
        codes = split(text) if given else []
        unknown.append([repr(c) for c in codes if c.lower() not in ids])
        found = sorted(int(ids[c.lower()]) for c in codes if c.lower() in ids)
        joined_ids.append("|".join(map(str, found)))
    missing = np.array([bool(u) for u in unknown], dtype=bool)
    if missing.any():
        job.add(missing[cells.codes], "focus_standards", lambda rows: [
            f"no standard has the code {joined(unknown[cells.codes[p]])}"
            for p in rows])  # fmt: skip
    return np.asarray(joined_ids, dtype=object)[cells.codes]


def _write_team(job: Job, written: pd.DataFrame) -> None:
    """The written reviews' focus standards and lead reviewers, as the file
    gives them."""
    ids = written["id"].astype(int).tolist()
    if "focus" in written:
        pairs = [
            (review, int(standard))
            for review, focus in zip(ids, written["focus"], strict=True)
            for standard in (focus.split("|") if focus else [])
        ]
        frame = pd.DataFrame(pairs, columns=["review_id", "standard_id"], dtype="int64")
        job.store.replace_links(job.tx, "review_focus", "review_id", ids, frame)
    if "lead_reviewer_id" in written:
        leads = written.assign(review_id=ids).dropna(subset=["lead_reviewer_id"])
        frame = pd.DataFrame(
            {
                "review_id": leads["review_id"].astype("int64"),
                "user_id": leads["lead_reviewer_id"].astype("int64"),
            }
        )
        job.store.replace_review_leads(job.tx, ids, frame)


def _review(job: Job) -> np.ndarray:
    """Per row: the id of the school's review in the row's cycle (looked up
    once for each distinct pair of school and cycle)."""
    codes, years = job.cells("school_code"), job.cells("cycle_year")
    school = job.refer_distinct(
        "school_code", "schools", "code",
        "no school has the code {value}; import the schools first",
    )  # fmt: skip
    width = len(years.values)
    inverse, pairs = ranks(codes.codes.astype(np.int64) * width + years.codes)
    reviews = job.stored("reviews", ["id", "school_id", "cycle_year"])
    review = pair_lookup(
        [reviews["school_id"], reviews["cycle_year"]],
        reviews["id"],
        [school[pairs // width], years.values[pairs % width]],
    )[inverse]
    missing = np.isnan(review) & ~np.isnan(school[codes.codes]) & years.given_rows()
    cycle = years.rows()
    job.add(missing, "cycle_year", lambda rows: [
        f"school {text!r} has no review in cycle {int(cycle[p])}; import the "
        "reviews first" for p, text in zip(rows, codes.text_at(rows), strict=True)
    ])  # fmt: skip
    return review


def _standard(job: Job) -> np.ndarray:
    return job.refer(
        "standard_code", "standards", "code",
        "no standard has the code {value}; import the standards first",
    )  # fmt: skip


def _ratings(job: Job) -> Batch:
    frame = job.plain()
    frame.insert(0, "review_id", ints(_review(job)))
    frame.insert(1, "standard_id", ints(_standard(job)))
    kinds = job.cells("rater_kind")  # checked on its distinct cells, then per row
    reviewer = (kinds.values == RaterKind.REVIEWER.value)[kinds.codes]
    rater = job.cells("rater_email")
    if rater.present:
        ids = _user_with_role(job, "rater_email", {Role.REVIEWER}, "a reviewer")
    else:
        ids = np.full(len(frame), np.nan)
    empty = rater.empty_rows()
    job.add(reviewer & empty, "rater_email", "is empty; a reviewer's rating names "
            "the reviewer")  # fmt: skip
    job.add(
        ~reviewer & ~empty & pd.notna(kinds.values).astype(bool)[kinds.codes],
        "rater_email",
        lambda rows: [
            f"a {kinds.values[kinds.codes[p]]} rating names no rater; leave it empty"
            for p in rows
        ],
    )
    frame["rater_id"] = ints(np.where(reviewer, ids, np.nan))
    frame["level"] = ints(_levels(job))
    return Batch(
        "ratings", frame, ("review_id", "standard_id", "rater_kind", "rater_id")
    )


def _levels(job: Job) -> np.ndarray:
    """Per row: the level its rating names (by label, other word or number);
    rows rated with a not-rated word are marked to leave out."""
    scale = job.stored("rating_levels", ["level", "label"])
    aliases = job.stored("rating_aliases", ["level", "alias"])
    words = dict(
        zip(fold(aliases["alias"].astype("str")), aliases["level"], strict=True)
    )
    words.update(zip(fold(scale["label"].astype("str")), scale["level"], strict=True))
    cells = job.cells("rating")
    folded = fold(cells.text)
    level = folded.map(words).to_numpy(float)
    whole = cells.text.where(cells.text.str.fullmatch("[0-9]+"))
    number = pd.to_numeric(whole, errors="coerce").to_numpy(float)
    level = np.where(np.isnan(level) & np.isin(number, scale["level"]), number, level)
    not_rated = folded.isin(NO_RATING_WORDS).to_numpy(bool) & np.isnan(level)
    job.skip = not_rated[cells.codes]
    unknown = cells.given & np.isnan(level) & ~not_rated
    if unknown.any():
        job.add(unknown[cells.codes], "rating", job.say("rating", _off_scale(scale)))
    return level[cells.codes]


def _off_scale(scale: pd.DataFrame) -> str:
    if scale.empty:
        return "the district has no rating scale yet; import the scale first"
    scale = scale.sort_values("level")
    low, high = int(scale["level"].iloc[0]), int(scale["level"].iloc[-1])
    return (
        "{value} is not on the rating scale: write one of "
        + ", ".join(scale["label"])
        + f" (or a level {low} to {high})"
    )


def _findings(job: Job) -> Batch:
    frame = job.plain()
    frame.insert(0, "review_id", ints(_review(job)))
    frame.insert(1, "standard_id", ints(_standard(job)))
    return Batch("findings", frame, ("review_id", "standard_id"))


def _evidence(job: Job) -> Batch:
    review, standard = _review(job), _standard(job)
    findings = job.stored("findings", ["id", "review_id", "standard_id"])
    finding = pair_lookup(
        [findings["review_id"], findings["standard_id"]], findings["id"],
        [review, standard],
    )  # fmt: skip
    lacking = np.isnan(finding) & ~np.isnan(review) & ~np.isnan(standard)
    job.add(lacking, "standard_code", job.say(
        "standard_code", "this review has no finding on {value}; import the "
        "findings first"))  # fmt: skip
    frame = job.plain()
    for part, whole in (
        ("classrooms_observed", "classrooms_total"),
        ("survey_respondents", "survey_invited"),
    ):
        if part in frame and whole in frame:
            p, w = frame[part], frame[whole]
            more = (p > w).fillna(False).to_numpy(bool)
            job.add(more, part, lambda rows, p=p, w=w, name=whole: [
                f"{p[r]} is more than {name} ({w[r]})" for r in rows])  # fmt: skip
    frame.insert(0, "finding_id", ints(finding))
    key = ("finding_id", "source", "description", "interviewed_group", "survey_group")
    return Batch("evidence", frame, tuple(k for k in key if k in frame))


def _measures(job: Job) -> Batch:
    return Batch("measures", job.plain(), ("code",), versioned=False)


def _measure_values(job: Job) -> Batch:
    frame = job.plain()
    frame.insert(0, "school_id", ints(_school(job)))
    measure = job.refer(
        "measure_code", "measures", "code",
        "no measure has the code {value}; import the measures first",
    )  # fmt: skip
    frame.insert(1, "measure_id", ints(measure))
    match = ("school_id", "measure_id", "period", "student_group")
    return Batch("measure_values", frame, match, has_id=False, versioned=False)


# -- the specs ---------------------------------------------------------------------

_LEVELS = {
    SchoolLevel.ELEMENTARY.value: ("ES", "elementary school"),
    SchoolLevel.MIDDLE.value: ("MS", "middle school"),
    SchoolLevel.HIGH.value: ("HS", "high school"),
    SchoolLevel.OTHER.value: (),
}
_ROLES = {role.value: (ROLE_LABELS[role],) for role in Role}
_SURVEY_GROUPS = {
    "students": ("student",),
    "families": ("family", "parents", "parent"),
    "staff": ("teachers", "teacher"),
}
_NOTE = 2000


def _only(values: Sequence[str]) -> dict[str, tuple[str, ...]]:
    return {value: () for value in values}


def _count(name: str, holds: str) -> Column:
    return Column(name, "whole", holds, False, name, low=0, high=1_000_000)


def _date(name: str, holds: str, required: bool = False, example: str = "") -> Column:
    return Column(name, "date", holds, required, name, example=example)


_SCHOOL = Column(
    "school_code", "code", "the school's code", True, length=100, example="610038"
)
_CYCLE = Column(
    "cycle_year",
    "whole",
    "the review's cycle: 2024 is the school year 2024-25",
    True,
    low=2000,
    high=2100,
    example="2024",
)
_STANDARD = Column(
    "standard_code", "code", "the standard's code", True, length=100, example="S1"
)

# fmt: off
SPECS: dict[str, Spec] = {spec.kind: spec for spec in (
    Spec("scale", "rating_levels", "level of the rating scale", ("level",), (
        Column("level", "whole", "the level's number: 1 is the lowest", True, "level",
               low=1, high=20, example="1"),
        Column("label", "text", "what the level is called", True, "label", length=100,
               example="Emerging"),
        Column("description", "text", "what the level means", False, "description",
               length=_NOTE, blank=""),
        Column("aliases", "list", "other words that files use for the level",
               length=_NOTE, blank="", example="Very Weak|1 - Emerging"),
    ), Action.EDIT_SETTINGS, _scale, (
        "- A level's aliases cell lists all its other words: those it had before are",
        "  replaced. No two levels share a label or a word.",
    )),
    Spec("standards", "standards", "standard or sub-standard", ("code",), (
        Column("code", "code", "the standard's code", True, "code", length=100,
               example="S1.1"),
        Column("name", "text", "the standard's name", True, "name",
               example="Rigorous instruction"),
        Column("description", "text", "what the standard asks for", False,
               "description", length=_NOTE, blank=""),
        Column("parent_code", "code", "for a sub-standard, the code of its top-level "
               "standard (in this file or stored)", length=100, example="S1"),
        Column("order", "whole", "its place among its siblings", True, "sort_order",
               low=0, high=10_000, example="1"),
    ), Action.EDIT_SETTINGS, _standards),
    Spec("networks", "networks", "network of schools", ("name",), (
        Column("name", "text", "the network's name", True, "name", length=200,
               example="North"),
    ), Action.EDIT_SETTINGS, _networks),
    Spec("schools", "schools", "school", ("code",), (
        Column("code", "code", "the district's code for the school", True, "code",
               length=100, example="610038"),
        Column("name", "text", "the school's name", True, "name",
               example="Alder Elementary"),
        Column("level", "choice", "the school's level", True, "level", choices=_LEVELS,
               example="elementary"),
        Column("network", "text", "the name of the school's network", True,
               length=200, example="North"),
        Column("enrollment", "whole", "how many students it enrols", True,
               "enrollment", low=0, high=1_000_000, example="420"),
        Column("pct_low_income", "share", "its share of low-income students", True,
               "pct_low_income", example="0.7"),
        Column("pct_english_learners", "share", "its share of English learners", True,
               "pct_english_learners", example="30%"),
        Column("pct_disabilities", "share", "its share of students with "
               "disabilities", True, "pct_disabilities", example="0.12"),
        Column("principal_email", "email", "its principal's email: a user whose "
               "role is principal", example="ana.ruiz@district.org"),
    ), Action.EDIT_SETTINGS, _schools, (
        "- Principals are users, and users name their school: import the schools",
        "  without principal_email first, then the users, then the schools again.",
    )),
    Spec("users", "users", "user", ("email",), (
        Column("email", "email", "the user's email, by which they sign in", True,
               "email", example="ana.ruiz@district.org"),
        Column("name", "text", "the user's name", True, "name", example="Ana Ruiz"),
        Column("role", "choice", "what the user does here", True, "role",
               choices=_ROLES, example="Principal"),
        Column("school_code", "code", "their school's code (a principal or site "
               "team member needs one)", length=100, example="610038"),
        Column("network", "text", "their network's name (a network lead needs one)",
               length=200, example="North"),
        Column("active", "flag", "whether they may sign in; empty means yes", False,
               "active", blank=True, example="yes"),
    ), Action.MANAGE_USERS, _users, (
        "- A new district's first users file (while it has no users) is imported",
        "  with no one signed in; it must hold an active central office user, as",
        "  every users import must leave one.",
    )),
    Spec("reviews", "reviews", "review of a school in a cycle",
         ("school_code", "cycle_year"), (
        _SCHOOL,
        _CYCLE,
        Column("phase", "choice", "where the review is", True, "phase",
               choices=_only([phase.value for phase in Phase]), example="complete"),
        _date("starts_on", "when the review starts", True, "2024-09-01"),
        _date("visit_starts_on", "the site visit's first day"),
        _date("visit_ends_on", "the site visit's last day"),
        _date("report_on", "when the report is due"),
        _date("completes_on", "when the review completes"),
        _date("published_on", "when the report was published to the school"),
        Column("lead_reviewer_email", "email", "the lead reviewer's email: an active "
               "user whose role is reviewer"),
        Column("focus_standards", "list", "the codes of the standards the review "
               "focuses on", length=_NOTE, blank="", example="S1|S2.1"),
    ), Action.EDIT_SETTINGS, _reviews),
    Spec("ratings", "ratings", "rating of a standard by a rater in a review",
         ("school_code", "cycle_year", "standard_code", "rater_kind", "rater_email"), (
        _SCHOOL,
        _CYCLE,
        _STANDARD,
        Column("rater_kind", "choice", "who rated", True, "rater_kind",
               choices=_only([kind.value for kind in RaterKind]), example="consensus"),
        Column("rater_email", "email", "for a reviewer's rating, the reviewer's "
               "email; empty otherwise"),
        Column("rating", "rating", "the level given", True, length=100,
               example="Developing"),
        Column("note", "text", "a note on the rating", False, "note", length=_NOTE,
               blank=""),
    ), Action.EDIT_SETTINGS, _ratings, (
        "- Ratings of published reviews are imported too: importing is how a",
        "  district brings in its past reviews.",
        f"- A rating of {', '.join(NO_RATING)} (any case) means not rated: the row",
        "  is left out, and a rating stored before is kept.",
    )),
    Spec("findings", "findings", "finding on a standard in a review",
         ("school_code", "cycle_year", "standard_code"), (
        _SCHOOL,
        _CYCLE,
        _STANDARD,
        Column("strengths", "text", "what the team found strong", False, "strengths",
               length=_NOTE, blank=""),
        Column("areas_for_growth", "text", "where the school can grow", False,
               "areas_for_growth", length=_NOTE, blank=""),
    ), Action.EDIT_SETTINGS, _findings),
    Spec("evidence", "evidence", "piece of evidence for a finding",
         ("school_code", "cycle_year", "standard_code", "source", "description",
          "interviewed_group", "survey_group"), (
        _SCHOOL,
        _CYCLE,
        _STANDARD,
        Column("source", "choice", "where the evidence comes from", True, "source",
               choices=_only([source.value for source in Source]), example="survey"),
        Column("description", "text", "what it is", False, "description",
               length=_NOTE, blank="", example="Family survey, spring"),
        _count("interviews_held", "for an interview: how many were held"),
        Column("interviewed_group", "text", "for an interview: who was interviewed",
               False, "interviewed_group", length=200, example="students"),
        _count("classrooms_observed", "for an observation: the classrooms seen"),
        _count("classrooms_total", "for an observation: the classrooms in all"),
        Column("survey_group", "choice", "for a survey: who was asked", False,
               "survey_group", choices=_SURVEY_GROUPS, example="families"),
        _count("survey_respondents", "for a survey: how many answered"),
        _count("survey_invited", "for a survey: how many were asked"),
    ), Action.EDIT_SETTINGS, _evidence, (
        "- A piece of evidence is known by its finding, source, description and",
        "  group: a changed description adds a new piece.",
    )),
    Spec("measures", "measures", "measure", ("code",), (
        Column("code", "code", "the measure's code", True, "code", length=100,
               example="attendance_rate"),
        Column("name", "text", "the measure's name", True, "name",
               example="Attendance rate"),
        Column("unit", "text", "its unit", True, "unit", length=20, example="%"),
        Column("higher_is_better", "flag", "whether a higher value is better", True,
               "higher_is_better", example="yes"),
        Column("frequency", "choice", "how often it is measured", True, "frequency",
               choices=_only(["monthly", "yearly"]), example="yearly"),
    ), Action.EDIT_SETTINGS, _measures),
    Spec("measure-values", "measure_values",
         "value of a measure for a school, period and student group",
         ("school_code", "measure_code", "period", "student_group"), (
        _SCHOOL,
        Column("measure_code", "code", "the measure's code", True, length=100,
               example="attendance_rate"),
        _date("period", "the first day of the period measured", True, "2024-09-01"),
        Column("student_group", "text", "the student group measured", True,
               "student_group", length=100, example="All students"),
        Column("value", "number", "the value", True, "value", example="92.5"),
        Column("group_size", "whole", "how many students the group has", True,
               "group_size", low=0, high=10_000_000, example="351"),
    ), Action.EDIT_SETTINGS, _measure_values),
)}
# fmt: on
