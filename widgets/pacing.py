"""A frame drawn in slices, so the GUI thread keeps answering while a heavy tab draws.

A tab's ``draw`` may be a generator that yields after each view it has updated. The pacer runs its
parts until a slice's budget is spent, then hands the event loop a turn: Qt paints the views that
slice changed, the user's clicks and the timers run, and the next slice goes on. A frame that
updates six plots is then six short turns of the event loop instead of one long one (Qt paints every
dirty view of a window in one go, so a frame drawn at once is also painted at once).

``done(cost)`` is called when the last part has run, with the seconds the slices took (not the
turns in between): the worker's throttle sends no new frame before it, so frames never pile up.
"""

import time

from PySide6.QtCore import QObject, QTimer

BUDGET_S = 0.0  # 0: every part has a turn of its own (its views are painted before the next part runs)


class DrawPacer(QObject):
    def __init__(self, parent=None, budget=BUDGET_S):
        super().__init__(parent)
        self.budget = budget
        self._parts, self._done, self._cost = None, None, 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._slice)

    @property
    def busy(self):
        return self._parts is not None

    def run(self, parts, done):
        """Draw ``parts`` (an iterator, e.g. a generator ``draw``; None: nothing to draw) and call
        ``done(cost)`` once it is through. A draw still in flight is finished first: its parts may
        append rows that the new frame does not carry again."""
        self.finish()
        self._parts, self._done, self._cost = iter(parts if parts is not None else ()), done, 0.0
        self._slice()

    def finish(self):
        """Run whatever is left now: before the views are read (export), cleared or closed."""
        while self._parts is not None:
            self._slice(float("inf"))

    def _slice(self, budget=None):
        if self._parts is None:
            return
        budget = self.budget if budget is None else budget
        t0 = time.perf_counter()
        try:
            while True:
                try:
                    next(self._parts)
                except StopIteration:
                    self._end(time.perf_counter() - t0)
                    return
                if time.perf_counter() - t0 >= budget:
                    break
        except BaseException:
            self._end(time.perf_counter() - t0)  # a failing draw still releases the worker's next frame
            raise
        self._cost += time.perf_counter() - t0
        self._timer.start()

    def _end(self, spent):
        done, cost = self._done, self._cost + spent
        self._parts, self._done, self._cost = None, None, 0.0
        self._timer.stop()
        if done is not None:
            done(cost)
