"""The worker's semantics with a tiny fake experiment (fast steps, controllable faults)."""

import threading

import numpy as np
import pytest

from lab.experiments.base import Experiment, Snapshot
from widgets.worker import ExperimentWorker


class Counter(Experiment):
    name = "counter"

    def __init__(self, fail_at=None, nan_at=None):
        self.steps_done = 0
        self.fail_at, self.nan_at = fail_at, nan_at
        self.closed = 0
        self.buf = np.zeros(4)
        self.thread_ids = set()

    def step(self):
        self.thread_ids.add(threading.get_ident())
        n = self.steps_done + 1
        if n == self.fail_at:
            raise RuntimeError("boom")
        self.steps_done = n
        self.buf[:] = n  # mutated in place: snapshots must hold copies
        loss = float("nan") if n == self.nan_at else 1.0 / n
        return Snapshot(n, {"loss": loss}, {"buf": self.buf} if n % 2 == 0 else {})

    def close(self):
        self.closed += 1


_workers = []


@pytest.fixture
def frames():
    yield []
    while _workers:  # join every thread, even when a test failed half-way
        _workers.pop().stop(wait_ms=5000)


def make(qtbot, exp, frames):
    w = ExperimentWorker(exp)
    _workers.append(w)

    def on_frame(f):
        frames.append(f)
        w.mark_delivered()
    w.frame.connect(on_frame)
    return w


def test_run_steps_then_stop_delivers_every_row_and_newest(qtbot, frames):
    exp = Counter()
    w = make(qtbot, exp, frames)
    with qtbot.waitSignal(w.finished, timeout=10_000):
        w.run_steps(500, then="stop")
    assert exp.steps_done == 500
    steps = [s for f in frames for s, _ in f.rows]
    assert steps == list(range(1, 501))            # no gaps: every step's metrics arrive
    assert frames[-1].snapshot.step == 500          # the newest is always delivered
    assert len(frames) < 500                        # but not one signal per step
    assert frames[-1].snapshot.arrays["buf"][0] == 500  # arrays merged from the newest step with arrays
    assert exp.closed == 1
    assert threading.get_ident() not in exp.thread_ids  # the experiment ran in the worker thread
    assert w.state == "idle"


def test_pause_resume_step_stop(qtbot, frames):
    exp = Counter()
    w = make(qtbot, exp, frames)
    states = []
    w.state_changed.connect(states.append)
    w.start()
    qtbot.waitUntil(lambda: exp.steps_done > 20, timeout=5000)
    w.pause()
    qtbot.wait(50)
    n = exp.steps_done
    qtbot.wait(100)
    assert exp.steps_done == n  # paused: no steps
    w.step()
    qtbot.waitUntil(lambda: exp.steps_done == n + 1, timeout=5000)
    qtbot.wait(50)
    assert exp.steps_done == n + 1
    w.resume()
    qtbot.waitUntil(lambda: exp.steps_done > n + 10, timeout=5000)
    with qtbot.waitSignal(w.finished, timeout=5000):
        w.stop()
    stopped_at = exp.steps_done
    count = len(frames)
    qtbot.wait(100)
    assert exp.steps_done == stopped_at and len(frames) == count  # a stopped run emits nothing more
    assert states[0] == "running" and "paused" in states and states[-1] == "idle"


def test_step_from_idle_runs_one_step(qtbot, frames):
    exp = Counter()
    w = make(qtbot, exp, frames)
    w.step()
    qtbot.waitUntil(lambda: bool(frames) and frames[-1].snapshot.step == 1, timeout=5000)
    assert exp.steps_done == 1 and w.state == "paused"
    w.stop(wait_ms=5000)


def test_exception_stops_with_step_named(qtbot, frames):
    exp = Counter(fail_at=7)
    w = make(qtbot, exp, frames)
    with qtbot.waitSignal(w.failed, timeout=5000) as blocker:
        w.start()
    assert blocker.args[0] == "step 7 failed: RuntimeError: boom"
    qtbot.waitUntil(lambda: w.state == "idle", timeout=5000)
    assert exp.steps_done == 6 and frames[-1].snapshot.step == 6


def test_nan_metric_stops_the_run(qtbot, frames):
    exp = Counter(nan_at=4)
    w = make(qtbot, exp, frames)
    with qtbot.waitSignal(w.failed, timeout=5000) as blocker:
        w.start()
    assert "diverged at step 4: loss is not finite" in blocker.args[0]


def test_stop_and_join(qtbot, frames):
    exp = Counter()
    w = make(qtbot, exp, frames)
    w.start()
    qtbot.waitUntil(lambda: exp.steps_done > 5, timeout=5000)
    assert w.stop(wait_ms=5000)
    assert not w.is_running


def test_the_worker_waits_between_steps_while_the_gui_draws(qtbot, frames, monkeypatch):
    """While the GUI draws a frame (``drawing`` ... ``mark_delivered``) the worker takes no step (up
    to YIELD_S a step): Python runs one thread at a time, and the GUI's drawing is Python code."""
    import widgets.worker as worker
    monkeypatch.setattr(worker, "YIELD_S", 30.0)
    exp = Counter()
    w = ExperimentWorker(exp)
    _workers.append(w)
    drawing = [True]
    w.frame.connect(lambda f: None if drawing[0] else w.mark_delivered())   # a GUI that draws at once
    w.drawing()
    w.start()
    qtbot.wait(200)
    assert exp.steps_done == 0 and w.state == "running"
    drawing[0] = False
    w.mark_delivered()
    qtbot.waitUntil(lambda: exp.steps_done > 10, timeout=5000)
    drawing[0] = True
    w.drawing()
    qtbot.wait(50)
    n = exp.steps_done
    qtbot.wait(150)
    assert exp.steps_done <= n + 1          # at most the step that was under way
    drawing[0] = False
    w.mark_delivered()
    qtbot.waitUntil(lambda: exp.steps_done > n + 10, timeout=5000)
    with qtbot.waitSignal(w.finished, timeout=5000):
        w.stop()


def test_a_frame_sent_holds_the_next_step_until_it_is_drawn(qtbot, frames, monkeypatch):
    """The worker waits from the moment it sends a frame, not from when the GUI thread gets round
    to ``drawing``: the step it would have started meanwhile took the interpreter from the GUI's
    first drawing and painting."""
    import widgets.worker as worker
    monkeypatch.setattr(worker, "YIELD_S", 30.0)
    exp = Counter()
    w = ExperimentWorker(exp)
    _workers.append(w)
    got = []
    w.frame.connect(got.append)              # a GUI still drawing: it never says delivered
    w.start()
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    qtbot.wait(200)
    assert exp.steps_done == got[0].snapshot.step
    w.mark_delivered()
    qtbot.waitUntil(lambda: exp.steps_done > got[0].snapshot.step, timeout=5000)
    with qtbot.waitSignal(w.finished, timeout=5000):
        w.stop()


def test_hold_and_release_count(qtbot, frames, monkeypatch):
    """GUI work outside a frame holds the worker between steps until released, as many times as
    held; a frame drawn meanwhile does not release a hold, nor a release the frame."""
    import widgets.worker as worker
    monkeypatch.setattr(worker, "YIELD_S", 30.0)
    exp = Counter()
    w = make(qtbot, exp, frames)             # a GUI that draws every frame at once
    w.hold()
    w.hold()
    w.start()
    qtbot.wait(200)
    assert exp.steps_done == 0
    w.release()
    qtbot.wait(150)
    assert exp.steps_done == 0
    w.release()
    qtbot.waitUntil(lambda: exp.steps_done > 10, timeout=5000)
    w.release()                              # one release too many changes nothing
    qtbot.waitUntil(lambda: exp.steps_done > 20, timeout=5000)
    with qtbot.waitSignal(w.finished, timeout=5000):
        w.stop()


def test_hold_for_a_turn_ends_with_the_next_turn(qtbot, frames, monkeypatch):
    import widgets.worker as worker
    monkeypatch.setattr(worker, "YIELD_S", 30.0)
    w = make(qtbot, Counter(), frames)
    w.hold_for_a_turn()
    assert not w._gui_idle.is_set()
    qtbot.waitUntil(w._gui_idle.is_set, timeout=5000)
