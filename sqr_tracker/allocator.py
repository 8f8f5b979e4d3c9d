"""The server's memory allocator, set for a process that runs for weeks and
builds and drops large frames on every page.

With glibc's defaults a freed block of a few megabytes often stays in the
process: each time a large block is freed, glibc raises both the size from
which it maps blocks of their own and the free space it keeps at the top of the
heap, and every thread that runs a page script may get an arena of its own. At
state scale that kept tens of megabytes of freed frames resident. :func:`tune`
fixes both sizes and caps the arenas, so the resident memory follows what is in
use. Blocks up to 32 MB (a column of a few million rows) stay in the heap, where
a page's next arrays reuse them, rather than each being mapped afresh and
touched page by page: that cost a quarter of *Needs support*'s time at state
scale. Free space at the top of the heap goes back to the system; a freed
block below a block still in use is kept for the next ones. On a system
without glibc it does nothing.

Arrow (the text of every table, with pandas 3) allocates from a pool of its
own, mimalloc, which keeps what it freed: after every page at state scale
that was 35 to 60 MB more resident than the same buffers taken from glibc's
heap, where the settings above give freed space back. :func:`tune` makes
Arrow allocate there too.

Python's garbage collector walks every object the process holds when it
collects the oldest objects: the modules' own (pandas, plotly, the package) are
most of them and live as long as the process. :func:`freeze_modules` loads the
package's modules and sets what is loaded then aside from every later
collection, so a collection walks only what the sessions made. (Streamlit's own
collection after every page run is switched off in ``.streamlit/config.toml``:
with many sessions even that walk took a fifth of the server's time.)
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import logging
import os
import pkgutil
import sys
import threading

import pyarrow as pa

_LOGGER = logging.getLogger(__name__)

# mallopt's options (malloc.h) and the values chosen for them.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
SETTINGS = (
    (M_MMAP_THRESHOLD, 32 * 1024 * 1024),  # this big or more: a mapping of its own
    (M_TRIM_THRESHOLD, 1024 * 1024),  # free space past this at the top goes back
    (M_ARENA_MAX, max(2, os.cpu_count() or 2)),  # one per core, not eight per core
)


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") else None


def tune() -> bool:
    """Set glibc's allocator as described above; whether it was set."""
    libc = _libc()
    if libc is None:
        return False
    done = all(libc.mallopt(option, value) == 1 for option, value in SETTINGS)
    if not done:
        _LOGGER.warning("the memory allocator kept some of its default settings")
        return False
    pa.set_memory_pool(pa.system_memory_pool())
    return True


_frozen = threading.Event()

# What the pages load as they first run, beside the package's own modules.
PAGE_MODULES = ("plotly.graph_objects", "plotly.io", "pyarrow.compute")


def freeze_modules() -> bool:
    """Load every module of the package and what its pages use, then leave the
    objects alive now out of later garbage collections (once per process;
    whether this call did it). Objects made later are still collected."""
    if _frozen.is_set():
        return False
    package = importlib.import_module("sqr_tracker")
    for found in pkgutil.iter_modules(package.__path__, "sqr_tracker."):
        importlib.import_module(found.name)
    for name in PAGE_MODULES:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()
    _frozen.set()
    return True
