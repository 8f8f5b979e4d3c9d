"""Putting a backup made by ``sqr-tracker backup`` back in place of the data file.

What a restore promises:

- the backup is checked before anything is touched: it must open as a DuckDB
  file and hold an SQR Tracker schema this version can read (an older schema is
  upgraded the next time the file is opened, as any data file is);
- the data file must not be open anywhere else (the app, another command): a
  second program cannot see a file change under it, so restore refuses, and
  says to stop the app first;
- the file it replaces is never thrown away: it is checkpointed (its write-ahead
  log written in) and kept beside it as ``PATH.before-restore``. If such a copy
  is already there, restore refuses unless ``force`` is given, which replaces
  that older copy;
- the backup is copied next to the data file and checked there first, so the
  data file is swapped in one rename and is never left half written.

A backup made in the app (``back_up_now``, the central office's only) is made
by the app's own process, which holds the file: it checkpoints and copies the
file into a ``backups`` folder beside it, under a new time-stamped name.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from sqr_tracker.auth import Action, authorize
from sqr_tracker.errors import DataFileInUse, SchemaTooNew, SqrError
from sqr_tracker.models import User
from sqr_tracker.schema import LATEST_VERSION
from sqr_tracker.store import Store, _connect

_LOGGER = logging.getLogger(__name__)
KEPT_SUFFIX = ".before-restore"
BACKUP_FOLDER = "backups"
# The largest backup the app also offers as a download, in bytes.
DOWNLOAD_LIMIT = 200 * 1024 * 1024


@dataclass(frozen=True)
class Restored:
    target: Path
    backup: Path
    schema_version: int
    kept: Path | None  # the replaced file, or None if there was none


def kept_path(target: Path) -> Path:
    return target.with_name(target.name + KEPT_SUFFIX)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def restore(
    backup: str | os.PathLike[str],
    target: str | os.PathLike[str],
    *,
    force: bool = False,
) -> Restored:
    """Replace the data file ``target`` with ``backup``; see the module's promises."""
    backup, target = Path(backup).resolve(), Path(target).resolve()
    if not backup.is_file():
        raise SqrError(f"There is no backup file at {backup}; nothing was changed.")
    if backup == target:
        raise SqrError(f"{backup} is the data file itself; nothing was changed.")
    kept = kept_path(target)
    if target.exists() and kept.exists() and not force:
        raise SqrError(
            f"{kept} is still there from an earlier restore. Move it away, or give "
            "--force to replace it; nothing was changed."
        )
    _refuse_if_in_use(target)
    staged = target.with_name(target.name + ".restoring")
    staged.unlink(missing_ok=True)
    _wal(staged).unlink(missing_ok=True)
    shutil.copyfile(backup, staged)
    try:
        version = _readable_version(staged, backup)
        if target.exists():
            _checkpoint(target)
            kept.unlink(missing_ok=True)
            _wal(kept).unlink(missing_ok=True)
            os.replace(target, kept)
            if _wal(target).exists():  # a log _checkpoint could not write in
                os.replace(_wal(target), _wal(kept))
        os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)
        _wal(staged).unlink(missing_ok=True)
    return Restored(target, backup, version, kept if kept.exists() else None)


def _in_use_message(target: Path) -> str:
    return (
        f"Cannot restore: the data file {target} is open in another program (the "
        "app, or another sqr-tracker command). Stop the app first, then run the "
        "restore again; nothing was changed."
    )


def _refuse_if_in_use(target: Path) -> None:
    if Store.is_open(target):
        raise DataFileInUse(_in_use_message(target))
    if target.exists():
        try:
            _connect(target).close()
        except DataFileInUse:
            raise DataFileInUse(_in_use_message(target)) from None
        except duckdb.Error:
            pass  # not a DuckDB file: it is kept as it is, and replaced


def _checkpoint(target: Path) -> None:
    """Write the data file's log into it, so the kept copy is whole."""
    try:
        connection = _connect(target)
    except DataFileInUse:
        raise DataFileInUse(_in_use_message(target)) from None
    except duckdb.Error:
        return
    try:
        connection.execute("CHECKPOINT")
    finally:
        connection.close()


def _readable_version(staged: Path, backup: Path) -> int:
    """The schema version of the staged copy; SqrError if it is no backup of ours."""
    not_ours = (
        f"{backup} is not an SQR Tracker backup (made by `sqr-tracker backup`); "
        "nothing was changed."
    )
    try:
        store = Store(staged, _connect(staged))
    except DataFileInUse:
        raise
    except duckdb.Error as error:
        raise SqrError(f"{not_ours} ({error})") from None
    try:
        version = store.schema_version()
        if version == LATEST_VERSION:
            store.stats()  # every counted table reads
    except duckdb.Error as error:
        raise SqrError(f"{not_ours} ({error})") from None
    finally:
        store._connection.close()
    if version == 0:
        raise SqrError(not_ours)
    if version > LATEST_VERSION:
        raise SchemaTooNew(
            f"The backup {backup} uses schema version {version}, but this version of "
            f"SQR Tracker knows versions up to {LATEST_VERSION}. Upgrade SQR Tracker "
            "to restore it; nothing was changed."
        )
    return version


# -- backing up from the app -------------------------------------------------------

# Two sessions backing up in the same minute take turns choosing a free name.
_NAMING = threading.Lock()


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int  # bytes

    @property
    def downloadable(self) -> bool:
        """Whether it is small enough to offer as a download from the app."""
        return self.size < DOWNLOAD_LIMIT


def backup_folder(data_file: Path) -> Path:
    """Where the app's backups of a data file go: a folder beside it."""
    return data_file.parent / BACKUP_FOLDER


def back_up_now(
    store: Store,
    user: User | None,
    folder: str | os.PathLike[str] | None = None,
    *,
    now: datetime | None = None,
) -> Backup:
    """Back up the store's data file from the process that holds it (the app).

    Only the central office may. The file is checkpointed and copied, with this
    process's saves waiting meanwhile, to ``folder`` (default: ``backups``
    beside the data file) as ``STEM-YYYY-MM-DDTHHMM.duckdb`` (with ``-2``,
    ``-3`` and so on after a name already taken); the copy is made under a
    temporary name and renamed once whole, and never replaces a file."""
    authorize(store, user, Action.BACK_UP)
    folder = Path(folder) if folder is not None else backup_folder(store.path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SqrError(
            f"The backups folder {folder} could not be made: {error.strerror}; "
            "nothing was backed up."
        ) from None
    stamp = f"{store.path.stem}-{(now or datetime.now()):%Y-%m-%dT%H%M}"
    with _NAMING:
        target = _free_name(folder, stamp)
        staged = target.with_name(target.name + ".partial")
        staged.unlink(missing_ok=True)
        try:
            store.back_up_between_writes(staged)
            os.rename(staged, target)
        except OSError as error:
            raise SqrError(
                f"The backup {target} could not be written: {error.strerror}; "
                "nothing was backed up."
            ) from None
        finally:
            staged.unlink(missing_ok=True)
    size = target.stat().st_size
    _LOGGER.info("backed up %s to %s (%s bytes)", store.path, target, size)
    return Backup(target, size)


def _free_name(folder: Path, stem: str) -> Path:
    """``folder/stem.duckdb``, or the first of ``stem-2``, ``stem-3``... free."""
    target, number = folder / f"{stem}.duckdb", 1
    while target.exists():
        number += 1
        target = folder / f"{stem}-{number}.duckdb"
    return target
