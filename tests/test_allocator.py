"""The server's allocator settings, checked in a fresh Python process each, so
that no earlier test's allocations move glibc's own thresholds: a block of
512 KB freed after a 4 MB one gets a mapping of its own (and so goes back to the
system when freed) only once the allocator is set."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sqr_tracker import allocator

pytestmark = pytest.mark.skipif(
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


def test_a_freed_large_block_no_longer_keeps_the_next_ones_in_the_heap():
    assert mapped_blocks_added("default") == 0
    assert mapped_blocks_added("tuned") == 1
