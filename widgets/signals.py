"""Qt signal helpers shared by the widgets."""

import contextlib


@contextlib.contextmanager
def signals_blocked(*objects):
    """Silence the signals of ``objects`` (None entries skipped) inside the block: a programmatic
    change (setting a form, a slider's range) must not look like the user's."""
    objs = [o for o in objects if o is not None]
    old = [o.blockSignals(True) for o in objs]
    try:
        yield
    finally:
        for o, was in zip(objs, old):
            o.blockSignals(was)
