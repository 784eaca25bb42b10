"""Heavy libraries are imported once, in one thread, before any background job runs.

Two threads importing the same package for the first time can see it half-initialised (pydicom,
SciPy and scikit-learn import their own submodules in cycles: "cannot import name … from partially
initialized module"). The app's background jobs (the loader, background views) all read data with
these libraries, so ``ready()`` starts one thread that imports them in turn and makes every job wait
for it; the GUI thread never imports them and never waits."""

import importlib
import threading

HEAVY = ("numpy", "scipy.special", "scipy.stats", "scipy.ndimage", "pydicom", "pydicom.pixels",
         "skimage.metrics", "skimage.transform", "skimage.restoration", "skimage.filters", "skimage.data",
         "sklearn.datasets", "PIL.Image")

_done = threading.Event()
_lock = threading.Lock()
_started = False


def _run():
    from . import priority
    from .collection import paused
    priority.background()
    try:
        with paused():                      # modules live for good: no collector walks while importing
            for name in HEAVY:
                try:
                    importlib.import_module(name)
                except Exception:  # noqa: BLE001 — a missing optional library shows up where it is used
                    pass
    finally:
        _done.set()


def start():
    """Begin importing in the background (idempotent)."""
    global _started
    with _lock:
        if not _started:
            _started = True
            threading.Thread(target=_run, name="numpy-lab-imports", daemon=True).start()


def ready(timeout=None):
    """Called at the start of a background job: waits until the heavy libraries are imported."""
    start()
    return _done.wait(timeout)
