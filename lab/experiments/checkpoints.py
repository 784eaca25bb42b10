"""Checkpoints: an experiment's name, config and full state in one ``.npz`` file, written
atomically, so that loading it continues the run exactly."""

import io
import json
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..atomic import atomic_path
from .base import config_from_dict, config_to_dict
from .registry import get_experiment


def _split(obj, arrays, prefix):
    """Nested dict of arrays/scalars -> JSON-able tree with array references."""
    if isinstance(obj, np.ndarray):
        key = prefix or "root"
        arrays[key] = obj
        return {"__array__": key}
    if isinstance(obj, dict):
        return {str(k): _split(v, arrays, f"{prefix}/{k}" if prefix else str(k)) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_split(v, arrays, f"{prefix}/{i}") for i, v in enumerate(obj)]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _join(tree, arrays):
    if isinstance(tree, dict):
        if set(tree) == {"__array__"}:
            return arrays[tree["__array__"]]
        return {k: _join(v, arrays) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_join(v, arrays) for v in tree]
    return tree


def save_checkpoint(experiment, path):
    """Write ``experiment`` (name, config, full state) to one ``.npz`` file, atomically.
    The JSON part (config, counters, RNG state) is stored inside as ``__meta__``."""
    arrays = {}
    meta = {"format": "numpy-lab-checkpoint/1", "experiment": experiment.name,
            "config": config_to_dict(experiment.config),
            "state": _split(experiment.state_dict(), arrays, "")}
    arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode("utf-8"), np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(buf.getvalue())
    return Path(path)


def load_checkpoint(path, experiment_name=None):
    """Rebuild the experiment saved in ``path``; DataError names the file when it cannot."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        meta = json.loads(arrays.pop("__meta__").tobytes().decode("utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path}: no such checkpoint") from None
    except (OSError, ValueError, KeyError, EOFError) as e:
        raise DataError(f"{path}: not a NumPy Lab checkpoint ({e})") from None
    name = meta.get("experiment")
    try:
        cls = get_experiment(name)
    except KeyError as e:
        raise DataError(f"{path}: {e.args[0]}") from None
    if experiment_name and name != experiment_name:
        wanted = get_experiment(experiment_name)
        if not (issubclass(cls, wanted) or issubclass(wanted, cls)):  # e.g. a resnet run on the convnet page
            raise DataError(f"{path}: is a checkpoint of the {name!r} experiment, not {experiment_name!r}")
    exp = cls(config_from_dict(cls.Config, meta["config"]))
    exp.load_state_dict(_join(meta["state"], arrays))
    return exp
