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


def test_a_progress_tick_is_painted_with_the_next_frame_not_at_once(qtbot):
    from PySide6.QtCore import QEvent, QObject

    from widgets.panels import ProgressBar

    class Paints(QObject):
        n = 0

        def eventFilter(self, obj, event):
            if event.type() == QEvent.Paint:
                Paints.n += 1
            return False

    bar = ProgressBar()
    qtbot.addWidget(bar)
    bar.setRange(0, 100)
    bar.show()
    qtbot.waitExposed(bar)
    counter = Paints()
    bar.installEventFilter(counter)
    qtbot.wait(50)
    before = Paints.n
    bar.set_value(50, "50 / 100")
    assert Paints.n == before and bar.value() == 50 and bar.format() == "50 / 100"   # QProgressBar repaints at once
    qtbot.waitUntil(lambda: Paints.n > before, timeout=2000)                        # ...this one in the next turn


def test_background_jobs_pause_the_collector_and_freeze_what_they_built():
    import gc

    from widgets.collection import paused
    assert gc.isenabled()
    with paused():
        with paused():                                     # jobs overlap: the collector stays off...
            kept = [[i] for i in range(1000)]
        assert not gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() >= 1000   # ...until the last ends; its objects frozen
    assert gc.is_tracked(kept[0])
    del kept
