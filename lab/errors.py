"""Errors the engine raises for the user to read: each names the file or step and the reason."""


class DataError(ValueError):
    """A data file or folder that cannot be used; the message names it and says why."""


def read_input(path, kind="a data file"):
    """The bytes of a file the user chose; DataError names the file when it cannot be read."""
    from pathlib import Path

    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, not {kind}") from None
    except OSError as e:
        raise DataError(f"{path}: cannot be read ({e.strerror or e})") from None


def one_line(e):
    """An exception as one readable line (type and message; pydicom's "all plugins failed" preamble dropped)."""
    text = " ".join(str(e).split())
    text = text.removeprefix("Unable to decode as exceptions were raised by all available plugins: ")
    return f"{type(e).__name__}: {text[:200]}" if text else type(e).__name__


class DivergedError(FloatingPointError):
    """Training produced a non-finite value; the message names the step and the quantity."""

    def __init__(self, step, what, state_good=True):
        """``state_good``: the non-finite value was caught before the update (the parameters are those
        after step - 1); False when it was seen after the update (the state may hold it)."""
        self.step, self.what, self.state_good = step, what, state_good
        kept = (f"the parameters are kept as they were after step {step - 1}" if state_good else
                "the parameters may hold it: continue from the last checkpoint")
        super().__init__(f"training diverged at step {step}: {what} is not finite ({kept}); try a lower learning rate")


class RunFinished(Exception):
    """``step()`` has nothing left to do (e.g. a data stream ran out): the run ends normally, and the
    message says why and what to change to go on. Not a failure."""


class Cancelled(Exception):
    """The user cancelled a long read; nothing was changed."""
