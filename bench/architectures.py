"""Issue 13's bars, headless on the real MNIST split (8,000 / 2,000, seed 0), as JSON lines: each
digit classifier's default run must reach its test accuracy within 10 minutes on this machine
(mini-VGG and the ResNet >= 98.5 %; the 20-layer highway MLP >= 97.5 %, with the plain 20-layer MLP
reported beside it), and the residual-as-polynomial fit on sin 3x at depth 3.

Each run is the command line a user types (``python -m lab run NAME --data DIR``) in its own
process, timed from the outside. Usage:
    python bench/architectures.py [--mnist DIR] [--only polynomial|highway|mini-vgg|resnet]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MNIST = ROOT.parent / "shared" / "data" / "mnist"
GOALS = {"mini-vgg": 0.985, "resnet": 0.985, "highway": 0.975}
KEEP = ("test_accuracy", "plain_test_accuracy", "residual_test_accuracy", "params", "seconds",
        "grad_norm_first_layer", "grad_norm_last_layer", "start_grad_norm_first_over_last", "fits", "expansion_max_abs_error", "output_scale")


def run(name, mnist):
    args = ["run", name] + (["--data", str(mnist)] if name in GOALS else [])
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "lab", *args, "--no-record", "--out", out], cwd=ROOT, capture_output=True,
                              text=True)
        wall = time.perf_counter() - t0
    final = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0 else {}
    line = {"bench": "architectures", "experiment": name, "wall_seconds": round(wall, 1), "goal_seconds": 600,
            "returncode": proc.returncode, **{k: final[k] for k in KEEP if k in final}}
    if name in GOALS:
        line["goal_accuracy"] = GOALS[name]
        line["met"] = bool(final) and final["test_accuracy"] >= GOALS[name] and wall <= 600
    else:
        fits = final.get("fits", {})
        line["met"] = bool(fits) and fits["residual-x2"]["rmse"] < 0.1 * fits["plain-x2"]["rmse"] and \
            final["expansion_max_abs_error"] <= 1e-6 * final["output_scale"]
    if proc.returncode:
        line["stderr"] = proc.stderr.strip().splitlines()[-1:]
    print(json.dumps(line), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mnist", default=str(MNIST), help="folder of MNIST-format IDX files")
    p.add_argument("--only", choices=["polynomial", *GOALS])
    args = p.parse_args()
    if not Path(args.mnist).is_dir():
        sys.exit(f"{args.mnist}: no such folder (MNIST-format IDX files are needed)")
    for name in [args.only] if args.only else ["polynomial", *GOALS]:
        run(name, args.mnist)


if __name__ == "__main__":
    main()
