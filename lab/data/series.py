"""Monthly series from CSV files (the forecast experiment's data), and a built-in one.

A CSV holds one numeric column (the article's ``x``), or a date column (YYYY-MM or YYYY-MM-DD,
consecutive months) beside one or more numeric columns; the user picks the column by name. Text
where a number should be, missing values, gaps between months and too short a series are each
named with the file, the line and the reason.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError
from .table import read_csv_rows

MIN_MONTHS = 24
_DATE = re.compile(r"^\s*(\d{4})[-/](\d{1,2})(?:[-/]\d{1,2})?\s*$")


@dataclass(frozen=True)
class MonthlySeries:
    values: np.ndarray   # (n,) float64, oldest first
    start: tuple         # (year, month) of values[0], or None when the file has no dates
    name: str            # the column
    source: str

    def month_of(self, i, start=None):
        """(year, month) of values[i] given the first month (the file's own, else ``start``)."""
        y, m = self.start or start
        k = (m - 1) + i
        return y + k // 12, k % 12 + 1


def parse_month(text):
    """'2015-09' -> (2015, 9); DataError on anything else."""
    m = _DATE.match(str(text))
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise DataError(f"{text!r} is not a month (write YYYY-MM)")
    return int(m.group(1)), int(m.group(2))


def load_monthly_csv(path, column=""):
    """Read a monthly series; ``column`` names the value column (default: the first numeric one)."""
    path = Path(path)
    header, body = read_csv_rows(path, min_data_rows=1)
    cols = {h: [r[k].strip() for r in body] for k, h in enumerate(header)}
    date_col = next((h for h in header if cols[h] and all(_DATE.match(v) for v in cols[h])), None)
    candidates = [h for h in header if h != date_col]
    if column:
        if column not in cols:
            raise DataError(f"{path}: no column {column!r}; columns: {', '.join(header)}")
        name = column
    else:
        name = next((h for h in candidates if _mostly_numeric(cols[h])), None)
        if name is None:
            raise DataError(f"{path}: no numeric column (columns: {', '.join(header)})")
    values = np.empty(len(body))
    for i, v in enumerate(cols[name]):
        if v == "" or v.upper() in ("NA", "NAN", "NULL"):
            raise DataError(f"{path}: line {i + 2}: missing value in column {name!r}")
        try:
            values[i] = float(v)
        except ValueError:
            raise DataError(f"{path}: line {i + 2}: {v!r} in column {name!r} is not a number") from None
    if not np.all(np.isfinite(values)):
        raise DataError(f"{path}: column {name!r} holds infinite values")
    if len(values) < MIN_MONTHS:
        raise DataError(f"{path}: {len(values)} months in column {name!r}; the models need at least {MIN_MONTHS} "
                        f"(two of each calendar month)")
    start = None
    if date_col is not None:
        months = [parse_month(v) for v in cols[date_col]]
        start = months[0]
        for i, (a, b) in enumerate(zip(months[:-1], months[1:]), start=3):
            if (b[0] - a[0]) * 12 + (b[1] - a[1]) != 1:
                raise DataError(f"{path}: line {i}: {cols[date_col][i - 2]!r} does not follow the month before it "
                                f"(the series must be consecutive months, oldest first)")
    return MonthlySeries(values, start, name, str(path))


def _mostly_numeric(col):
    ok = 0
    for v in col:
        try:
            float(v)
            ok += 1
        except ValueError:
            pass
    return ok >= 0.9 * len(col)


def builtin_monthly_series(years=16, seed=2015):
    """A deterministic monthly series with trend, seasonality and noise (no download): 16 years
    from January 2000, units in the tens, a December peak and a summer dip."""
    rng = np.random.default_rng(seed)
    t = np.arange(12 * years)
    month = t % 12
    season = np.array([-0.8, -1.2, 0.0, 0.3, 0.1, -0.6, -1.1, -0.9, 0.4, 0.8, 1.4, 2.6])
    values = 11.0 + 0.02 * t + season[month] + rng.normal(0, 1.0, t.size)
    return MonthlySeries(np.round(values, 4), (2000, 1), "units",
                         "built-in: a generated monthly series (2000-2015, trend + seasonality + noise)")
