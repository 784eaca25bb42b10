import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from lab.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "lab", *args], cwd=cwd or ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_list(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "gan: GAN sample grid" in out and "seed-200-560" in out and "default (default)" in out


def test_run_gan_writes_everything(tmp_path):
    r = run_cli("run", "gan", "--preset", "small-fast", "--steps", "12", "--seed", "4", "--out", str(tmp_path),
                "--set", "preview_every=5")
    assert r.returncode == 0, r.stderr
    assert "step 12/12" in r.stderr  # the progress line
    final = json.loads(r.stdout.strip().splitlines()[-1])
    assert final["steps"] == 12 and final["experiment"] == "gan" and "d_loss" in final and "classes_found" in final
    for name in ("config.json", "metrics.csv", "checkpoint.npz", "samples.npz", "grid.png", "progress.gif"):
        assert (tmp_path / name).exists(), name
    cfg = json.loads((tmp_path / "config.json").read_text())
    assert cfg["seed"] == 4 and cfg["preview_every"] == 5 and cfg["preset"] == "small-fast"
    rows = (tmp_path / "metrics.csv").read_text().splitlines()
    assert rows[0].startswith("step,d_loss,g_loss") and len(rows) == 13
    with np.load(tmp_path / "samples.npz") as z:
        assert z["samples"].shape == (64, 28, 28) and z["samples"].dtype == np.float32
    # continuing from the checkpoint runs the next steps
    r2 = run_cli("run", "gan", "--checkpoint", str(tmp_path / "checkpoint.npz"), "--steps", "3",
                 "--out", str(tmp_path / "more"))
    assert r2.returncode == 0, r2.stderr
    assert json.loads(r2.stdout.strip().splitlines()[-1])["steps"] == 15


def test_run_with_real_mnist_folder(tmp_path, mnist_dir):
    r = run_cli("run", "gan", "--steps", "3", "--data", str(mnist_dir), "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "config.json").read_text())["data"] == str(mnist_dir)


def test_bad_data_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "train-images-idx3-ubyte"
    bad.write_bytes(b"not an idx file at all")
    assert main(["run", "gan", "--steps", "2", "--data", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "wrong magic number" in err
    assert main(["run", "gan", "--data", str(tmp_path / "empty-nothing"), "--out", str(tmp_path / "o")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_unwritable_out_folder(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["run", "gan", "--preset", "small-fast", "--steps", "1", "--out", str(blocker / "out")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_unknown_names(capsys):
    assert main(["run", "nope"]) == 2
    assert "unknown experiment 'nope'" in capsys.readouterr().err
    assert main(["run", "gan", "--preset", "nope"]) == 2
    assert "unknown preset" in capsys.readouterr().err
    assert main(["run", "gan", "--set", "wings=3"]) == 2


def test_inspect_idx_folder(tmp_path, capsys):
    from lab.data.idx import write_idx
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((3, 28, 28), np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.array([1, 1, 2], np.uint8))
    (tmp_path / "readme.txt").write_text("hello")
    assert main(["inspect", str(tmp_path)]) == 0
    rep = json.loads(capsys.readouterr().out)
    skipped = [f["file"] for f in rep["files"] if f["status"] == "skipped"]
    assert rep["dataset"]["count"] == 3 and len(skipped) == 1 and skipped[0].endswith("readme.txt")
    assert main(["inspect", str(tmp_path / "readme.txt")]) == 1
