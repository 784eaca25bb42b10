"""The channel between this process and one DICOM reader process (``read_workers.py`` runs a pool of
them; ``dicom_reader.py`` is the reader's side): the reader's start, its requests (a path, the slot
its answer goes to) and its answers (an outcome pickled, the pixels out of band through memory
shared with this process, or through the pipe when they do not fit a slot)."""

import io
import mmap
import os
import pickle
import signal
import struct
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

IN_FLIGHT = 2                       # paths a reader holds at once: one read, one waiting
FRAME = struct.Struct("<Q")
_ANSWER = struct.Struct("<QI")
_BUF = struct.Struct("<Qq")
SLOT_BYTES = 4 << 20                # answers up to this travel through shared memory (a 1024² slice: 2 MB)
_ROOT = str(Path(__file__).resolve().parents[2])   # where ``lab`` is importable from


def _frame(obj):
    """A request: its pickle's length, then the pickle."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return FRAME.pack(len(data)) + data


def write_answer(channel, obj, slot=None, base=0):
    """An answer: the pickle's length and its buffers' count; each buffer's length and where it is
    (an offset in the shared slots, or -1: in the pipe after the pickle); the pickle; the buffers
    sent by pipe. Pixel arrays travel out of band (pickle protocol 5), written from the array
    itself: into ``slot`` (this request's part of the shared memory, at offset ``base``) when they
    fit, else into the pipe, read on the other side into the memory that becomes the array."""
    buffers = []
    data = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    raws = [b.raw() for b in buffers]
    where, at = [], 0
    fits = slot is not None and sum(_aligned(r.nbytes) for r in raws) <= len(slot)
    for r in raws:
        if fits:
            slot[at:at + r.nbytes] = r
            where.append(base + at)
            at += _aligned(r.nbytes)
        else:
            where.append(-1)
    channel.write(_ANSWER.pack(len(data), len(raws)) + b"".join(_BUF.pack(r.nbytes, w) for r, w in zip(raws, where)))
    channel.write(data)
    for r, w in zip(raws, where):
        if w < 0:
            channel.write(r)
    channel.flush()


def _aligned(n):
    return (n + 63) & ~63


class _Slots:
    """Memory shared with one reader: IN_FLIGHT slots of SLOT_BYTES, one per path it holds. Through
    a pipe a 512 x 512 slice took 0.56 ms here (0.9 GB/s, a third of reading the file); a copy
    out of shared memory takes 0.02 ms. Linux only (``memfd_create``); elsewhere the pipe."""

    def __init__(self, fd, count, size):
        self.fd, self.count, self.size = fd, count, size
        self.view = memoryview(mmap.mmap(fd, count * size))

    @classmethod
    def create(cls):
        count, size = IN_FLIGHT, SLOT_BYTES
        if not hasattr(os, "memfd_create"):
            return None
        fd = None
        try:
            fd = os.memfd_create("numpy-lab-reader", os.MFD_CLOEXEC)
            os.posix_fallocate(fd, 0, count * size)   # the pages now: no memory fails here, not later with SIGBUS
            return cls(fd, count, size)
        except (OSError, ValueError):
            if fd is not None:
                os.close(fd)
            return None

    def close_fd(self):
        """The parent's descriptor, once the reader has its own (the mapping stays)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def exit_reason(code):
    """A process's exit code in words: 'signal SIGABRT', 'exit 1'."""
    if code is not None and code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit {code}"


class Reader:
    """One reader process and the paths it holds."""

    def __init__(self):
        env = dict(os.environ, NUMPY_LAB_READERS="0", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                   MKL_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p))
        self.slots = _Slots.create()
        spec = f"{self.slots.fd}:{self.slots.count}:{self.slots.size}" if self.slots else "-"
        try:
            self.proc = subprocess.Popen([sys.executable, "-m", "lab.data.dicom_reader", spec],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                         env=env, close_fds=True, pass_fds=(self.slots.fd,) if self.slots else ())
        finally:
            if self.slots:
                self.slots.close_fd()
        self.free = deque(range(self.slots.count) if self.slots else ())
        self.slot_of = {}                  # index -> the slot its answer comes in
        self.fd = self.proc.stdout.fileno()
        try:                              # a slice is 0.5 MB: one pipe's worth instead of eight
            import fcntl
            fcntl.fcntl(self.fd, fcntl.F_SETPIPE_SZ, 1 << 20)
        except (ImportError, AttributeError, OSError):
            pass
        self.ready = False
        self.pending = deque()             # indices sent, in order
        self.since = time.monotonic()      # when the oldest pending path was sent or last answered
        os.set_blocking(self.fd, False)
        self._raw = io.FileIO(self.fd, "rb", closefd=False)
        self._head, self._need, self._parts, self._at = bytearray(), None, None, 0

    def fileno(self):
        return self.fd

    def send(self, index, path):
        """Hand ``path`` over; False when the process has already ended (the path is not taken)."""
        slot = self.free.popleft() if self.free else -1
        try:
            self.proc.stdin.write(_frame((index, str(path), slot)))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            self.ready = False
            if slot >= 0:
                self.free.appendleft(slot)
            return False
        if slot >= 0:
            self.slot_of[index] = slot
        if not self.pending:
            self.since = time.monotonic()
        self.pending.append(index)
        return True

    def receive(self):
        """(messages, alive): the answers complete in what the pipe holds now (the pipe does not
        block; call when ``select`` says readable)."""
        out = []
        while True:
            if self._need is None:                 # the fixed header, then the buffers' lengths
                want = _ANSWER.size if len(self._head) < _ANSWER.size else \
                    _ANSWER.size + _BUF.size * _ANSWER.unpack_from(self._head)[1]
                if len(self._head) >= want:
                    size, count = _ANSWER.unpack_from(self._head)
                    self._specs = [_BUF.unpack_from(self._head, _ANSWER.size + k * _BUF.size) for k in range(count)]
                    self._parts = [bytearray(n) for n in [size] + [n for n, at in self._specs if at < 0]]
                    self._need, self._at, self._head = 0, 0, bytearray()
                    continue
                try:
                    data = os.read(self.fd, want - len(self._head))
                except BlockingIOError:
                    return out, True
                except OSError:
                    data = b""
                if not data:
                    return out, False
                self._head += data
                continue
            part = self._parts[self._need]
            if self._at < len(part):
                try:
                    n = self._raw.readinto(memoryview(part)[self._at:])
                except OSError:
                    n = 0
                if n is None:
                    return out, True
                if n == 0:
                    return out, False
                self._at += n
                continue
            self._need, self._at = self._need + 1, 0
            if self._need == len(self._parts):
                piped = iter(self._parts[1:])
                buffers = [next(piped) if at < 0 else bytearray(self.slots.view[at:at + n]) for n, at in self._specs]
                message = pickle.loads(self._parts[0], buffers=buffers)
                if isinstance(message, tuple) and message[0] in self.slot_of:
                    self.free.append(self.slot_of.pop(message[0]))
                out.append(message)
                self._need, self._parts = None, None

    def stop(self, kill=False):
        """End the process: close its input (it exits), or kill it. Returns its exit code."""
        if kill and self.proc.poll() is None:
            self.proc.kill()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        try:
            return self.proc.wait(2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
