"""The one QThread runner that drives any experiment (superqt's worker semantics).

The GUI thread only writes requests (a queue of pause / resume / step-budget requests and a
plain abort flag); the worker thread alone writes the run state, reads the requests between
steps, polls every 10 ms while paused, and hands results to the GUI thread as
:class:`~widgets.throttle.Frame` objects by signal, throttled by a
:class:`~widgets.throttle.FrameThrottle`. An exception or a NaN ends the run with a message
naming the step; the experiment keeps its last good state.
"""

import os
import queue
import threading
import time
import traceback

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from lab.errors import DivergedError, RunFinished

from . import priority
from .throttle import FrameThrottle


YIELD_S = 0.0 if os.environ.get("NUMPY_LAB_YIELD") == "0" else 0.1


class _Thread(QThread):
    def __init__(self, worker):
        super().__init__()
        self.worker = worker

    def run(self):
        priority.background()
        self.worker._loop()


class ExperimentWorker(QObject):
    frame = Signal(object)       # Frame
    state_changed = Signal(str)  # "running", "paused", "idle"
    failed = Signal(str)         # a message for the user, naming the step
    ended = Signal(str)          # the experiment had nothing left to do: why (not a failure)
    finished = Signal()          # the thread's loop has ended (after any failed/frame)
    recorded = Signal(str)       # the run's folder in the run list: it began, or it ended (status written)
    diverged = Signal(object)    # the DivergedError that ended (paused) the run, after ``failed``

    def __init__(self, experiment=None, max_rate=30.0, parent=None):
        super().__init__(parent)
        self.experiment = experiment
        self.max_rate = float(max_rate)
        self.lock = threading.RLock()  # held while a step runs; hold it to read the experiment
        self._thread = None
        self._abort = False            # written by the GUI: end after the current step
        self._requests = queue.SimpleQueue()  # written by the GUI, read by the worker between steps
        self._throttle = FrameThrottle(max_rate)
        self._gui_idle = threading.Event()  # clear while the GUI draws a frame or holds (``drawing``, ``hold``)
        self._gui_idle.set()
        self._drawing, self._holds = False, 0  # what keeps it clear (under ``_idle_lock``)
        self._idle_lock = threading.Lock()
        self.state = "idle"            # written by the worker thread (and before/after it runs)
        self.recorder = None           # a lab.runs.recorder.RunRecorder (set between runs): the run on disk

    # ------------------------------------------------------------------ requests (GUI thread)
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
        else:
            self._launch(budget=None)

    def run_steps(self, n, then="pause"):
        """Run exactly n steps, then pause (``then="pause"``) or end the run (``"stop"``)."""
        if self.is_running:
            self._requests.put(("budget", int(n), then == "stop"))
        else:
            self._launch(budget=int(n), stop_after=then == "stop")

    def pause(self):
        if self.is_running:
            self._requests.put(("pause",))

    def resume(self):
        if self.is_running:
            self._requests.put(("resume",))

    def step(self):
        """One step: from idle or paused; the run stays paused afterwards."""
        if self.is_running:
            self._requests.put(("budget", 1, False))
        else:
            self._launch(budget=1)

    def stop(self, wait_ms=None):
        """Ask the loop to end after the current step; with ``wait_ms`` also join the thread."""
        self._abort = True
        self._throttle.delivered()
        with self._idle_lock:
            self._drawing, self._holds = False, 0
            self._gui_idle.set()
        if wait_ms is not None and self._thread is not None:
            return self._thread.wait(int(wait_ms))
        return True

    def drawing(self):
        """The GUI calls this when it starts drawing a frame: until ``mark_delivered``, the worker
        waits between steps (at most ``YIELD_S`` a step). Python runs one thread at a time, and a
        worker stepping a small model in Python code took the interpreter from the GUI thread every
        few milliseconds: its drawing, Python code too (pyqtgraph), then took 3-10 times as long."""
        self._set_idle(drawing=True)

    def mark_delivered(self, cost=None):
        """The GUI calls this when it has drawn a frame (``cost``: seconds it took): the next may be sent."""
        self._throttle.delivered(cost)
        self._set_idle(drawing=False)

    def hold(self):
        """GUI work outside a frame (an animation's tick, a view computed in the background arriving):
        the worker waits between steps until as many ``release`` calls, as while a frame is drawn."""
        self._set_idle(holds=+1)

    def release(self):
        self._set_idle(holds=-1)

    def hold_for_a_turn(self):
        """Call before GUI work outside a frame (an animation's tick): no new step until the event
        loop has had its next turn, in which Qt paints what that work changed."""
        self.hold()
        QTimer.singleShot(0, self.release)

    def _set_idle(self, drawing=None, holds=0):
        with self._idle_lock:
            if drawing is not None:
                self._drawing = drawing
            self._holds = max(0, self._holds + holds)
            if self._drawing or self._holds:
                self._gui_idle.clear()
            else:
                self._gui_idle.set()

    # ------------------------------------------------------------------ internals
    def _finish_record(self, status, state_good=True):
        rec = self.recorder
        if rec is None or rec.folder is None:
            return
        try:  # a state that may hold the non-finite values is not saved over the last good checkpoint
            rec.finish(status, checkpoint=state_good)
        except Exception:  # noqa: BLE001 — recording never ends the app
            traceback.print_exc()
        self.recorded.emit(str(rec.folder))

    def _launch(self, budget, stop_after=False):
        if self.experiment is None:
            raise RuntimeError("no experiment to run")
        if self._thread is not None:
            self._thread.wait()
        self._abort = False
        self._requests = queue.SimpleQueue()
        self._throttle.reset()
        self._thread = _Thread(self)
        self._thread.finished.connect(self._on_thread_finished)
        self._plan = (budget, stop_after)
        self._set_state("running")  # the thread has not started yet: nobody else writes the state
        self._thread.start()

    def _set_state(self, state):
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    def _on_thread_finished(self):
        self._set_state("idle")  # the thread has ended: the GUI may write the state again
        self.finished.emit()

    def _emit(self, force):
        frame = self._throttle.take(force)
        if frame is not None:
            self._set_idle(drawing=True)   # the GUI will draw it: the next step waits from now, not
            self.frame.emit(frame)         # from when the GUI thread gets round to saying so

    def _record(self, snap):
        rec = self.recorder
        if rec is not None:
            had = rec.folder
            rec.add(snap.step, snap.metrics)
            if rec.folder is not None and had is None:
                self.recorded.emit(str(rec.folder))

    def _loop(self):
        exp = self.experiment
        budget, stop_after = self._plan
        paused = False
        status, state_good = "stopped", True
        try:
            while not self._abort:
                while True:  # read the GUI's requests between steps
                    try:
                        req = self._requests.get_nowait()
                    except queue.Empty:
                        break
                    if req[0] == "pause":
                        paused = True
                    elif req[0] == "resume":
                        paused, budget = False, None
                    else:
                        paused, budget, stop_after = False, req[1], req[2]
                    self._set_state("paused" if paused else "running")
                if paused:
                    self._emit(True)
                    time.sleep(0.01)
                    continue
                if YIELD_S:
                    self._gui_idle.wait(YIELD_S)
                with self.lock:
                    snap = exp.step()
                bad = snap.non_finite()
                if bad:
                    raise DivergedError(snap.step, bad.replace("_", " "), state_good=False)
                self._record(snap)
                self._throttle.add(snap)
                if budget is not None:
                    budget -= 1
                    if budget <= 0:
                        budget = None
                        if stop_after:
                            break
                        paused = True
                        self._set_state("paused")
                        self._emit(True)
                        continue
                self._emit(False)
            self._emit(True)
        except DivergedError as e:
            status, state_good = "diverged", e.state_good
            self._emit(True)
            self.failed.emit(str(e))
            self.diverged.emit(e)
        except RunFinished as e:
            status = "finished"
            self._emit(True)
            self.ended.emit(f"Run ended at step {exp.steps_done}: {e}.")
        except Exception as e:  # noqa: BLE001 — any failure of a step ends the run, not the app
            status = "failed"
            self._emit(True)
            traceback.print_exc()
            self.failed.emit(f"step {exp.steps_done + 1} failed: {type(e).__name__}: {e}")
        finally:
            self._finish_record(status, state_good)
            try:
                exp.close()
            except Exception:  # noqa: BLE001
                traceback.print_exc()
