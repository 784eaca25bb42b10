"""A DICOM reader process (``python -m lab.data.dicom_reader``), started by ``read_workers.py`` (its channel: ``reader_channel.py``):
it reads the paths it is given as this process's parent would (``dicom._attempt``) and answers each
with the outcome, the pixels through the shared slots when they fit (``reader_channel.write_answer``).
Files only python-gdcm decodes are answered "here": the parent reads them, through its one
isolated helper. ``NUMPY_LAB_READER_FAULT=abort|hang|raise:NAME`` injects a fault (for the tests)."""

import importlib
import mmap
import os
import pickle
import sys
import time
from pathlib import Path

from . import dicom, dicom_read
from .reader_channel import FRAME, write_answer


def serve(spec):
    """Answer the parent until its pipe closes. ``spec``: "fd:count:size" of the shared slots, or "-"."""
    slots = None
    if spec != "-":
        fd, count, size = map(int, spec.split(":"))
        slots, size = memoryview(mmap.mmap(fd, count * size)), size
        os.close(fd)
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)                             # a stray print cannot corrupt the channel
    importlib.import_module("pydicom.pixels")   # before "ready": the first file is read at full speed
    dicom_read.HELPER_HERE = False
    fault, _, fault_on = os.environ.get("NUMPY_LAB_READER_FAULT", "").partition(":")
    write_answer(channel, "ready")
    inp = sys.stdin.buffer
    while True:
        head = inp.read(FRAME.size)
        if len(head) < FRAME.size:
            return
        index, path, slot = pickle.loads(inp.read(FRAME.unpack(head)[0]))
        if fault_on and path.endswith(fault_on):
            if fault == "abort":
                os.abort()
            if fault == "hang":
                time.sleep(3600)
        try:
            if fault == "raise" and fault_on and path.endswith(fault_on):
                raise RuntimeError("injected")
            status, value = dicom._attempt(Path(path))
        except dicom_read.NeedsHelper:
            status, value = "here", ""
        except Exception as e:  # noqa: BLE001 — this process reads the file again and reports
            status, value = "here", repr(e)
        if slots is not None and slot >= 0:
            write_answer(channel, (index, status, value), slots[slot * size:(slot + 1) * size], slot * size)
        else:
            write_answer(channel, (index, status, value))


if __name__ == "__main__":
    serve(sys.argv[1] if len(sys.argv) > 1 else "-")
