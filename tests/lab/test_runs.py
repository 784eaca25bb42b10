"""Runs recorded on disk, listed, renamed and deleted; settings grids; sweeps on a process pool and
on a Dask LocalCluster; the command line's ``runs`` and ``sweep``."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lab.errors import DataError
from lab.experiments import get_experiment, load_checkpoint
from lab.runs import store, sweep
from lab.runs.execute import build_experiment, run_experiment
from lab.runs.settings import parse_grid, parse_overrides

ROOT = Path(__file__).resolve().parents[2]


def _gan(steps=6, **over):
    return build_experiment("gan", preset="small-fast", overrides={"steps": steps, "preview_every": 100, **over})


def test_a_run_is_recorded_as_it_goes_and_its_checkpoint_continues_it(tmp_path):
    exp = _gan()
    res = run_experiment(exp, root=tmp_path, run_name="first try")
    folder = res["folder"]
    assert folder.parent == tmp_path / "gan" and res["status"] == "finished"
    info = store.read_run(folder)
    assert (info.name, info.status, info.steps, info.metric) == ("first try", "finished", 6, "g_loss")
    assert info.config()["preview_every"] == 100
    m = store.read_metrics(folder)
    assert m["d_loss"][0] == list(range(1, 7)) and all(np.isfinite(m["d_loss"][1]))
    assert m["d_loss"][2] == sorted(m["d_loss"][2])  # wall time grows
    again = load_checkpoint(folder / "checkpoint.npz", "gan")
    assert again.steps_done == 6


def test_list_rename_delete_and_a_dead_process_reads_as_interrupted(tmp_path):
    a = run_experiment(_gan(3), root=tmp_path)["folder"]
    b = run_experiment(_gan(3, seed=1), root=tmp_path)["folder"]
    (tmp_path / "gan" / "junk").mkdir()
    (tmp_path / "gan" / "junk" / "run.json").write_text("{not json")
    runs, problems = store.list_runs("gan", root=tmp_path)
    assert {r.folder for r in runs} == {a, b} and len(problems) == 1 and "junk" in problems[0]
    store.rename_run(a, "  lr   sweep  ")
    assert store.read_run(a).name == "lr sweep"
    with pytest.raises(DataError):
        store.rename_run(a, "   ")
    store.update_run(b, status="running", owner={"host": store.owner()["host"], "pid": 2 ** 22 + 12345})
    assert store.read_run(b).status == "interrupted"
    with pytest.raises(DataError):
        store.delete_run(tmp_path, root=tmp_path)  # the root itself is not a run
    store.delete_run(a, root=tmp_path)
    assert not a.exists() and store.list_runs(root=tmp_path)[0][0].folder == b


def test_metrics_csv_with_a_torn_last_line_still_reads(tmp_path):
    folder = run_experiment(_gan(2), root=tmp_path)["folder"]
    with open(folder / "metrics.csv", "a") as f:
        f.write("3,0.5,d_lo")
    assert store.read_metrics(folder)["d_loss"][0] == [1, 2]


def test_differences_name_what_differs():
    a = {"lr": 0.001, "whiten": True, "seed": 0, "data": "/x"}
    b = {"lr": 0.01, "whiten": False, "seed": 0, "data": "/y"}
    assert store.differences([a, b]) == ["lr 0.001, whiten on", "lr 0.01, whiten off"]
    assert store.differences([a, dict(a)]) == ["same settings", "same settings"]


def test_grids_lists_ranges_and_bad_values():
    cls = get_experiment("recurrent")
    g = parse_grid(cls, ["lr=1e-3,1e-2,1e-3", "hidden=16:64:4", "clip=0.1:10:3:log", "cells=rnn,lstm;irnn"])
    assert g["lr"] == [1e-3, 1e-2] and g["hidden"] == [16, 32, 48, 64]
    assert g["clip"] == [0.1, 1.0, 10.0] and g["cells"] == [["rnn", "lstm"], ["irnn"]]
    for bad in ("lr=", "hidden=1:2", "clip=0:1:3:log", "cells=rnn,gru", "wings=2"):
        with pytest.raises(DataError):
            parse_grid(cls, [bad])
    with pytest.raises(DataError, match="on/off"):
        parse_overrides(get_experiment("zca"), ["whiten=maybe"])


def test_sweep_on_a_process_pool_records_every_run(tmp_path):
    sid, tasks = sweep.plan("gan", {"g_lr": [1e-3, 2e-3]}, seeds=3, preset="small-fast",
                            base={"preview_every": 100}, steps=3, root=tmp_path)
    assert len(tasks) == 6 and {t["seed"] for t in tasks} == {0, 1, 2}
    seen = []
    results = sweep.run_pool(tasks, workers=2, on_result=seen.append)
    assert len(seen) == 6 and all(r["status"] == "finished" for r in results)
    runs, _ = store.list_runs("gan", root=tmp_path)
    assert len(runs) == 6 and {r.sweep for r in runs} == {sid}
    assert {json.dumps(r.config()["g_lr"]) for r in runs} == {"0.001", "0.002"}
    rows = sweep.summarise(results, ["g_lr"])
    assert [r["n"] for r in rows] == [3, 3] and all(r["mean"] is not None for r in rows)


def test_sweep_on_a_dask_local_cluster(tmp_path):
    pytest.importorskip("dask.distributed")
    sid, tasks = sweep.plan("gan", {"g_lr": [1e-3, 2e-3]}, seeds=3, preset="small-fast",
                            base={"preview_every": 100}, steps=3, root=tmp_path)
    results = sweep.run_dask(tasks, workers=2)
    assert len(results) == 6 and all(r["status"] == "finished" for r in results)
    assert len(store.list_runs("gan", root=tmp_path)[0]) == 6


def test_a_remote_result_is_written_into_the_local_run_list(tmp_path):
    _, tasks = sweep.plan("gan", {"g_lr": [1e-3]}, preset="small-fast", steps=2, root=tmp_path)
    r = sweep.run_task(tasks[0])
    import shutil
    shutil.rmtree(r["folder"])  # as if it had run on another machine
    folder = sweep.materialise(r)
    info = store.read_run(folder)
    assert info.steps == 2 and info.sweep == tasks[0]["sweep"] and store.read_metrics(folder)["g_loss"][0] == [1, 2]


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "lab", *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_cli_sweep_and_runs(tmp_path):
    env_root = Path(os.environ["XDG_DATA_HOME"]) / "numpy-lab" / "runs" / "gan"
    before = len(list(env_root.glob("*"))) if env_root.exists() else 0
    r = _cli("sweep", "gan", "--preset", "small-fast", "--set", "g_lr=1e-3,2e-3", "--seeds", "2", "--steps", "2",
             "--fix", "preview_every=100", "--workers", "2")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["backend"] == "pool" and len(out["runs"]) == 4 and len(out["summary"]) == 2
    assert "[4/4]" in r.stderr and "g_lr=0.001" in r.stderr
    listed = json.loads(_cli("runs", "gan", "--json").stdout)
    assert len(listed) == before + 4 and {x["status"] for x in listed[:4]} == {"finished"}
    r = _cli("sweep", "gan", "--steps", "2")
    assert r.returncode == 2 and "needs --set" in r.stderr


def test_an_exported_script_reproduces_the_run(tmp_path):
    out = tmp_path / "out"
    exp = _gan(5, seed=3)
    final = run_experiment(exp, out=out, record=False)["final"]
    assert "reproduce.py" in final["files"]
    r = subprocess.run([sys.executable, str(out / "reproduce.py")], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    again = json.loads(r.stdout.strip().splitlines()[-1])
    assert again["steps"] == 5 and again["g_loss"] == pytest.approx(final["g_loss"], rel=1e-6)
    assert again["d_loss"] == pytest.approx(final["d_loss"], rel=1e-6)


def test_learning_rates_scale_once_in_config_and_optimizers():
    exp = _gan(2)
    exp.step()
    g, d = exp.g_opt.lr, exp.d_opt.lr
    assert exp.scale_learning_rates(0.1) == ["g_lr", "d_lr"]
    assert exp.g_opt.lr == pytest.approx(0.1 * g) and exp.d_opt.lr == pytest.approx(0.1 * d)
    assert exp.config.g_lr == pytest.approx(0.1 * g)


def test_sweep_workers_use_one_core_each(monkeypatch):
    """A sweep's processes share the cores: each one gets one BLAS thread, splits no batch and
    starts no reader processes."""
    import os

    from lab.data.read_workers import readers
    from lab.nn.data_parallel import default_parts
    from lab.runs.sweep import one_blas_thread
    monkeypatch.delenv("NUMPY_LAB_PARTS", raising=False)
    monkeypatch.delenv("NUMPY_LAB_READERS", raising=False)
    with one_blas_thread():
        assert os.environ["OPENBLAS_NUM_THREADS"] == "1" and default_parts() == 1 and readers() == 0
    assert "NUMPY_LAB_PARTS" not in os.environ and "NUMPY_LAB_READERS" not in os.environ
