"""Python's cyclic garbage collector, kept off the GUI thread's back.

A full (generation 2) collection walks every object the process holds, holding the GIL, so the GUI
thread waits for it whatever thread triggered it. Reading a 300-file DICOM folder ran two in the
loader thread (77 and 102 ms, the window frozen for each), importing SciPy and scikit-image two
more (36 and 60 ms). Background jobs that build many long-lived objects (headers, modules) run with
the collector paused; at the end what they built is frozen (``gc.freeze``: out of the collector's
reach for good, as data the app keeps). Frozen objects are still freed by reference counting; the
few cycles of garbage such a job leaves (measured: about a hundred objects) are the price.
"""

import gc
import threading
from contextlib import contextmanager

_lock = threading.Lock()
_active = 0
_was_enabled = True


@contextmanager
def paused():
    """No collection while the block runs (in any thread); then freeze what exists and resume."""
    global _active, _was_enabled
    with _lock:
        if _active == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                gc.freeze()
                if _was_enabled:
                    gc.enable()
