"""The district data page's backup: the central office backs the data file up
from the app, which holds it, and may download the copy."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from sqr_tracker import backups
from sqr_tracker.errors import SqrError
from sqr_tracker.models import User
from sqr_tracker.store import Store
from sqr_tracker.views import plain

# The session's latest backup: (path, size in bytes).
LAST_BACKUP = "backup:last"
LIMIT_MB = backups.DOWNLOAD_LIMIT // (1024 * 1024)


def back_up(store: Store, user: User) -> None:
    """The Back up now button, and the backup it made with its download."""
    folder = backups.backup_folder(store.path)
    st.markdown(
        "A backup is a whole copy of the district's data file as it is now: every "
        "school, review, plan and the change history. It is kept on the server "
        f"in {plain(folder)}, under the day and time it was made, and a backup "
        f"smaller than {LIMIT_MB} MB can be downloaded too. Saves made while it "
        "is copied wait a moment and then land, after it. Put a backup back with "
        "`sqr-tracker restore FILE` (stop the app first)."
    )
    if st.button("Back up now", type="primary", key="back-up"):
        try:
            made = backups.back_up_now(store, user)
        except SqrError as refused:
            st.error(plain(str(refused)))
            return
        st.session_state[LAST_BACKUP] = (str(made.path), made.size)
    last = st.session_state.get(LAST_BACKUP)
    if last is None:
        return
    path, size = Path(last[0]), int(last[1])
    st.success(f"Backed up to {plain(path)} ({size:,} bytes).")
    if not backups.Backup(path, size).downloadable:
        st.info(
            f"It is larger than {LIMIT_MB} MB, so it is not offered as a download: "
            f"copy it from {plain(path.parent)} on the server."
        )
        return
    st.download_button(
        "Download the backup",
        icon=":material/download:",
        data=path.read_bytes,
        file_name=path.name,
        mime="application/octet-stream",
        on_click="ignore",
        key="backup:download",
    )
