"""Big DICOM folders are read on every core, by reader processes.

pydicom parses in pure Python and holds the GIL: two threads never parse two files at once, and a
folder read in the app's loader thread takes the GIL from the GUI thread. So a folder of
``MIN_FILES`` files or more is read by one reader process per core (``python -m
lab.data.dicom_reader``): each reads a file exactly as this process would (``read_one``, i.e.
``dicom._attempt``) and sends back its outcome — the slices and the few header values a series
needs, pickled, the pixels through memory shared with this process (``reader_channel.py``). This process
hands out paths, collects, and yields the outcomes in file order.

- Readers take ~0.5 s of CPU each to start (Python, NumPy, pydicom), which a one-off command
  reading a few dozen files would not win back. So they start for a folder of ``START_FILES`` or
  more, or for any folder of ``MIN_FILES`` or more in a process that said it will read many
  (``keep_readers()``: the app, whose CT tab reads its built-in series when first shown, so the
  readers are up before the user's first folder). Once started they stay, and every folder of
  ``MIN_FILES`` or more goes through them. Until one has started, this process reads files itself,
  so no folder waits for them.
- A reader that dies (a native decoder aborting on damaged bytes) costs only the file it was
  reading: that file is refused with the reason, the reader restarts and the rest go on. A file
  that takes longer than ``TIMEOUT_S`` is refused the same way. In the app, untrusted bytes then
  reach the decoders in its own process only in folders under ``MIN_FILES`` files and while the
  readers start.
- What a reader should not do (a file only python-gdcm decodes goes to the one isolated helper of
  ``isolated.py``, owned by this process), any file a reader failed on unexpectedly, and files
  over ``MAX_FILE_BYTES`` (one big multi-frame file gains nothing) are read here.
- A reader inherits the scheduling priority of the thread that starts it (the app's loader thread
  runs lowered). ``NUMPY_LAB_READERS=0`` reads in this process only, ``=N`` uses N readers;
  the default is one per core on machines with more than one. POSIX only (pipes and ``select``).
"""

import atexit
import os
import select
import threading
import time
from collections import deque

from ..machine import cores
from .reader_channel import IN_FLIGHT, Reader, exit_reason

MIN_FILES = 8                       # a folder smaller than this is read here
START_FILES = 300                   # ... and one smaller than this starts no readers (see keep_readers)
TIMEOUT_S = 60.0
MAX_FILE_BYTES = 64 << 20


def readers():
    """How many reader processes a big folder uses (0: read in this process)."""
    env = os.environ.get("NUMPY_LAB_READERS", "").strip()
    if env.isdigit():
        return int(env)
    n = cores()
    return n if n > 1 and os.name == "posix" else 0


class ReaderPool:
    """Reader processes for big folders; one folder at a time (``lock``)."""

    def __init__(self, n):
        self.n = n
        self.lock = threading.Lock()
        self.workers = []
        self.broken = False       # readers that could not start: read in this process from now on
        self.starts = self.deaths = 0   # since the last answer: readers that keep dying unanswered are given up

    def _start(self, i):
        self.starts += 1
        if self.starts > 2 * self.n + 4 * (self.deaths + 1):   # readers dying without reading: stop
            self.broken = True
        w = None
        try:
            w = None if self.broken else Reader()
        except OSError:                          # no process can be started here: read in-process
            self.broken = True
        if w is None:
            return None
        if i < len(self.workers):
            self.workers[i].stop(kill=True)      # already ended: this closes its pipes
            self.workers[i] = w
        else:
            self.workers.append(w)
        return w

    def start(self, wait=0.0):
        """Start the readers not running; with ``wait``, wait up to that many seconds until all
        have said they are ready. True when all are."""
        for i in range(self.n):
            if i >= len(self.workers) or self.workers[i].proc.poll() is not None:
                if self._start(i) is None:
                    return False
        deadline = time.monotonic() + wait
        while wait and not all(w.ready for w in self.workers):
            left = deadline - time.monotonic()
            starting = [w for w in self.workers if not w.ready and w.proc.poll() is None]
            if left <= 0 or not starting or not select.select(starting, [], [], left)[0]:
                break
            for w in starting:
                messages, _ = w.receive()
                w.ready = w.ready or "ready" in messages
        return all(w.ready for w in self.workers)

    def run(self, files, read_one):
        """Yield ``read_one(file)``'s outcome for every file, in order; the readers do most of it."""
        self.start()
        todo, done, out = deque(range(len(files))), {}, 0
        try:
            while out < len(files):
                live = [w for w in self.workers if w.proc.poll() is None or w.pending]
                for w in live:
                    while w.ready and len(w.pending) < IN_FLIGHT and todo:
                        i = todo.popleft()
                        if _size(files[i]) > MAX_FILE_BYTES:
                            done[i] = read_one(files[i])
                        elif not w.send(i, files[i]):
                            todo.appendleft(i)
                            break
                if todo and not any(w.ready for w in live):
                    i = todo.popleft()                 # readers still starting (or none): read here
                    done[i] = read_one(files[i])
                while out in done:
                    yield done.pop(out)
                    out += 1
                if out >= len(files):
                    break
                if not live:
                    continue
                wait = 0 if todo and not any(w.ready for w in live) else 0.5
                readable = select.select(live, [], [], wait)[0]
                for w in readable:
                    messages, alive = w.receive()
                    for m in messages:
                        if m == "ready":
                            w.ready = True
                            continue
                        index, status, value = m
                        w.pending.popleft()
                        w.since = time.monotonic()
                        self.starts = self.deaths = 0   # readers that answer: restarts so far were no pattern
                        done[index] = read_one(files[index]) if status == "here" else (status, value)
                    if not alive:
                        self.deaths += bool(w.pending)
                        self._lost(w, files, todo, done, f"the reader process died ({exit_reason(w.stop())})")
                now = time.monotonic()
                for w in live:
                    if w.pending and now - w.since > TIMEOUT_S:
                        w.stop(kill=True)
                        self._lost(w, files, todo, done, f"reading took longer than {TIMEOUT_S:g} s")
                for i, w in enumerate(self.workers):
                    if w.proc.poll() is not None and not w.pending and not self.broken and todo:
                        self._start(i)
        finally:
            self._settle()

    def _lost(self, w, files, todo, done, why):
        """A reader ended: the path it was reading is refused with ``why``, the others go back."""
        if w.pending:
            culprit = w.pending.popleft()
            done[culprit] = ("refused", f"{why} while reading this file; the other files were read")
            todo.extendleft(reversed(w.pending))
            w.pending.clear()
        w.ready = False

    def _settle(self):
        """After a folder (or a cancel): take the answers still owed and drop them, so the next
        folder starts clean; a reader that does not answer in time is stopped."""
        deadline = time.monotonic() + 2.0
        for w in self.workers:
            while w.pending and w.proc.poll() is None and time.monotonic() < deadline:
                if select.select([w], [], [], max(0.0, deadline - time.monotonic()))[0]:
                    messages, alive = w.receive()
                    for m in messages:
                        if m == "ready":
                            w.ready = True
                        else:
                            w.pending.popleft()
                    if not alive:
                        break
            if w.pending:
                w.stop(kill=True)
                w.pending.clear()
                w.ready = False

    def close(self):
        """Stop the readers (at exit: a folder still being read gets 5 s to end first)."""
        locked = self.lock.acquire(timeout=5)
        try:
            for w in self.workers:
                w.stop(kill=not locked)
            self.workers = []
        finally:
            if locked:
                self.lock.release()


def _size(path):
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


_pool = None
_pool_lock = threading.Lock()
_keep = False


def keep_readers(on=True):
    """Say that this process will read many folders (the app): readers start with the first folder
    of MIN_FILES files, not only with one of START_FILES."""
    global _keep
    _keep = on


def running():
    """True when reader processes are up (started, not necessarily ready)."""
    pool = _pool
    return pool is not None and any(w.proc.poll() is None for w in pool.workers)


def read_all(files, read_one):
    """``read_one(f)`` for every file, in order: through the readers for a big folder, here otherwise
    (and when another folder has the readers)."""
    global _pool
    n = readers()
    if n <= 0 or len(files) < MIN_FILES or (len(files) < START_FILES and not _keep and not running()):
        for f in files:
            yield read_one(f)
        return
    with _pool_lock:
        if _pool is None:
            _pool = ReaderPool(n)
            atexit.register(_close_pool)
        pool = _pool
    if pool.broken or not pool.lock.acquire(blocking=False):
        for f in files:
            yield read_one(f)
        return
    try:
        yield from pool.run(files, read_one)
    finally:
        pool.lock.release()


def _close_pool():
    """At exit: this process's readers (none in a forked child: they are its parent's)."""
    if _pool is not None:
        _pool.close()


def _forget_in_child():
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()   # a forked child starts its own readers


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)
