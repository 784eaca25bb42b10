"""Damaged DICOM, GIF and IDX files never take ``python -m lab inspect`` down: a few hundred seeded cases
of bench/fuzz.py's generator, each inspected in its own process under a time and memory limit
(exit 0 or 1, no traceback, no signal, no hang). ``python bench/fuzz.py`` runs thousands."""

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "fuzz.py"


@pytest.fixture(scope="module")
def fuzz():
    spec = importlib.util.spec_from_file_location("bench_fuzz", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(sys.platform == "win32", reason="the runner forks")
def test_fuzzed_files_never_crash_hang_or_traceback(fuzz):
    failures = []
    summary = fuzz.fuzz(300, seed=0, timeout=60, out=failures.append)
    assert summary["failures"] == 0, failures[:3]
    assert set(summary["kinds"]) == {"dicom", "gif", "idx"}
    assert set(summary["exit_codes"]) <= {"0", "1"} and len(summary["exit_codes"]) == 2  # both outcomes occur


def test_the_generator_is_deterministic(fuzz):
    a = [(k, n, w, d) for _, k, n, d, w, _ in fuzz.cases(20, seed=3)]
    b = [(k, n, w, d) for _, k, n, d, w, _ in fuzz.cases(20, seed=3)]
    assert a == b and len({d for *_, d in a}) > 15
