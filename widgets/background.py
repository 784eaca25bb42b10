"""Compute a view off the GUI thread (Qt's global thread pool) and deliver the result to the GUI
thread by signal. Only the newest request's result is delivered: a slider moved three times
draws once, with the last value."""

import traceback

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from lab.errors import Cancelled, DataError

from . import imports, priority


class _Relay(QObject):
    done = Signal(int, object, str)  # serial, result, error message ("" when it worked)


class _Task(QRunnable):
    def __init__(self, relay, serial, fn, args):
        super().__init__()
        self.relay, self.serial, self.fn, self.args = relay, serial, fn, args

    def run(self):
        priority.background()
        imports.ready()
        try:
            result, error = self.fn(*self.args), ""
        except (DataError, Cancelled) as e:  # a file the user chose (its message names it), or stopped
            result, error = None, str(e)
        except Exception as e:  # noqa: BLE001 — reported to the GUI, never raised in a pool thread
            traceback.print_exc()
            result, error = None, f"{type(e).__name__}: {e}"
        self.relay.done.emit(self.serial, result, error)


class BackgroundCall(QObject):
    """``request(fn, *args)`` runs ``fn(*args)`` in a pool thread; ``ready(result)`` or
    ``failed(message)`` follows on the GUI thread, for the newest request only. ``fn`` must not
    touch widgets and must only read what no other thread writes meanwhile."""

    ready = Signal(object)
    failed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._relay = _Relay()  # no Qt parent: a running task keeps it alive
        self._relay.done.connect(self._on_done)
        self._serial = 0
        self.pending = False

    def request(self, fn, *args):
        self._serial += 1
        self.pending = True
        QThreadPool.globalInstance().start(_Task(self._relay, self._serial, fn, args))

    def _on_done(self, serial, result, error):
        if serial != self._serial:
            return  # an older request: a newer one is on its way
        self.pending = False
        if error:
            self.failed.emit(error)
        else:
            self.ready.emit(result)
