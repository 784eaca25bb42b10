"""A decoder that may abort the process runs in another process.

python-gdcm's C++ can throw from inside its decoder on damaged bytes (``terminate called after
throwing…``, SIGABRT): no Python ``try`` catches that. So files that only gdcm can decode are sent to
one long-lived helper process (started on first use, spawned, so it never inherits Qt or threads),
with a time limit per file and an address-space limit. A crash or a timeout becomes a DataError that
names the file and the codec, the helper is restarted for the next file, and the caller goes on."""

import atexit
import multiprocessing as mp
import os
import signal
import threading

from ..errors import DataError

TIMEOUT_S = 30.0
MEMORY_LIMIT = 4 << 30   # bytes of address space the helper may map


def _serve(conn, memory_limit):  # runs in the helper process
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    except (ImportError, ValueError, OSError):
        pass
    import warnings

    import pydicom
    from pydicom.pixels import pixel_array

    from ..errors import one_line
    from .dicom_tags import ensure_transfer_syntax
    warnings.simplefilter("ignore")
    while True:
        try:
            path = conn.recv()
        except EOFError:
            return
        try:
            ds = pydicom.dcmread(path, force=True)
            ensure_transfer_syntax(ds)
            conn.send(("ok", pixel_array(ds, decoding_plugin="gdcm")))
        except MemoryError:
            conn.send(("error", "decoding needs more memory than the decoder may use"))
        except Exception as e:  # noqa: BLE001 — every decoder error goes back as text
            conn.send(("error", one_line(e)))


class DecodeFailed(DataError):
    """The helper ran and its decoder reported an error (the message is the decoder's)."""


class DecoderProcess:
    """``decode(path, codec)`` → ndarray, via gdcm in the helper process; thread-safe (one at a time)."""

    def __init__(self, timeout=TIMEOUT_S, memory_limit=MEMORY_LIMIT):
        self.timeout, self.memory_limit = timeout, memory_limit
        self._proc = self._conn = None
        self._lock = threading.Lock()

    def _start(self):
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, self.memory_limit), daemon=True,
                                 name="numpy-lab-decoder")
        self._proc.start()
        child.close()

    def decode(self, path, codec):
        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                self._start()
            try:
                self._conn.send(str(path))
                if not self._conn.poll(self.timeout):
                    self._kill()
                    raise DataError(f"decoder timed out after {self.timeout:g} s ({codec})")
                status, value = self._conn.recv()
            except (EOFError, OSError, BrokenPipeError):
                code = self._kill()
                how = f"signal {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit {code}"
                raise DataError(f"decoder crashed ({codec}, {how}); the file was not loaded") from None
        if status != "ok":
            raise DecodeFailed(value)
        return value

    def _kill(self):
        p, self._proc = self._proc, None
        if p is None:
            return None
        if p.is_alive():
            p.kill()
        p.join(5)
        self._conn.close()
        return p.exitcode

    def close(self):
        with self._lock:
            if self._proc is not None and self._proc.is_alive():
                try:
                    self._conn.close()
                except OSError:
                    pass
                self._proc.join(2)
            self._kill()


_shared = None


def _forget_in_child():
    global _shared
    _shared = None  # a forked child starts its own helper; the parent's pipe stays the parent's


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


def shared_decoder():
    """The process-wide helper (created lazily, closed at exit)."""
    global _shared
    if _shared is None:
        _shared = DecoderProcess()
        atexit.register(_shared.close)
    return _shared
