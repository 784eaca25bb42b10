"""Fuzz ``python -m lab inspect`` with damaged real files: DICOM (pydicom's test files and the built-in
phantom), GIF (generated animations and the built-in pans) and IDX (MNIST-format, raw and gzip).

A seeded generator flips bytes, overwrites runs, writes 0xFFFFFFFF into length fields, truncates,
zeroes and splices files; each case is laid out as the folder a user would open and inspected in
its own process (forked from a clean runner that never imported Qt), under a time and an
address-space limit. A case passes when that process exits with 0 or 1, printed no traceback, and
was neither killed by a signal nor out of time.

    python bench/fuzz.py [--cases 2000] [--seed 0] [--timeout 60]

Prints one JSON line per failing case and a summary line; exit status 1 when any case failed.
The test suite runs a few hundred cases of the same generator (tests/lab/test_fuzz.py)."""

import argparse
import gzip
import importlib
import io
import json
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MEMORY_LIMIT = 3 << 30
DICOM_SOURCES = ("CT_small.dcm", "MR_small_RLE.dcm", "JPEG2000.dcm", "MR_small_jp2klossless.dcm",
                 "SC_rgb_jpeg_dcmtk.dcm", "examples_palette.dcm", "rtdose.dcm", "MR_small_jpeg_ls_lossless.dcm",
                 "SC_rgb_jpeg_gdcm.dcm", "emri_small.dcm", "image_dfl.dcm", "examples_ybr_color.dcm")


def _gif_bytes(rng, n=6, size=16):
    from PIL import Image
    frames = [Image.fromarray(rng.integers(0, 255, (size, size), dtype=np.uint8), "L") for _ in range(n)]
    b = io.BytesIO()
    frames[0].save(b, format="GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    return b.getvalue()


def _idx_bytes(arr, gz):
    from lab.data.idx import write_idx
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / ("x.gz" if gz else "x")
        write_idx(p, arr)
        raw = p.read_bytes()
    return raw


def sources(seed=0):
    """{kind: [(name, bytes)]}: the valid files mutations start from."""
    import pydicom.data

    from lab.data.phantom import ct_phantom_folder
    rng = np.random.default_rng([seed, 1])
    root = Path(pydicom.data.__file__).parent / "test_files"
    dicom = [(n, (root / n).read_bytes()) for n in DICOM_SOURCES if (root / n).exists()]
    dicom.append(("phantom.dcm", sorted(ct_phantom_folder().glob("IM*"))[0].read_bytes()))
    gif = [(f"g{k}.gif", _gif_bytes(rng, n=int(rng.integers(2, 8)))) for k in range(4)]
    imgs = rng.integers(0, 255, (5, 28, 28), dtype=np.uint8)
    idx = [("train-images-idx3-ubyte", _idx_bytes(imgs, False)),
           ("train-images-idx3-ubyte.gz", _idx_bytes(imgs, True)),
           ("train-labels-idx1-ubyte", _idx_bytes(np.arange(5, dtype=np.uint8), False))]
    return {"dicom": dicom, "gif": gif, "idx": idx}


def mutate(data, other, rng):
    """One damaged version of ``data`` (``other``: a second file for splices) and what was done."""
    b = bytearray(data)
    n = len(b)
    op = rng.choice(["flip", "run", "ffff", "truncate", "zero", "splice", "dup", "flips"])
    at = int(rng.integers(0, max(n, 1)))
    if op == "flip" and n:
        b[at] ^= 1 << int(rng.integers(8))
    elif op == "flips" and n:
        for p in rng.integers(0, n, int(rng.integers(2, 64))):
            b[int(p)] = int(rng.integers(256))
    elif op == "run":
        k = int(rng.integers(1, 64))
        b[at:at + k] = rng.integers(0, 256, k, dtype=np.uint8).tobytes()
    elif op == "ffff":
        b[at:at + 4] = b"\xff\xff\xff\xff"
    elif op == "truncate":
        b = b[:at]
    elif op == "zero":
        k = int(rng.integers(1, 512))
        b[at:at + k] = bytes(min(k, max(n - at, 0)))
    elif op == "splice":
        cut = int(rng.integers(0, max(len(other), 1)))
        b = b[:at] + bytearray(other[cut:])
    elif op == "dup":
        k = int(rng.integers(1, 256))
        b = b[:at] + b[at:at + k] + b[at:]
    return bytes(b), f"{op}@{at}"


def write_case(folder, kind, name, data, src):
    """Lay the damaged file out as the folder a user would open."""
    folder = Path(folder)
    if kind == "dicom":
        (folder / name).write_bytes(data)
    elif kind == "gif":  # two classes, so the folder is read as a GIF dataset; the damaged file among valid ones
        for c, (n, raw) in zip(("a", "b"), src["gif"][:2]):
            (folder / c).mkdir()
            (folder / c / n).write_bytes(raw)
        (folder / "a" / f"damaged-{name}").write_bytes(data)
    else:
        (folder / name).write_bytes(data)
        if "images" in name:
            labels = dict(src["idx"])["train-labels-idx1-ubyte"]
            (folder / "train-labels-idx1-ubyte").write_bytes(labels)


def cases(n, seed=0):
    """Yields (case id, kind, name, bytes, what) for ``n`` cases, deterministic in ``seed``."""
    src = sources(seed)
    rng = np.random.default_rng(seed)
    kinds = ["dicom"] * 3 + ["gif", "idx"]
    for i in range(n):
        kind = kinds[int(rng.integers(len(kinds)))]
        pool = src[kind]
        name, data = pool[int(rng.integers(len(pool)))]
        other = pool[int(rng.integers(len(pool)))][1]
        damaged, what = mutate(data, other, rng)
        if rng.random() < 0.25:  # sometimes twice
            damaged, w2 = mutate(damaged, other, rng)
            what += "+" + w2
        if kind == "idx" and name.endswith(".gz") and rng.random() < 0.5:  # damage inside the gzip stream too
            raw = gzip.decompress(data)
            damaged = gzip.compress(mutate(raw, raw, rng)[0], mtime=0)
            what = "inner-" + what
        yield i, kind, name, damaged, what, src


def run_one(folder, timeout):
    """Inspect ``folder`` in a forked child: (exit code or -signal or None on timeout, stderr, seconds)."""
    with tempfile.TemporaryFile() as err:
        return _run_child(folder, timeout, err)


def _run_child(folder, timeout, err):
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: limits, quiet stdout, the same entry point as ``python -m lab inspect``
        code = 3
        try:
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            os.dup2(err.fileno(), 2)
            sys.stdout = open(1, "w", closefd=False)  # (a test runner may have replaced sys.stdout/stderr)
            sys.stderr = open(2, "w", closefd=False)
            from lab.cli import main
            code = main(["inspect", str(folder)])
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 2
        except BaseException:  # noqa: BLE001 — what escapes is the failure we look for
            import traceback
            traceback.print_exc()
            code = 3
        finally:
            sys.stderr.flush()
            os._exit(code)
    deadline = t0 + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.perf_counter() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None, "", timeout
        time.sleep(0.005)
    err.seek(0)
    text = err.read().decode("utf-8", "replace")
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return code, text, time.perf_counter() - t0


def fuzz(n, seed=0, timeout=60, out=print):
    """Runs ``n`` cases; returns the summary dict. ``out`` receives one dict per failing case."""
    for module in ("lab.data.dicom", "lab.data.gif"):  # imported once here, so each fork starts warm
        importlib.import_module(module)

    failures, kinds, codes, slowest = 0, {}, {}, 0.0
    for i, kind, name, data, what, src in cases(n, seed):
        d = Path(tempfile.mkdtemp(prefix="fuzz-"))
        try:
            write_case(d, kind, name, data, src)
            code, err, secs = run_one(d, timeout)
            slowest = max(slowest, secs)
            kinds[kind] = kinds.get(kind, 0) + 1
            codes[str(code)] = codes.get(str(code), 0) + 1
            bad = (code is None and "timeout") or (code not in (0, 1) and f"exit {code}") \
                or ("Traceback" in err and "traceback")
            if bad:
                failures += 1
                keep = Path(tempfile.gettempdir()) / f"fuzz-failure-{seed}-{i}-{name}"
                keep.write_bytes(data)
                out({"case": i, "kind": kind, "source": name, "mutation": what, "failure": bad,
                     "kept": str(keep), "stderr": err[-600:]})
        finally:
            shutil.rmtree(d, ignore_errors=True)
    return {"summary": "fuzz", "cases": n, "seed": seed, "failures": failures, "kinds": kinds,
            "exit_codes": codes, "slowest_s": round(slowest, 2)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args()
    t0 = time.time()
    summary = fuzz(a.cases, a.seed, a.timeout, out=lambda row: print(json.dumps(row), flush=True))
    summary["seconds"] = round(time.time() - t0, 1)
    print(json.dumps(summary))
    return 1 if summary["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
