"""Large blocks of the C allocator in mappings of their own, given back when freed.

glibc serves a block of 128 KB or more from its own memory mapping at first, but raises
that threshold to the size of each such block freed, up to 32 MB: after that, the large
arrays that grow while search's tables load (doubled, copied, freed) come from the heap,
where a freed block between two live ones stays in the process. Fixing the threshold
at 1 MB keeps every larger block in its own mapping: growing one remaps it, freeing it
unmaps it. At a million entities the loading process then peaked at 276 MB, not 290
(docs/performance.md). Blocks under 1 MB, a request's, stay on the heap as before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

logger = logging.getLogger(__name__)

LARGE_BLOCK = 1024 * 1024
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h


def map_large_blocks_apart() -> bool:
    """Fix glibc's mapping threshold at LARGE_BLOCK; False where the C library is not
    glibc (nothing changes)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    done = bool(mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK))
    if not done:
        logger.warning("the C allocator refused its mapping threshold")
    return done
