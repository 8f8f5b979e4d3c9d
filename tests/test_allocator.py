"""The server's allocator settings and frozen modules, each checked in a fresh
Python process, so that no earlier test's allocations or imports count: once
the allocator is set, a block of 8 MB stays in the heap and goes back to the
system when freed at its top, only blocks of 32 MB or more get a mapping of
their own, and Arrow's buffers come from that heap."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sqr_tracker import allocator
from sqr_tracker.config import PROJECT_ROOT

needs_glibc = pytest.mark.skipif(
    allocator._libc() is None or not hasattr(allocator._libc(), "mallinfo2"),
    reason="glibc 2.33 or later only",
)

# A child's start: glibc's counts at hand, the allocator set if asked.
MALLINFO = """
import ctypes, sys
from sqr_tracker import allocator

class Info(ctypes.Structure):  # struct mallinfo2, glibc 2.33 and later
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
        "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = Info
if sys.argv[1] == "tuned":
    assert allocator.tune()
    assert allocator.tune()  # twice is harmless
"""

CHILD = (
    MALLINFO
    + """
before = libc.mallinfo2()
block = bytearray(8 * 1024 * 1024)
held = libc.mallinfo2()
del block
after = libc.mallinfo2()
huge = bytearray(64 * 1024 * 1024)
mapped = libc.mallinfo2().hblks - after.hblks
print(held.hblks - before.hblks, held.arena - after.arena, mapped)
"""
)


def blocks(mode: str) -> tuple[int, int, int]:
    """In a fresh process: how many mappings an 8 MB block adds, how many bytes
    the heap gives back when it is freed, and how many mappings a 64 MB block
    adds."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode],
        capture_output=True,
        text=True,
        check=True,
    )
    mapped, returned, huge = map(int, done.stdout.split())
    return mapped, returned, huge


@needs_glibc
def test_blocks_of_a_few_megabytes_stay_in_the_heap_and_go_back_when_freed():
    assert blocks("default")[0] == 1  # glibc maps it on its own
    mapped, returned, huge = blocks("tuned")
    assert mapped == 0
    assert returned >= 8 * 1024 * 1024  # the heap shrinks back
    assert huge == 1


ARROW_CHILD = (
    MALLINFO
    + """
import pyarrow as pa

def given():  # bytes glibc has given out, in its heap or in mappings
    info = libc.mallinfo2()
    return info.uordblks + info.hblkhd

before = given()
buffer = pa.allocate_buffer(8 * 1024 * 1024)  # from Arrow's default pool
print(pa.default_memory_pool().backend_name, given() - before)
"""
)


def arrow_buffer(mode: str) -> tuple[str, int]:
    """In a fresh process (Arrow's own choice of pool, whatever the
    environment asks): the pool Arrow allocates from, and how many bytes
    glibc gave out while Arrow took a buffer of 8 MB."""
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    done = subprocess.run(
        [sys.executable, "-c", ARROW_CHILD, mode],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    pool, taken = done.stdout.split()
    return pool, int(taken)


@needs_glibc
def test_arrow_takes_its_buffers_from_the_tuned_heap():
    pool, taken = arrow_buffer("default")
    assert pool != "system"
    assert taken < 1024 * 1024  # Arrow's own pool gave it
    pool, taken = arrow_buffer("tuned")
    assert pool == "system"
    assert taken >= 8 * 1024 * 1024


FREEZE_CHILD = """
import gc, pkgutil, sys
import sqr_tracker
from sqr_tracker import allocator

assert gc.get_freeze_count() == 0
assert allocator.freeze_modules()
frozen = gc.get_freeze_count()
assert not allocator.freeze_modules()  # once per process
assert gc.get_freeze_count() == frozen
names = [m.name for m in pkgutil.iter_modules(sqr_tracker.__path__, "sqr_tracker.")]
missing = [n for n in names + list(allocator.PAGE_MODULES) if n not in sys.modules]

class Node:
    pass

node = Node()
node.me = node  # a cycle made after the freeze is still collected
del node
print(frozen, len(missing), gc.collect())
"""


def test_the_loaded_modules_are_left_out_of_later_collections_but_new_cycles_are_not():
    done = subprocess.run(
        [sys.executable, "-c", FREEZE_CHILD], capture_output=True, text=True, check=True
    )
    frozen, missing, collected = map(int, done.stdout.split())
    assert frozen > 100_000  # pandas', plotly's and the package's own objects
    assert missing == 0
    assert collected >= 1  # the node


def test_the_server_leaves_collections_to_python_after_each_page_run(tmp_path):
    """Streamlit reads the project's config.toml from the folder it runs in:
    there its full collection after every page run is off (True without it)."""
    child = (
        "from streamlit import config\n"
        "config.get_config_options(force_reparse=True)\n"
        "print(config.get_option('runner.postScriptGC'))\n"
    )
    for folder, expected in ((PROJECT_ROOT, "False"), (tmp_path, "True")):
        done = subprocess.run(
            [sys.executable, "-c", child],
            capture_output=True,
            text=True,
            check=True,
            cwd=folder,
        )
        assert done.stdout.split()[-1] == expected
