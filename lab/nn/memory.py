"""Freed memory kept in the process for the next step to reuse.

A training step allocates the same temporaries every time (an im2col of 10-40 MB, gate blocks,
gradients). glibc's malloc serves blocks above its mmap threshold (128 KB, raised only as far as
the largest block freed so far) straight from the kernel and gives them back on free, so every
step paid the kernel to map and zero them again: page faults, measured at a third of a GIF
training step and half of a ConvLSTM forward. Raising the threshold and the trim threshold
keeps those blocks in the heap, where the next step finds them (what PyTorch's CPU caching
allocator does for it). On other C libraries this does nothing. ``NUMPY_LAB_MALLOC=default``
leaves malloc as it was (to measure the difference).
"""

import ctypes
import os
import sys

MMAP_THRESHOLD = 64 << 20     # blocks up to this come from the heap and go back to it
TRIM_THRESHOLD = 256 << 20    # free memory kept at the heap's top before it is returned
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def keep_freed_memory():
    """Set glibc's thresholds; True when they were set."""
    if os.environ.get("NUMPY_LAB_MALLOC") == "default" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):               # musl and other C libraries: leave them be
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))

