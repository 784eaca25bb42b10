"""What a user feels, headless, as JSON lines (issue 14's three targets):

- the CT tab's default residual denoiser, whole run on the real chest set (1,500 steps, the
  classical baselines, the DICOM/PNG/CSV export): goal <= 90 s;
- the GIF tab's BPTT default, whole run on the built-in set: goal <= 30 s;
- a DICOM series load (scan + HU) against a bare ``pydicom.dcmread(...).pixel_array`` loop over the
  same files: goal <= 1.2x. Measured as in the app, whose reader processes are up before the user's
  first folder (``lab.data.read_workers``); the same load read in this process only, and the first
  load while the readers start, are reported beside it.

Each run is the command line a user types (``python -m lab run ...``) in its own process, timed
from the outside.  Usage: python bench/user_times.py [--only ct|gif|dicom]
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "dicom"


def emit(**kw):
    print(json.dumps(kw), flush=True)


def whole_run(args, goal, what):
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "lab", "run", *args, "--no-record", "--out", out], cwd=ROOT,
                              capture_output=True, text=True)
        seconds = time.perf_counter() - t0
    final = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0 else {}
    keep = {k: final[k] for k in ("steps", "psnr_denoised", "psnr_noisy", "test_accuracy") if k in final}
    emit(bench="user_times", what=what, seconds=round(seconds, 1), goal_seconds=goal, met=seconds <= goal,
         returncode=proc.returncode, **keep)


def dicom_load(folder, rounds=9):
    """Scan + HU against the bare pydicom loop (bench/ct.py's two loops), interleaved round by round
    (the machine is shared: a slow moment then costs all three), medians of ``rounds``: through the
    reader processes (the app's way), in this process only, and bare."""
    import os

    sys.path.insert(0, str(ROOT / "bench"))
    from ct import bare, ours, timed

    from lab.data import read_workers
    from lab.data.dicom import list_files
    read_workers.keep_readers()

    def here():
        os.environ["NUMPY_LAB_READERS"] = "0"
        try:
            ours(folder)
        finally:
            del os.environ["NUMPY_LAB_READERS"]
    cold = None
    bare(folder)                                      # pydicom imported, the files in the page cache
    if not read_workers.running():
        cold = timed(lambda: ours(folder), 1)         # readers starting meanwhile
        read_workers._pool.start(wait=30)
    rows = [(timed(lambda: ours(folder), 1), timed(here, 1), timed(lambda: bare(folder), 1)) for _ in range(rounds)]
    t_ours, t_here, t_bare = (statistics.median(r[k] for r in rows) for k in range(3))
    emit(bench="user_times", what="dicom_series_load", data=Path(folder).name, files=len(list_files(folder)),
         readers=read_workers.readers(), seconds=round(t_ours, 3), bare_pydicom_seconds=round(t_bare, 3),
         ratio=round(t_ours / t_bare, 2), goal_ratio=1.2, met=t_ours / t_bare <= 1.2,
         in_process_seconds=round(t_here, 3), in_process_ratio=round(t_here / t_bare, 2),
         **({"first_load_seconds": round(cold, 3)} if cold is not None else {}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["ct", "gif", "dicom"])
    a = ap.parse_args()
    if a.only in (None, "dicom"):
        for name in ("lung-ct-a0001", "chest-ct-axial"):
            if (SHARED / name).is_dir():
                dicom_load(SHARED / name)
    if a.only in (None, "gif"):
        whole_run(["gif", "--mode", "bptt"], 30, "gif_default_whole_run")
    if a.only in (None, "ct"):
        if (SHARED / "chest-ct-axial").is_dir():
            whole_run(["ct", "--data", str(SHARED / "chest-ct-axial")], 90, "ct_default_whole_run_chest")
        else:
            emit(bench="user_times", what="ct_default_whole_run_chest", skipped="../shared/data is not present")


if __name__ == "__main__":
    main()
