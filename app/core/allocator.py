"""Large blocks of the C allocator in mappings of their own, given back when freed.

glibc serves a block of 128 KB or more from its own memory mapping at first, but raises
that threshold to the size of each such block freed, up to 32 MB: after that, the large
arrays that grow while search's tables load (doubled, copied, freed) come from the heap,
where a freed block between two live ones stays in the process. Fixing the threshold
at 1 MB keeps every larger block in its own mapping: growing one remaps it, freeing it
unmaps it. At a million entities the loading process then peaked at 276 MB, not 290
(docs/performance.md). Blocks under 1 MB, a request's, stay on the heap as before. Once the tables are
loaded, the heap's free pages are given back too (``give_back_free_memory``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from typing import Any

logger = logging.getLogger(__name__)

LARGE_BLOCK = 1024 * 1024
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h


def _glibc(function: str) -> Any | None:
    """A function of the C library if it is glibc's, else None."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return getattr(ctypes.CDLL(name), function)
    except (OSError, AttributeError):  # not glibc (musl has no mallopt nor malloc_trim)
        return None


def map_large_blocks_apart() -> bool:
    """Fix glibc's mapping threshold at LARGE_BLOCK; False where the C library is not
    glibc (nothing changes)."""
    mallopt = _glibc("mallopt")
    if mallopt is None:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    done = bool(mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK))
    if not done:
        logger.warning("the C allocator refused its mapping threshold")
    return done


def give_back_free_memory() -> bool:
    """Return the heap's free pages to the system (glibc's ``malloc_trim``), once the
    tables are loaded: what loading allocated and freed between live blocks stays in the
    process otherwise, since glibc gives back only the free space at the heap's top. At
    a million entities the server then started 5 MB smaller (docs/performance.md).
    False where the C library is not glibc."""
    malloc_trim = _glibc("malloc_trim")
    if malloc_trim is None:
        return False
    malloc_trim.argtypes = (ctypes.c_size_t,)
    malloc_trim.restype = ctypes.c_int
    malloc_trim(0)
    return True
