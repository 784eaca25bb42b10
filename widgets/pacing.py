"""A frame drawn in slices, so the GUI thread keeps answering while a heavy tab draws.

A tab's ``draw`` is a generator that yields after each view it has updated. The pacer runs one part,
then hands the event loop a turn: Qt paints the view that part changed, the user's clicks and the
timers run, and the next part goes on. A frame that updates six plots is then six short turns of the
event loop instead of one long one (Qt paints every dirty view of a window in one go, so a frame
drawn at once is also painted at once).

Each part's views are painted in a turn of their own, the turn after the part, before the next
part runs: the pacer hands the scenes their queued updates and has the window paint them then.
Left to Qt, a scene's update is a queued call, and the next part's zero-timer could run before it:
two parts' views were then painted together, in one turn twice as long.

``done(cost)`` is called in the turn that paints the last part's views, once they are painted,
with the seconds the parts took (not the turns in between): the worker's throttle sends no new
frame before it, so frames never pile up, and the worker, which waits between steps until then,
leaves the interpreter to that painting too.
"""

import time

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QGraphicsView, QWidget


class DrawPacer(QObject):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._parts, self._done, self._cost = None, None, 0.0
        self._ending = False     # the last part has run: ``done`` follows its painting
        self._ran = False        # a part of this frame has run (a view may wait to be painted)
        self._to_paint = False   # the next turn paints what the last part changed
        self._views = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._next)

    @property
    def busy(self):
        return self._parts is not None

    def run(self, parts, done):
        """Draw ``parts`` (an iterator, e.g. a generator ``draw``; None: nothing to draw) and call
        ``done(cost)`` once it is through. A draw still in flight is finished first: its parts may
        append rows that the new frame does not carry again."""
        self.finish()
        self._parts, self._done, self._cost = iter(parts if parts is not None else ()), done, 0.0
        self._ran = self._to_paint = False
        self._views = None       # the owner's graphics views, found once per frame (paint_now)
        self._next()

    def finish(self):
        """Run whatever is left now: before the views are read (export), cleared or closed."""
        while self._parts is not None:
            self._next(then_yield=False)

    def _next(self, then_yield=True):
        """Run one part; the next one gets a turn of its own (``then_yield``) or follows at once."""
        if self._parts is None:
            return
        if self._to_paint and then_yield:
            self._to_paint = False
            self.paint_now()
            if self._ending:
                self._end(0.0)
            else:
                self._timer.start()
            return
        t0 = time.perf_counter()
        try:
            next(self._parts)
        except StopIteration:
            if then_yield and self._ran:        # the last part's views are painted before ``done``
                self._cost += time.perf_counter() - t0
                self._ending = self._to_paint = True
                self._timer.start()
            else:
                self._end(time.perf_counter() - t0)
            return
        except BaseException:
            self._end(time.perf_counter() - t0)  # a failing draw still releases the worker's next frame
            raise
        self._cost += time.perf_counter() - t0
        self._ran = True
        if then_yield:
            self._to_paint = True
            self._timer.start()

    def paint_now(self):
        """Paint the views the last part changed: their scenes' queued updates first (which mark the
        views dirty), then the window's pending repaint."""
        owner = self.parent()
        if not isinstance(owner, QWidget) or not owner.isVisible():
            return
        if self._views is None:
            self._views = owner.findChildren(QGraphicsView)
        for view in self._views:
            if view.scene() is not None:
                QCoreApplication.sendPostedEvents(view.scene(), QEvent.MetaCall)
        QCoreApplication.sendPostedEvents(owner.window(), QEvent.UpdateRequest)

    def _end(self, spent):
        done, cost = self._done, self._cost + spent
        self._parts, self._done, self._cost, self._ending, self._to_paint = None, None, 0.0, False, False
        self._timer.stop()
        if done is not None:
            done(cost)
