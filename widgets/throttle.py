"""How snapshots become frames for the GUI, with no Qt in it (tested on its own).

The worker adds every step's snapshot; a frame goes out at most ``max_rate`` times a second and
never while the previous one is still waiting to be drawn, so the GUI always gets the newest
snapshot whatever the step rate. A frame carries every step's metrics since the last one
(``rows``), so curves have no gaps, and the newest snapshot with the arrays of the steps it
stands for merged in.

The rate also adapts to the GUI: when drawing a frame took ``cost`` seconds, the next frame waits
``IDLE_FACTOR × cost`` after that drawing ended, so the GUI thread keeps time for painting, input
and timers however heavy a tab's drawing is (a tab that draws in 40 ms gets about 8 frames a second
instead of a saturated event loop).
"""

import threading
import time


class Frame:
    """snapshot: the newest Snapshot (arrays merged from the steps it stands for);
    rows: [(step, metrics)] for every step since the previous frame."""

    __slots__ = ("snapshot", "rows")

    def __init__(self, snapshot, rows):
        self.snapshot, self.rows = snapshot, rows


IDLE_FACTOR = 2.0


class FrameThrottle:
    """``add(snapshot)`` for every step; ``take()`` returns a Frame when one may go out (or None);
    ``take(force=True)`` returns whatever is pending. ``delivered()`` is called when the GUI has
    drawn the last frame (from any thread)."""

    def __init__(self, max_rate=30.0, clock=time.perf_counter):
        self.interval = 1.0 / float(max_rate)
        self.clock = clock
        self._pending, self._rows = None, []
        self._last = float("-inf")
        self._delivered = threading.Event()
        self._delivered.set()
        self._ready_at = float("-inf")  # the adaptive wait after the last drawing

    @property
    def has_pending(self):
        return self._pending is not None

    def add(self, snapshot):
        self._pending = snapshot.merged_after(self._pending)
        self._rows.append((snapshot.step, snapshot.metrics))

    def take(self, force=False):
        if self._pending is None:
            return None
        now = self.clock()
        if not force and (now - self._last < self.interval or not self._delivered.is_set() or now < self._ready_at):
            return None
        frame = Frame(self._pending, self._rows)
        self._pending, self._rows, self._last = None, [], now
        self._delivered.clear()
        return frame

    def delivered(self, cost=None):
        """The GUI drew the last frame; ``cost``: the seconds that drawing took (None: unknown)."""
        if cost is not None:
            self._ready_at = self.clock() + IDLE_FACTOR * max(0.0, float(cost))
        self._delivered.set()

    def reset(self):
        self._pending, self._rows = None, []
        self._ready_at = float("-inf")
        self._delivered.set()
