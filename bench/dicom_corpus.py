"""Every pydicom bundled test file, copied alone into a folder and inspected by ``python -m lab inspect``
in its own process: how many load, and why the others do not. Prints one JSON line per file and a summary.

    python bench/dicom_corpus.py [--timeout 60] [--only NAME]

A file "loads" when the report lists it as loaded (its pixels decoded); every other file must be named
as skipped or refused with a reason. A crash (signal), a traceback or a timeout counts as a failure."""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def corpus():
    import pydicom.data
    root = Path(pydicom.data.__file__).parent / "test_files"
    return sorted(p for p in root.rglob("*") if p.is_file())


def has_pixels(path):
    import warnings
    import pydicom
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "PixelData" in pydicom.dcmread(path, force=True, defer_size=64)
    except Exception:  # noqa: BLE001 — a survey of damaged files
        return False


def inspect_alone(path, timeout):
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(path, Path(d) / path.name)
        try:
            p = subprocess.run([sys.executable, "-m", "lab", "inspect", d], capture_output=True, text=True,
                               timeout=timeout, cwd=ROOT)
        except subprocess.TimeoutExpired:
            return {"outcome": "hang"}
    row = {"exit": p.returncode}
    if p.returncode < 0 or p.returncode not in (0, 1):
        row["outcome"] = "crash"
        row["stderr"] = p.stderr[-300:]
        return row
    if "Traceback" in p.stderr:
        row["outcome"] = "traceback"
        row["stderr"] = p.stderr[-300:]
        return row
    rep = json.loads(p.stdout)
    files = rep.get("files", [])
    row["status"] = [f["status"] for f in files]
    row["reasons"] = [f.get("reason", "") for f in files if f["status"] != "loaded"]
    row["outcome"] = "loaded" if files and all(f["status"] == "loaded" for f in files) else "named"
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--only")
    a = ap.parse_args()
    totals = {}
    pixels_loaded = pixels = 0
    for f in corpus():
        if a.only and a.only not in f.name:
            continue
        px = has_pixels(f)
        row = {"file": str(f.relative_to(f.parents[1])), "pixel_data": px, **inspect_alone(f, a.timeout)}
        print(json.dumps(row), flush=True)
        totals[row["outcome"]] = totals.get(row["outcome"], 0) + 1
        pixels += px
        pixels_loaded += px and row["outcome"] == "loaded"
    print(json.dumps({"summary": totals, "with_pixel_data": pixels, "with_pixel_data_loaded": pixels_loaded}))


if __name__ == "__main__":
    main()
