"""The frame throttle on its own, with a fake clock (no Qt)."""

from lab.experiments.base import Snapshot
from widgets.throttle import FrameThrottle


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def snap(step, arrays=None):
    return Snapshot(step, {"loss": 1.0 / step}, arrays or {})


def test_first_frame_goes_out_then_waits_for_delivery_and_interval():
    clock = Clock()
    th = FrameThrottle(max_rate=10, clock=clock)
    assert th.take() is None                     # nothing pending
    th.add(snap(1))
    f = th.take()
    assert f.snapshot.step == 1 and [s for s, _ in f.rows] == [1]
    th.add(snap(2))
    clock.t = 1.0
    assert th.take() is None                     # the GUI has not drawn the last frame yet
    th.delivered()
    clock.t = 1.05
    th.add(snap(3))
    f = th.take()
    assert f.snapshot.step == 3 and [s for s, _ in f.rows] == [2, 3]  # every step's metrics, no gaps
    th.delivered()
    th.add(snap(4))
    clock.t = 1.1                                # 50 ms after the last frame: under 1 / 10 s
    assert th.take() is None
    assert th.take(force=True).snapshot.step == 4  # forced: whatever is pending


def test_arrays_of_skipped_steps_are_merged_into_the_frame():
    import numpy as np
    th = FrameThrottle(max_rate=1000, clock=Clock())
    th.add(snap(1))
    th.take()
    th.add(snap(2, {"grid": np.ones(2)}))
    th.add(snap(3))
    f = th.take(force=True)
    assert f.snapshot.step == 3 and "grid" in f.snapshot.arrays


def test_reset_forgets_pending():
    th = FrameThrottle(clock=Clock())
    th.add(snap(1))
    th.reset()
    assert not th.has_pending and th.take(force=True) is None


def test_the_rate_adapts_to_how_long_drawing_takes():
    """A tab whose drawing took 40 ms gets its next frame no sooner than 2 x 40 ms after it finished,
    so the GUI thread keeps time for painting and input; a cheap drawing keeps the 1 / max_rate pace."""
    clock = Clock()
    th = FrameThrottle(max_rate=30, clock=clock)
    th.add(snap(1))
    assert th.take() is not None
    clock.t = 0.04
    th.delivered(cost=0.04)                      # the drawing ended at 40 ms and took 40 ms
    th.add(snap(2))
    clock.t = 0.10
    assert th.take() is None                     # 60 ms later: under 2 x 40 ms
    clock.t = 0.121
    assert th.take().snapshot.step == 2
    clock.t = 0.122
    th.delivered(cost=0.001)
    th.add(snap(3))
    clock.t = 0.121 + 1 / 30 + 1e-6
    assert th.take().snapshot.step == 3          # cheap drawing: only the max rate holds it back
