"""Nothing the user had is lost: a process killed in the middle of writing an export or a checkpoint
leaves the previous file as it was (the new one is written beside it and renamed over it at the end)."""

import subprocess
import sys
from pathlib import Path

import numpy as np

from lab.experiments import load_checkpoint, save_checkpoint
from lab.experiments.online_regression import OnlineRegressionExperiment
from lab.atomic import write_bytes

ROOT = Path(__file__).resolve().parents[2]


def _kill_while(script, ready=b"writing"):
    p = subprocess.Popen([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r})\n" + script],
                         stdout=subprocess.PIPE)
    try:
        assert p.stdout.readline().strip() == ready
    finally:
        p.kill()
        p.wait()
        p.stdout.close()
    return p.returncode


def test_killed_mid_write_leaves_the_previous_file(tmp_path):
    target = tmp_path / "figure.png"
    write_bytes(target, b"old" * 1000)
    code = _kill_while(f"""
import time
from lab.atomic import atomic_path
with atomic_path({str(target)!r}) as tmp:
    with open(tmp, "wb") as f:
        f.write(b"new" * 500)
        f.flush()
        print("writing", flush=True)
        time.sleep(60)
""")
    assert code < 0  # killed by a signal, mid-write
    assert target.read_bytes() == b"old" * 1000


def test_killed_mid_checkpoint_leaves_the_previous_checkpoint(tmp_path):
    exp = OnlineRegressionExperiment(OnlineRegressionExperiment.preset_config(steps=5))
    exp.step()
    path = tmp_path / "run.npz"
    save_checkpoint(exp, path)
    before = path.read_bytes()
    _kill_while(f"""
import time
import pathlib
from lab.experiments import load_checkpoint, save_checkpoint
exp = load_checkpoint({str(path)!r})
exp.step()
def slow(self, data):  # write part of the archive, then hang: the kill comes mid-write
    with open(self, "wb") as f:
        f.write(data[: len(data) // 2])
        f.flush()
        print("writing", flush=True)
        time.sleep(60)
pathlib.Path.write_bytes = slow
save_checkpoint(exp, {str(path)!r})
""")
    assert path.read_bytes() == before
    again = load_checkpoint(path)
    assert again.steps_done == 1
    assert all(np.array_equal(np.asarray(v), np.asarray(exp.state_dict()[k]))
               for k, v in again.state_dict().items() if isinstance(v, np.ndarray))
