"""A large block freed goes back to the system, however many were freed before it."""

from __future__ import annotations

import subprocess
import sys

import pytest

_PROBE = """
import sys
from pathlib import Path
from app.core.allocator import map_large_blocks_apart

def rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

if sys.argv[1] == "fixed" and not map_large_blocks_apart():
    print("unsupported")
    sys.exit()
# glibc's own rule: the first 16 MB block is mapped apart, and freeing it raises the
# threshold, so the second comes from the heap and stays there once freed (above the
# heap's top, the trim threshold, raised too).
for _ in range(2):
    block = bytearray(16 * 1024 * 1024)
    block[::4096] = b"x" * len(block[::4096])  # touch every page
    del block
print(rss_mb())
"""


def _rss_after_frees(mode: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_freed_large_block_is_given_back_with_the_threshold_fixed() -> None:
    fixed = _rss_after_frees("fixed")
    if fixed == "unsupported":
        pytest.skip("the C library is not glibc: its allocator is left as it is")
    assert float(_rss_after_frees("default")) - float(fixed) > 12


_TRIM_PROBE = """
import sys
from pathlib import Path
from app.core.allocator import give_back_free_memory

def rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

# 48 MB of 64 KB blocks on the heap, every page touched; the last one stays alive, so
# the free space below it is not at the heap's top, which glibc trims by itself.
blocks = []
for _ in range(768):
    block = bytearray(64 * 1024)
    block[::4096] = b"x" * len(block[::4096])
    blocks.append(block)
kept = blocks[-1]
del blocks, block
before = rss_mb()
if not give_back_free_memory():
    print("unsupported")
    sys.exit()
print(before - rss_mb())
"""


def test_the_heaps_free_pages_are_given_back() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _TRIM_PROBE], capture_output=True, text=True, check=True
    )
    if done.stdout.strip() == "unsupported":
        pytest.skip("the C library is not glibc: its allocator is left as it is")
    assert float(done.stdout) > 30  # of the 48 MB freed
