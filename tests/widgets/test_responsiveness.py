"""What keeps the GUI thread answering besides paced drawing: progress ticks painted with the next
frame, and background jobs that do not make it wait for the garbage collector."""


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


def test_background_threads_give_way_to_the_gui_thread():
    import os
    import sys
    import threading
    import time

    import pytest

    from widgets import priority
    if not sys.platform.startswith("linux"):
        pytest.skip("thread priorities are lowered on Linux only")
    main = threading.get_native_id()
    before = os.getpriority(os.PRIO_PROCESS, main)
    priority.background()                                   # on the GUI thread: nothing changes
    assert os.getpriority(os.PRIO_PROCESS, main) == before
    seen = {}

    def job():
        priority.background()
        seen["job"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    t = threading.Thread(target=job)
    t.start()
    t.join()
    assert seen["job"] >= priority.NICE
    assert os.getpriority(os.PRIO_PROCESS, main) == before  # the GUI thread keeps its priority
    for tid in priority._blas_threads():                    # NumPy's BLAS threads were lowered with the first job
        assert os.getpriority(os.PRIO_PROCESS, tid) >= priority.NICE
    from lab.nn.data_parallel import run_parts

    def part(i):
        time.sleep(0.05)                                    # every part gets its own thread
        return threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    got = run_parts(part, 3)                                # part 0 on this (GUI) thread, the rest in the pool
    assert got[0] == (main, before)
    assert all(tid != main and nice >= priority.NICE for tid, nice in got[1:])   # the engine's helpers too


def test_progress_past_the_planned_steps_says_so(qtbot):
    from widgets.panels import ProgressPanel
    p = ProgressPanel()
    qtbot.addWidget(p)
    p.reset(20)
    p.update_step(12)
    assert p.bar.format() == "12 / 20" and p.bar.value() == 12
    p.update_step(300, running=False)                      # Start continues past the plan
    assert p.bar.format() == "300 (planned 20)" and p.bar.value() == 20
    assert "planned steps done" in p.label.text()


def test_a_table_column_is_fitted_again_when_its_text_grows(qtbot):
    """Tables are re-texted in place every frame; a column fitted to "0.69" must widen when the value
    becomes "0.000123" instead of showing "0.00...", and stay as it is when texts only change."""
    from PySide6.QtWidgets import QTableWidget

    from widgets.live_text import fill_table
    table = QTableWidget(0, 2)
    qtbot.addWidget(table)
    fill_table(table, [["sgd", "0.69"], ["adam", "0.68"]])
    narrow = table.columnWidth(1)
    fill_table(table, [["sgd", "0.67"], ["adam", "0.66"]])
    assert table.columnWidth(1) == narrow
    fill_table(table, [["sgd", "0.000123456"], ["adam", "0.66"]])
    wide = table.columnWidth(1)
    assert wide > narrow
    fm = table.fontMetrics()
    assert wide >= fm.horizontalAdvance("0.000123456")


def test_a_first_lone_point_gets_a_readable_range(qtbot):
    """One value (a run's first point) gets a span from its size: with the old 1e-9 span its ticks
    read "0.0039000001" and the axis, which never shrinks, stayed wide for the whole run."""
    import pyqtgraph as pg

    from widgets.plots.style import SteadyRange

    w = pg.PlotWidget()
    qtbot.addWidget(w)
    r = SteadyRange(w.getPlotItem())
    r.cover([0.0039])
    lo, hi = r.limits
    assert lo < 0.0039 < hi and hi - lo > 0.0005   # ticks 0.0001 apart: "0.0038"
    r2 = SteadyRange(w.getPlotItem())
    r2.cover([0.0])
    assert r2.limits[1] - r2.limits[0] > 0.1
    r3 = SteadyRange(w.getPlotItem(), log=True)
    r3.cover([0.0039])
    assert r3.limits[1] - r3.limits[0] >= 0.5   # decades


def test_a_range_grows_on_the_side_the_data_left():
    """A loss falling decade after decade moves the bottom only: both sides used to grow by a margin
    of the whole span each time, and the top climbed to 10^3 over a curve that never passed 1."""
    import pyqtgraph as pg

    from widgets.plots.style import SteadyRange

    w = pg.PlotWidget()
    r = SteadyRange(w.getPlotItem(), log=True, margin=0.15)
    r.cover([1.0])
    top = r.limits[1]
    for k in range(1, 9):
        r.cover([10.0 ** (-k / 2)])
    assert r.limits[1] == top and r.limits[0] < -4
    w.deleteLater()
