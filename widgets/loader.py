"""Build an experiment (read its data) off the GUI thread, with progress and Cancel.

Opening a DICOM or GIF folder, generating the built-in data on first launch, reading IDX or CSV files
and loading a checkpoint all happen inside an experiment's constructor (or ``load_checkpoint``).
``Loader.load(factory, what)`` runs ``factory()`` in its own QThread under ``lab.progress.reporting``,
so the readers' ``tick`` calls become ``progress`` signals (at most ~20 a second) and Cancel stops
the job between two files. Only the newest job's result is delivered; ``shutdown`` joins the
thread before the owner dies."""

import threading
import time
import traceback

from PySide6.QtCore import QObject, QThread, Signal

from lab.errors import Cancelled, DataError
from lab.progress import reporting

from . import collection, imports, priority


class _Job(QThread):
    def __init__(self, serial, factory, relay):
        super().__init__()
        self.serial, self.factory, self.relay = serial, factory, relay
        self.cancel = threading.Event()
        self._last = 0.0

    def _tick(self, done, total, what):
        now = time.monotonic()
        if now - self._last >= 0.05 or done >= total:
            self._last = now
            self.relay.progress.emit(self.serial, int(done), int(total), str(what))

    def run(self):
        priority.background()
        imports.ready()
        try:
            with reporting(self._tick, self.cancel.is_set), collection.paused():
                result = self.factory()
            self.relay.done.emit(self.serial, result, "", False)
        except Cancelled as e:
            self.relay.done.emit(self.serial, None, str(e), True)
        except (DataError, ValueError, OSError, KeyError, MemoryError) as e:
            self.relay.done.emit(self.serial, None, str(e) or type(e).__name__, False)
        except Exception as e:  # noqa: BLE001 — reported to the user, never raised in a thread
            traceback.print_exc()
            self.relay.done.emit(self.serial, None, f"{type(e).__name__}: {e}", False)


class _Relay(QObject):
    progress = Signal(int, int, int, str)   # serial, done, total, what
    done = Signal(int, object, str, bool)   # serial, result, error ("" when it worked), cancelled


class Loader(QObject):
    """``load(factory, what)``; then ``progress(done, total, what)`` signals and one of ``loaded(result)``,
    ``failed(message)`` or ``cancelled(message)`` on the GUI thread."""

    started = Signal(str)
    progress = Signal(int, int, str)
    loaded = Signal(object)
    failed = Signal(str)
    cancelled = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._relay = _Relay()
        self._relay.progress.connect(self._on_progress)
        self._relay.done.connect(self._on_done)
        self._serial = 0
        self._jobs = []

    @property
    def busy(self):
        return any(j.serial == self._serial for j in self._jobs)

    def load(self, factory, what="reading the data"):
        """Start ``factory()`` in a thread; an older job still running is cancelled and ignored."""
        self.cancel()
        self._serial += 1
        job = _Job(self._serial, factory, self._relay)
        job.finished.connect(lambda j=job: self._forget(j))
        self._jobs.append(job)
        self.started.emit(what)
        job.start()

    def cancel(self):
        for j in self._jobs:
            j.cancel.set()

    def shutdown(self, wait_ms=10_000):
        """Cancel and join every job (the window is closing)."""
        self.cancel()
        ok = all(j.wait(wait_ms) for j in list(self._jobs))
        self._jobs.clear()
        return ok

    def _forget(self, job):
        if job in self._jobs:
            job.wait()
            self._jobs.remove(job)

    def _on_progress(self, serial, done, total, what):
        if serial == self._serial:
            self.progress.emit(done, total, what)

    def _on_done(self, serial, result, error, was_cancelled):
        if serial != self._serial:
            return
        self._serial += 1  # nothing is pending now (busy is False)
        if was_cancelled:
            self.cancelled.emit(error)
        elif error:
            self.failed.emit(error)
        else:
            self.loaded.emit(result)
