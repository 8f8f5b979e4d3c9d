"""The server's allocator settings and frozen modules, each checked in a fresh
Python process, so that no earlier test's allocations or imports count: a block
of 512 KB freed after a 4 MB one gets a mapping of its own (and so goes back to
the system when freed) only once the allocator is set."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sqr_tracker import allocator

needs_glibc = pytest.mark.skipif(
    allocator._libc() is None or not hasattr(allocator._libc(), "mallinfo2"),
    reason="glibc 2.33 or later only",
)

CHILD = """
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
big = bytearray(4 * 1024 * 1024)  # mapped on its own by either setting
del big  # with glibc's defaults, freeing it raises the mapping threshold
before = libc.mallinfo2().hblks
block = bytearray(512 * 1024)
print(libc.mallinfo2().hblks - before)
"""


def mapped_blocks_added(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.strip())


@needs_glibc
def test_a_freed_large_block_no_longer_keeps_the_next_ones_in_the_heap():
    assert mapped_blocks_added("default") == 0
    assert mapped_blocks_added("tuned") == 1


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
