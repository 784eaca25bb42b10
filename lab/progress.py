"""Progress and cancellation for long reads (a DICOM folder, a GIF set, generating built-in data),
without threading a callback through every constructor.

Whoever starts a long job (the app's loader thread, a test) wraps it in ``reporting(callback,
cancelled)``; code deep in ``lab/`` calls ``tick(done, total, what)`` between units of work. With
no reporter set, ``tick`` does nothing; when ``cancelled()`` says so, ``tick`` raises Cancelled,
so a job stops between two files and nothing half-built is kept. The reporter is a context
variable: each thread sees only its own."""

import contextvars
from contextlib import contextmanager

from .errors import Cancelled

_reporter = contextvars.ContextVar("numpy_lab_progress", default=None)


@contextmanager
def reporting(callback=None, cancelled=None):
    """Within the block, ``tick`` calls ``callback(done, total, what)`` and honours ``cancelled()``."""
    token = _reporter.set((callback, cancelled))
    try:
        yield
    finally:
        _reporter.reset(token)


def tick(done, total, what=""):
    r = _reporter.get()
    if r is None:
        return
    callback, cancelled = r
    if cancelled is not None and cancelled():
        raise Cancelled(f"{what or 'reading'}: cancelled after {done} of {total}")
    if callback is not None:
        callback(done, total, what)
