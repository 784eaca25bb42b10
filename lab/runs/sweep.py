"""Sweeps: one experiment over a grid of settings × seeds, each point one headless run (recorded in
the run list like any other), executed in parallel on this machine's worker processes or on a Dask
cluster.

A task is :func:`run_task` on a plain dict (picklable, so the same task runs in a process pool or
on a Dask worker anywhere); it returns the run's final metrics and its metrics rows. When the
worker's run folder is not visible here (a remote cluster), :func:`materialise` writes the run
into this machine's run list from what the task returned.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import secrets
import statistics
import time
from pathlib import Path

from .execute import build_experiment, run_experiment
from .store import key_metric, new_run_folder, owner, runs_root

BLAS_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "NUMPY_LAB_PARTS": "1",      # lab.nn.data_parallel: one part of a batch at a time
            "NUMPY_LAB_READERS": "0"}    # lab.data.read_workers: a folder read in the worker itself


def plan(experiment, grid, seeds=1, preset=None, base=None, steps=None, root=None):
    """Every task of a sweep: the grid's product × ``seeds`` seeds (base seed + 0, 1, …)."""
    from ..experiments import get_experiment
    cls = get_experiment(experiment)
    fixed = dict(base or {})
    config = cls.preset_config(preset, **fixed)
    seed0 = int(getattr(config, "seed", 0) or 0)
    sweep_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)
    fields = list(grid)
    tasks = []
    for combo in itertools.product(*(grid[f] for f in fields)):
        point = dict(zip(fields, combo))
        for k in range(max(1, int(seeds))):
            over = {**fixed, **point}
            if hasattr(config, "seed") and "seed" not in point:
                over["seed"] = seed0 + k
            label = ", ".join([f"{f} {_text(v)}" for f, v in point.items()] +
                              ([f"seed {over['seed']}"] if "seed" in over else []))   # no swept field: "seed 1"
            tasks.append({"index": len(tasks), "experiment": experiment, "preset": config.preset, "overrides": over,
                          "point": point,
                          "seed": over.get("seed"), "steps": steps, "root": str(root or runs_root()),
                          "sweep": sweep_id, "name": label})
    return sweep_id, tasks


def _text(v):
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def run_task(task, progress=None):
    """One sweep task (in a worker process): build, train, record. Returns a plain dict.
    ``progress.put((index, step, target))`` is called about twice a second while it trains."""
    t0 = time.perf_counter()
    exp = build_experiment(task["experiment"], preset=task["preset"], overrides=task["overrides"])
    last = [0.0]

    def on_step(step, _metrics, target):
        now = time.perf_counter()
        if progress is not None and (now - last[0] > 0.5 or step == target):
            last[0] = now
            progress.put((task["index"], step, target))
    res = run_experiment(exp, steps=task.get("steps"), root=task["root"], run_name=task["name"],
                         sweep=task["sweep"], on_step=on_step)
    final = res["final"]
    metric, value = key_metric(final, getattr(exp, "key_metric", None))
    return {"task": task, "status": res["status"], "error": res["error"], "final": final,
            "metric": metric, "value": value, "folder": str(res["folder"]) if res["folder"] else None,
            "rows": res["rows"], "seconds": time.perf_counter() - t0, "host": owner()["host"]}


def materialise(result):
    """Write a remote task's run into this machine's run list (when its folder is not here)."""
    from ..experiments import get_experiment
    from ..export.tables import write_json
    folder = result.get("folder")
    if folder and Path(folder).exists():
        return Path(folder)
    task = result["task"]
    cls = get_experiment(task["experiment"])
    config = dataclasses.asdict(cls.preset_config(task["preset"], **task["overrides"]))
    out = new_run_folder(task["experiment"], task["root"])
    write_json(out / "config.json", config)
    lines = ["step,wall_s,metric,value\n"] + [f"{s},0,{k},{float(v)!r}\n" for s, m in result["rows"]
                                             for k, v in m.items()]
    (out / "metrics.csv").write_text("".join(lines), encoding="utf-8")
    write_json(out / "run.json", {"format": "numpy-lab-run/1", "experiment": task["experiment"],
                                  "name": task["name"], "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
                                  "status": result["status"], "steps": result["final"].get("steps", 0),
                                  "sweep": task["sweep"], "owner": {"host": result.get("host")},
                                  "final": {k: v for k, v in result["final"].items()
                                            if isinstance(v, (int, float)) and not isinstance(v, bool)}})
    result["folder"] = str(out)
    return out


@contextlib.contextmanager
def one_blas_thread():
    """Worker processes started inside inherit one BLAS thread each, split no batch into parts and
    start no reader processes: n workers share n cores instead of n × cores threads and processes
    running against each other."""
    old = {k: os.environ.get(k) for k in BLAS_ENV}
    os.environ.update(BLAS_ENV)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _pump(get, on_progress, stop):
    """Hand progress messages to ``on_progress`` until ``stop`` is set (a thread of its own)."""
    while not stop.is_set():
        try:
            item = get()
        except Exception:  # noqa: BLE001 — queue.Empty, or the queue went away at the end
            continue
        if item is not None:
            on_progress(*item)


def run_pool(tasks, workers=None, on_result=None, cancelled=lambda: False, on_progress=None):
    """Run tasks in a process pool (spawned processes: safe beside a running Qt app). ``cancelled()``
    is asked between results and every half second: True ends the sweep, killing runs in progress
    (their run folders then read "interrupted")."""
    import concurrent.futures as cf
    import multiprocessing as mp
    import threading
    workers = max(1, min(len(tasks), workers or os.cpu_count() or 1))
    ctx = mp.get_context("spawn")
    results, stop = [], threading.Event()
    with contextlib.ExitStack() as stack:
        queue = None
        if on_progress is not None:
            queue = stack.enter_context(ctx.Manager()).Queue()
            pump = threading.Thread(target=_pump, args=(lambda: queue.get(timeout=0.2), on_progress, stop),
                                    daemon=True)
            pump.start()
            stack.callback(pump.join)
            stack.callback(stop.set)
        stack.enter_context(one_blas_thread())
        pool = stack.enter_context(cf.ProcessPoolExecutor(workers, mp_context=ctx))
        futures = {pool.submit(run_task, t, queue): t for t in tasks}
        pending = set(futures)
        while pending:
            done, pending = cf.wait(pending, timeout=0.5, return_when=cf.FIRST_COMPLETED)
            results += [_collect(f, futures[f], on_result) for f in done]
            if pending and cancelled():
                for f in pending:
                    f.cancel()
                for p in list(getattr(pool, "_processes", {}).values()):  # runs in progress end now
                    p.terminate()
                break
    return results


class _DaskProgress:
    """``put`` from a task on a Dask worker: a worker event the client subscribed to."""

    def __init__(self, topic):
        self.topic = topic

    def put(self, item):
        from dask.distributed import get_worker
        get_worker().log_event(self.topic, list(item))


def run_dask(tasks, scheduler=None, workers=None, on_result=None, cancelled=lambda: False, on_progress=None):
    """Run tasks on a Dask cluster: the one at ``scheduler`` (``tcp://host:8786``), else a
    ``LocalCluster`` of worker processes started here (and closed after)."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        from ..errors import DataError
        raise DataError("Dask is not installed: pip install 'dask[distributed]' (or run without --backend dask)") from None
    import logging
    results = []
    with contextlib.ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(Client(scheduler, timeout="20s"))
        else:
            stack.enter_context(one_blas_thread())
            n = max(1, min(len(tasks), workers or os.cpu_count() or 1))
            cluster = stack.enter_context(LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                                       dashboard_address=None, silence_logs=logging.CRITICAL))
            client = stack.enter_context(Client(cluster))
        progress = None
        if on_progress is not None:
            topic = f"numpy-lab-sweep-{tasks[0]['sweep'] if tasks else ''}"
            client.subscribe_topic(topic, lambda event: on_progress(*event[1]))
            progress = _DaskProgress(topic)
        futures = [client.submit(run_task, t, progress, pure=False) for t in tasks]
        by_key = {f.key: t for f, t in zip(futures, tasks)}
        pending = as_completed(futures)
        while not pending.is_empty():
            for fut in pending.next_batch(block=False) or []:
                results.append(_collect(fut, by_key[fut.key], on_result))
            if cancelled():
                client.cancel(futures)
                break
            time.sleep(0.2)
    for r in results:
        if r["status"] != "failed":
            materialise(r)
    return results


def _collect(fut, task, on_result):
    try:
        r = fut.result()
    except Exception as e:  # noqa: BLE001 — one bad point does not end the sweep
        r = {"task": task, "status": "failed", "error": f"{type(e).__name__}: {e}", "final": {}, "metric": None,
             "value": None, "folder": None, "rows": [], "seconds": 0.0}
    if on_result is not None:
        on_result(r)
    return r


def summarise(results, fields):
    """One row per grid point: the key metric's mean and spread over seeds."""
    groups = {}
    for r in results:
        key = tuple(r["task"]["point"].get(f) for f in fields)
        groups.setdefault(key, []).append(r)
    rows = []
    for key, rs in groups.items():
        vals = [r["value"] for r in rs if r["value"] is not None]
        rows.append({"values": dict(zip(fields, key)), "metric": next((r["metric"] for r in rs if r["metric"]), None),
                     "mean": statistics.fmean(vals) if vals else None,
                     "std": statistics.stdev(vals) if len(vals) > 1 else None,   # one seed: no spread to show
                     "n": len(vals), "failed": sum(r["status"] == "failed" for r in rs)})
    return rows
