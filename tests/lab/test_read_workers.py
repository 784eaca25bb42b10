"""Big DICOM folders read by reader processes give exactly what this process reads, and a reader that
crashes, hangs or fails costs only the file it was reading."""

import shutil

import numpy as np
import pytest

from lab.data import dicom, read_workers, reader_channel
from lab.data.phantom import ct_phantom_folder
from lab.errors import Cancelled
from lab.progress import reporting

pytestmark = pytest.mark.skipif(read_workers.os.name != "posix", reason="reader processes are POSIX only")


@pytest.fixture
def folder(tmp_path):
    src = ct_phantom_folder()
    dst = tmp_path / "study"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".*"))
    (dst / "notes.txt").write_text("not an image")
    (dst / "empty.dcm").write_bytes(b"")
    first = sorted(dst.glob("IM*"))[0]
    (dst / "cut.dcm").write_bytes(first.read_bytes()[:3000])    # a header without its pixels
    return dst


def test_a_one_off_small_folder_starts_no_readers(folder, monkeypatch):
    """Readers cost ~0.5 s of CPU each to start: a command reading a few dozen files does not
    start them (the app says it will read many folders)."""
    if read_workers.running():
        pytest.skip("readers already started by an earlier test in this process")
    monkeypatch.setenv("NUMPY_LAB_READERS", "2")
    monkeypatch.setattr(read_workers, "_keep", False)
    dicom._scan.forget()
    dicom.scan_folder(folder)
    assert not read_workers.running()


def _scan(folder, monkeypatch, readers):
    monkeypatch.setenv("NUMPY_LAB_READERS", str(readers))
    monkeypatch.setattr(read_workers, "_keep", True)          # as in the app
    dicom._scan.forget()
    return dicom.scan_folder(folder)


def _same(a, b):
    (sa, oa), (sb, ob) = a, b
    assert oa == ob
    assert [s.key for s in sa] == [s.key for s in sb]
    for x, y in zip(sa, sb):
        assert x.notes == y.notes and x.problems == y.problems and x.slice_spacing == y.slice_spacing
        assert [sl.path for sl in x.slices] == [sl.path for sl in y.slices]
        for p, q in zip(x.slices, y.slices):
            assert (p.position, p.slope, p.intercept) == (q.position, q.slope, q.intercept)
            np.testing.assert_array_equal(p.pixels, q.pixels)


def test_readers_read_what_this_process_reads(folder, monkeypatch):
    here = _scan(folder, monkeypatch, 0)
    assert len(here[1]) >= read_workers.MIN_FILES
    first = _scan(folder, monkeypatch, 2)      # readers start while this process reads
    assert read_workers._pool.start(wait=30)
    again = _scan(folder, monkeypatch, 2)      # readers ready
    _same(here, first)
    _same(here, again)
    status = {o.file.rsplit("/", 1)[1]: o.status for o in here[1]}
    assert status["notes.txt"] == "skipped" and status["empty.dcm"] == "skipped"
    assert sum(s == "loaded" for s in status.values()) == 16
    pool = read_workers._pool
    assert pool is not None and any(w.ready for w in pool.workers)
    hu, _ = again[0][0].load_hu()
    assert hu.dtype == np.float32 and np.isfinite(hu).all()


def test_answers_bigger_than_the_shared_memory_come_by_pipe(folder, monkeypatch):
    here = _scan(folder, monkeypatch, 0)
    monkeypatch.setattr(reader_channel, "SLOT_BYTES", 4096)      # a 256 x 256 slice is 128 KB
    files, results = _run(read_workers.ReaderPool(2), folder)
    by_pipe = {f: r for f, r in zip(files, results)}
    for o, s in ((o, by_pipe[dicom.Path(o.file)]) for o in here[1]):
        assert s[0] == o.status
    for series in here[0]:
        for sl in series.slices:
            status, (key, slices, info) = by_pipe[dicom.Path(sl.path)]
            np.testing.assert_array_equal(slices[0].pixels, sl.pixels)


def _run(pool, folder):
    files = dicom.list_files(folder)
    assert pool.start(wait=30)
    try:
        return files, list(pool.run(files, dicom._attempt))
    finally:
        pool.close()


def test_a_reader_that_crashes_costs_only_its_file(folder, monkeypatch):
    victim = sorted(folder.glob("IM*"))[5].name
    monkeypatch.setenv("NUMPY_LAB_READER_FAULT", f"abort:{victim}")
    files, results = _run(read_workers.ReaderPool(2), folder)
    by_name = {f.name: r for f, r in zip(files, results)}
    status, reason = by_name[victim]
    assert status == "refused" and "died (signal SIGABRT)" in reason
    loaded = [n for n, (s, _) in by_name.items() if s == "loaded"]
    assert len(loaded) == 15 and victim not in loaded


def test_a_reader_that_hangs_is_stopped(folder, monkeypatch):
    victim = sorted(folder.glob("IM*"))[2].name
    monkeypatch.setenv("NUMPY_LAB_READER_FAULT", f"hang:{victim}")
    monkeypatch.setattr(read_workers, "TIMEOUT_S", 1.5)
    files, results = _run(read_workers.ReaderPool(2), folder)
    by_name = {f.name: r for f, r in zip(files, results)}
    assert by_name[victim][0] == "refused" and "longer than 1.5 s" in by_name[victim][1]
    assert sum(s == "loaded" for s, _ in results) == 15


def test_a_file_a_reader_fails_on_is_read_here(folder, monkeypatch):
    victim = sorted(folder.glob("IM*"))[7].name
    monkeypatch.setenv("NUMPY_LAB_READER_FAULT", f"raise:{victim}")
    calls = []

    def here(f):
        calls.append(f.name)
        return dicom._attempt(f)
    pool = read_workers.ReaderPool(2)
    files = dicom.list_files(folder)
    try:
        assert pool.start(wait=30)
        results = list(pool.run(files, here))
    finally:
        pool.close()
    assert calls == [victim]
    assert sum(s == "loaded" for s, _ in results) == 16


def test_a_cancelled_folder_leaves_the_readers_clean(folder, monkeypatch):
    monkeypatch.setenv("NUMPY_LAB_READERS", "2")
    _scan(folder, monkeypatch, 2)
    assert read_workers._pool.start(wait=30)
    seen = []
    with pytest.raises(Cancelled):
        with reporting(lambda done, total, what: seen.append(done), lambda: len(seen) > 4):
            _scan(folder, monkeypatch, 2)
    series, outcomes = _scan(folder, monkeypatch, 2)
    assert len(outcomes) == len(dicom.list_files(folder))
    assert sum(o.status == "loaded" for o in outcomes) == 16 and len(series[0].slices) == 16


def test_a_forked_child_leaves_its_parents_readers_alone(folder, monkeypatch):
    """A child forked after the readers started closes no reader at its exit: they are its parent's."""
    import os
    import warnings
    _scan(folder, monkeypatch, 2)
    pool = read_workers._pool
    assert pool.start(wait=30)
    pids = [w.proc.pid for w in pool.workers]
    with warnings.catch_warnings():      # Python 3.12+ warns about fork() in a process with threads
        warnings.simplefilter("ignore", DeprecationWarning)
        child = os.fork()
    if child == 0:                       # the child: run what its exit would run, then leave at once
        read_workers._close_pool()
        os._exit(0)
    os.waitpid(child, 0)
    assert all(w.proc.poll() is None for w in pool.workers) and [w.proc.pid for w in pool.workers] == pids
    _, outcomes = _scan(folder, monkeypatch, 2)
    assert sum(o.status == "loaded" for o in outcomes) == 16


def test_readers_that_cannot_start_leave_the_reading_here(folder, monkeypatch):
    """No process can be started (a sandbox, a limit): the folder is read in this process."""
    def refuse(*a, **k):
        raise OSError("no processes here")
    monkeypatch.setattr(reader_channel.subprocess, "Popen", refuse)
    pool = read_workers.ReaderPool(2)
    files = dicom.list_files(folder)
    results = list(pool.run(files, dicom._attempt))
    assert pool.broken and sum(s == "loaded" for s, _ in results) == 16
