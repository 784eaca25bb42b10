"""The one QThread runner that drives any experiment (superqt's worker semantics).

The loop checks plain flags between steps (abort, pause, a budget of single steps), polls
every 10 ms while paused, and hands results to the GUI thread as :class:`Frame` objects by
signal: at most ``max_rate`` per second and never more than one waiting in the GUI's queue,
so the GUI always gets the newest snapshot whatever the step rate. Every step's metrics reach
the GUI (``Frame.rows``), so curves have no gaps. An exception or a NaN ends the run with a
message naming the step; the experiment keeps its last good state.
"""

import threading
import time
import traceback

from PySide6.QtCore import QObject, QThread, Signal

from lab.errors import DivergedError


class Frame:
    """snapshot: the newest Snapshot (arrays merged from the steps it stands for);
    rows: [(step, metrics)] for every step since the previous frame."""

    __slots__ = ("snapshot", "rows")

    def __init__(self, snapshot, rows):
        self.snapshot, self.rows = snapshot, rows


class _Thread(QThread):
    def __init__(self, worker):
        super().__init__()
        self.worker = worker

    def run(self):
        self.worker._loop()


class ExperimentWorker(QObject):
    frame = Signal(object)       # Frame
    state_changed = Signal(str)  # "running", "paused", "idle"
    failed = Signal(str)         # a message for the user, naming the step
    finished = Signal()          # the thread's loop has ended (after any failed/frame)

    def __init__(self, experiment=None, max_rate=30.0, parent=None):
        super().__init__(parent)
        self.experiment = experiment
        self.max_rate = float(max_rate)
        self.lock = threading.RLock()  # held while a step runs; hold it to read the experiment
        self._thread = None
        self._abort = False
        self._paused = False
        self._budget = None     # None: run freely; n: run n more steps, then pause (or stop)
        self._stop_after_budget = False
        self._delivered = threading.Event()
        self._delivered.set()
        self.state = "idle"

    # ------------------------------------------------------------------ control (GUI thread)
    @property
    def is_running(self):
        return self._thread is not None and self._thread.isRunning()

    def set_experiment(self, experiment):
        if self.is_running:
            raise RuntimeError("stop the run before replacing its experiment")
        self.experiment = experiment

    def start(self):
        """Start, or resume when paused."""
        if self.is_running:
            self.resume()
            return
        self._launch(paused=False, budget=None)

    def run_steps(self, n, then="pause"):
        """Run exactly n steps, then pause (``then="pause"``) or end the run (``"stop"``)."""
        if self.is_running:
            self._budget, self._stop_after_budget = int(n), then == "stop"
            self._paused = False
            self._set_state("running")
        else:
            self._launch(paused=False, budget=int(n), stop_after=then == "stop")

    def pause(self):
        if self.is_running and not self._paused:
            self._paused = True
            self._set_state("paused")

    def resume(self):
        if self.is_running and self._paused:
            self._budget = None
            self._paused = False
            self._set_state("running")

    def step(self):
        """One step: from idle or paused; the run stays paused afterwards."""
        if self.is_running:
            if self._paused:
                self._budget = 1
                self._paused = False
        else:
            self._launch(paused=False, budget=1)

    def stop(self, wait_ms=None):
        """Ask the loop to end after the current step; with ``wait_ms`` also join the thread."""
        self._abort = True
        self._delivered.set()
        if wait_ms is not None and self._thread is not None:
            return self._thread.wait(int(wait_ms))
        return True

    def mark_delivered(self):
        """The GUI calls this when it has drawn a frame: the next may be sent."""
        self._delivered.set()

    # ------------------------------------------------------------------ internals
    def _launch(self, paused, budget, stop_after=False):
        if self.experiment is None:
            raise RuntimeError("no experiment to run")
        if self._thread is not None:
            self._thread.wait()
        self._abort, self._paused = False, paused
        self._budget, self._stop_after_budget = budget, stop_after
        self._delivered.set()
        self._thread = _Thread(self)
        self._thread.finished.connect(self._on_thread_finished)
        self._set_state("running")
        self._thread.start()

    def _set_state(self, state):
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    def _on_thread_finished(self):
        self._set_state("idle")
        self.finished.emit()

    def _loop(self):
        exp = self.experiment
        pending, rows = None, []
        last_emit = 0.0
        interval = 1.0 / self.max_rate

        def flush(force):
            nonlocal pending, rows, last_emit
            if pending is None:
                return
            now = time.perf_counter()
            if force or (now - last_emit >= interval and self._delivered.is_set()):
                self._delivered.clear()
                self.frame.emit(Frame(pending, rows))
                pending, rows, last_emit = None, [], now

        try:
            while not self._abort:
                if self._paused:
                    flush(True)
                    time.sleep(0.01)
                    continue
                with self.lock:
                    snap = exp.step()
                bad = snap.non_finite()
                if bad:
                    raise DivergedError(snap.step, bad.replace("_", " "))
                pending = snap.merged_after(pending)
                rows.append((snap.step, snap.metrics))
                if self._budget is not None:
                    self._budget -= 1
                    if self._budget <= 0:
                        self._budget = None
                        flush(True)
                        if self._stop_after_budget:
                            break
                        self._paused = True
                        self.state = "paused"
                        self.state_changed.emit("paused")
                        continue
                flush(False)
            flush(True)
        except DivergedError as e:
            flush(True)
            self.failed.emit(str(e))
        except Exception as e:  # noqa: BLE001 — any failure of a step ends the run, not the app
            flush(True)
            step = getattr(exp, "steps_done", 0) + 1
            traceback.print_exc()
            self.failed.emit(f"step {step} failed: {type(e).__name__}: {e}")
        finally:
            self._paused = False
            try:
                exp.close()
            except Exception:  # noqa: BLE001
                traceback.print_exc()
