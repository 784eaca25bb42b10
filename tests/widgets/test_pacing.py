"""The paced frame: a generator draw runs one part per turn of the event loop, ``done`` comes once,
``finish`` draws the rest at once, and a failing part still releases the worker."""

import pytest

from widgets.pacing import DrawPacer


def parts(log, n, fail_at=None):
    for i in range(n):
        if i == fail_at:
            raise ValueError("bad frame")
        log.append(i)
        yield


def test_parts_run_one_turn_each_then_done(qtbot):
    pacer, log, done = DrawPacer(), [], []
    pacer.run(parts(log, 3), done.append)
    assert log == [0] and pacer.busy and not done  # the first part now, the rest in later turns
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    assert log == [0, 1, 2] and len(done) == 1 and done[0] >= 0 and not pacer.busy


def test_a_new_frame_finishes_the_one_in_flight_first(qtbot):
    pacer, log, done = DrawPacer(), [], []
    pacer.run(parts(log, 3), lambda c: done.append("a"))
    pacer.run(parts(log, 2), lambda c: done.append("b"))
    assert log[:3] == [0, 1, 2] and done == ["a"]  # rows of the first frame are never dropped
    pacer.finish()
    assert log == [0, 1, 2, 0, 1] and done == ["a", "b"]


def test_plain_draws_and_none(qtbot):
    pacer, done = DrawPacer(), []
    pacer.run(None, done.append)
    assert len(done) == 1 and not pacer.busy


def test_a_failing_part_still_calls_done(qtbot):
    pacer, log, done = DrawPacer(), [], []
    with pytest.raises(ValueError):
        pacer.run(parts(log, 3, fail_at=0), done.append)
    assert len(done) == 1 and not pacer.busy
    pacer.run(parts(log, 3, fail_at=1), done.append)
    with pytest.raises(ValueError):
        pacer.finish()
    assert log == [0] and len(done) == 2 and not pacer.busy



def test_done_comes_after_the_last_part_is_painted(qtbot):
    """``done`` releases the worker: it comes a turn after the last part, when Qt has painted the
    view that part changed, so the worker's next step does not compete with that painting."""
    pacer, log, done = DrawPacer(), [], []
    pacer.run(parts(log, 1), done.append)
    assert log == [0] and not done and pacer.busy
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    assert len(done) == 1 and not pacer.busy


def test_each_part_is_painted_before_the_next_part_runs(qtbot):
    """A part's views are painted in the turn after it, before the next part: left to Qt, a
    scene's update is a queued call the next part could overtake, and two parts' views were then
    painted together in one long turn."""
    import pyqtgraph as pg
    from PySide6.QtCore import QEvent, QObject, Qt, Signal
    from PySide6.QtWidgets import QHBoxLayout, QWidget

    owner = QWidget()
    row = QHBoxLayout(owner)
    plots = [pg.PlotWidget(), pg.PlotWidget()]
    for p in plots:
        row.addWidget(p)
    qtbot.addWidget(owner)
    owner.resize(600, 300)
    owner.show()
    qtbot.waitExposed(owner)
    events = []

    class Painted(QObject):
        def __init__(self, name):
            super().__init__()
            self.name = name

        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Paint:
                events.append(f"paint {self.name}")
            return False

    filters = [Painted(name) for name in "ab"]
    for p, f in zip(plots, filters):
        p.viewport().installEventFilter(f)
    curves = [p.plot([], []) for p in plots]
    qtbot.wait(50)
    events.clear()

    def draw():
        for name, curve in zip("ab", curves):
            curve.setData([0, 1, 2], [0, 1, 0])
            events.append(f"part {name}")
            yield

    class Frames(QObject):
        frame = Signal()

    pacer, done, frames = DrawPacer(owner), [], Frames()
    # as a frame arrives from the worker: a queued call, run among the posted events
    frames.frame.connect(lambda: pacer.run(draw(), lambda cost: (events.append("done"), done.append(cost))),
                         Qt.QueuedConnection)
    frames.frame.emit()
    qtbot.waitUntil(lambda: bool(done), timeout=5000)

    def painted_between(name, start, end):   # other paints may come too (a first show, say)
        i, j = events.index(start), events.index(end)
        return f"paint {name}" in events[i + 1:j]

    assert painted_between("a", "part a", "part b") and painted_between("b", "part b", "done")
