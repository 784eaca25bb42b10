"""Settings written as text (``--set KEY=VALUE``): one value for a run, or a list or range of values
for a sweep (``lr=1e-4,1e-3,1e-2``; ``lr=1e-4:1e-2:5:log``; ``hidden=16:64:4``)."""

import dataclasses

import numpy as np

from ..errors import DataError
from ..experiments.base import field_type


def parse_value(field, text):
    t = field_type(field)
    if t is list and "choices" in field.metadata:
        values = [v.strip() for v in text.split(",") if v.strip()]
        bad = [v for v in values if v not in field.metadata["choices"]]
        if bad:
            raise ValueError(f"{', '.join(bad)}: not one of {', '.join(map(str, field.metadata['choices']))}")
        return values
    if t is list:
        return [int(v) for v in text.replace(" ", "").split(",") if v]
    if t is bool:
        low = text.strip().lower()
        if low not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise ValueError(f"{text!r} is not on/off")
        return low in ("1", "true", "yes", "on")
    value = t(text)
    choices = field.metadata.get("choices")
    if choices and value not in choices:
        raise ValueError(f"{text!r}: not one of {', '.join(map(str, choices))}")
    return value


def _fields(cls):
    return {f.name: f for f in dataclasses.fields(cls.Config)}


def _split_pair(pair, fields):
    key, sep, value = pair.partition("=")
    key = key.strip()
    if not sep or key not in fields:
        raise DataError(f"--set {pair!r}: expected KEY=VALUE with KEY one of {', '.join(fields)}")
    return key, value.strip()


def parse_overrides(cls, pairs):
    """``["lr=0.01", ...]`` -> {field: value} for experiment class ``cls``; DataError names the pair."""
    fields, out = _fields(cls), {}
    for pair in pairs or []:
        key, value = _split_pair(pair, fields)
        try:
            out[key] = parse_value(fields[key], value)
        except ValueError as e:
            raise DataError(f"--set {pair!r}: {e}") from None
    return out


def parse_grid(cls, pairs):
    """``["lr=1e-4,1e-3", "hidden=16:64:4"]`` -> {field: [values]} (a sweep's axes). A list-valued
    field takes alternatives separated by ``;`` (``cells=rnn,lstm;rnn,irnn``)."""
    fields, grid = _fields(cls), {}
    for pair in pairs or []:
        key, text = _split_pair(pair, fields)
        f = fields[key]
        try:
            if field_type(f) is list:
                values = [parse_value(f, part) for part in text.split(";") if part.strip()]
            elif ":" in text and field_type(f) in (int, float):
                values = _range(field_type(f), text)
            else:
                values = [parse_value(f, part.strip()) for part in text.split(",") if part.strip()]
        except ValueError as e:
            raise DataError(f"--set {pair!r}: {e}") from None
        if not values:
            raise DataError(f"--set {pair!r}: no values")
        grid[key] = [v for i, v in enumerate(values) if v not in values[:i]]  # each value once, in order
    return grid


def _range(t, text):
    """``lo:hi:n[:log|lin]`` -> n values from lo to hi (ints rounded and made unique)."""
    parts = text.split(":")
    if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3] not in ("log", "lin")):
        raise ValueError("a range is lo:hi:n or lo:hi:n:log")
    lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
    if n < 1:
        raise ValueError("a range needs n >= 1")
    if len(parts) == 4 and parts[3] == "log":
        if lo <= 0 or hi <= 0:
            raise ValueError("a log range needs positive ends")
        values = np.geomspace(lo, hi, n)
    else:
        values = np.linspace(lo, hi, n)
    if t is int:
        return list(dict.fromkeys(int(round(v)) for v in values))
    return [float(f"{v:.6g}") for v in values]
