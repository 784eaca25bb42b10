"""Background threads give way to the GUI thread when both want a core.

On a two-core machine a training run keeps both cores busy: the worker thread and the BLAS thread it
drives (OpenBLAS keeps its threads spinning between products). The GUI thread then waits for a
core like any other thread, and the views it paints take 3-10 times as long as on an idle machine.
Every background thread (the training worker, loaders, background views, the import thread, a
sweep's driver and the processes it starts) lowers its own scheduling priority when it starts
(``background()``), and the first one also lowers the BLAS library's threads. The GUI thread keeps
the normal priority, so it gets a core as soon as it has something to draw or answer; when it is
idle the background threads have the whole machine, as before.

Linux only (threads are scheduled one by one there and any thread may lower its own priority); a
no-op elsewhere. A lowered thread cannot be raised again without privileges: pool threads stay low,
which is right, since only background work runs in them.
"""

import os
import sys
import threading

from lab.nn.data_parallel import on_thread_start

NICE = 10             # the GUI thread's share against one busy background thread: ~90 % (CFS weights)

_lock = threading.Lock()
_blas_lowered = False


def _lower(tid):
    try:
        if os.getpriority(os.PRIO_PROCESS, tid) < NICE:
            os.setpriority(os.PRIO_PROCESS, tid, NICE)
    except OSError:       # a thread that has just ended, or a system that refuses
        pass


def _name(path):
    with open(path) as f:
        return f.read()


def _blas_threads():
    """The threads the BLAS library started when NumPy loaded: besides the GUI thread, the
    process's threads that carry its own name (Qt names its threads, Python's are listed)."""
    main = os.getpid()
    try:
        comm = _name(f"/proc/{main}/comm")
        python = {t.native_id for t in threading.enumerate()}
        tids = [int(t) for t in os.listdir("/proc/self/task")]
        return [t for t in tids if t != main and t not in python and _name(f"/proc/self/task/{t}/comm") == comm]
    except OSError:
        return []


def background():
    """Call at the start of a background thread's work (never on the GUI thread: it does nothing there)."""
    global _blas_lowered
    if not sys.platform.startswith("linux") or threading.current_thread() is threading.main_thread():
        return
    _lower(threading.get_native_id())
    with _lock:
        if not _blas_lowered:
            _blas_lowered = True
            for tid in _blas_threads():
                _lower(tid)


on_thread_start(background)     # the engine's helper threads run parts of a training step: lowered too
