"""Tables of numeric features from CSV files (the eigen views' user data).

The first row names the columns; a column named class, label, target, cultivar or species
(or else the last column, when it holds few distinct whole numbers or any text) holds the
classes; every other column must be numeric.
"""

import csv
from pathlib import Path

import numpy as np

from ..errors import DataError, read_input

CLASS_NAMES = ("class", "label", "target", "cultivar", "species", "y")


def read_csv_rows(path, min_data_rows=2):
    """(header, body rows) of a CSV file, blank lines dropped; DataError names the file and says why
    (not text, not CSV, too few rows, a row with the wrong number of fields)."""
    path = Path(path)
    try:
        text = read_input(path, "a CSV file").decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a text (CSV) file") from None
    try:
        rows = [r for r in csv.reader(text.splitlines()) if any(c.strip() for c in r)]
    except csv.Error as e:
        raise DataError(f"{path}: not a valid CSV file ({e})") from None
    if len(rows) < 1 + min_data_rows:
        need = f"{min_data_rows} data row{'s' if min_data_rows > 1 else ''}"
        raise DataError(f"{path}: needs a header row and at least {need}, found {len(rows)} rows")
    header = [h.strip().strip('"') for h in rows[0]]
    body = rows[1:]
    for i, r in enumerate(body, start=2):
        if len(r) != len(header):
            raise DataError(f"{path}: line {i} has {len(r)} fields, the header has {len(header)}")
    return header, body


def load_table(path):
    """Returns X (n, d) float64, y (n,) int64 class indices, feature names, class names."""
    path = Path(path)
    header, body = read_csv_rows(path)
    cols = list(zip(*body))
    lower = [h.lower() for h in header]
    label_col = next((i for i, h in enumerate(lower) if h in CLASS_NAMES), None)
    if label_col is None and not _numeric(cols[-1]):
        label_col = len(header) - 1
    if label_col is None and _numeric(cols[-1]):
        last = np.array(cols[-1], float)
        if np.all(last == np.round(last)) and len(np.unique(last)) <= max(2, len(last) // 5):
            label_col = len(header) - 1
    feats = [i for i in range(len(header)) if i != label_col]
    if len(feats) < 2:
        raise DataError(f"{path}: needs at least 2 numeric feature columns, found {len(feats)}")
    X = np.empty((len(body), len(feats)))
    for k, i in enumerate(feats):
        try:
            X[:, k] = np.array(cols[i], float)
        except ValueError:
            bad = next(j for j, v in enumerate(cols[i]) if not _is_float(v))
            raise DataError(f"{path}: column {header[i]!r} is not numeric (line {bad + 2}: {cols[i][bad]!r})") from None
    if not np.all(np.isfinite(X)):
        raise DataError(f"{path}: holds missing or infinite values (NaN/inf)")
    if label_col is None:
        y, classes = np.zeros(len(body), np.int64), ["all"]
    else:
        classes, y = np.unique([c.strip() for c in cols[label_col]], return_inverse=True)
        classes = [str(c) for c in classes]
    return X, y.astype(np.int64), [header[i] for i in feats], classes


def _is_float(v):
    try:
        float(v)
        return True
    except ValueError:
        return False


def _numeric(col):
    return all(_is_float(v) for v in col)
