"""What a user feels, headless, as JSON lines (issue 14's three targets):

- the CT tab's default residual denoiser, whole run on the real chest set (1,500 steps, the
  classical baselines, the DICOM/PNG/CSV export): goal <= 90 s;
- the GIF tab's BPTT default, whole run on the built-in set: goal <= 30 s;
- a DICOM series load (scan + HU) against a bare ``pydicom.dcmread(...).pixel_array`` loop over the
  same files: goal <= 1.2x.

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
    (the machine is shared: a slow moment then costs both), medians of ``rounds``."""
    sys.path.insert(0, str(ROOT / "bench"))
    from ct import bare, ours, timed

    pairs = [(timed(lambda: ours(folder), 1), timed(lambda: bare(folder), 1)) for _ in range(rounds)]
    t_ours, t_bare = statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)
    emit(bench="user_times", what="dicom_series_load", data=Path(folder).name, seconds=round(t_ours, 3),
         bare_pydicom_seconds=round(t_bare, 3), ratio=round(t_ours / t_bare, 2), goal_ratio=1.2,
         met=t_ours / t_bare <= 1.2)


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
