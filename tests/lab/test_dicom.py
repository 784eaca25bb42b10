import json

import numpy as np
import pytest

from lab.cli import main
from lab.data.dicom import scan_folder
from lab.data.phantom import ct_phantom_folder
from lab.errors import DataError


def test_phantom_round_trip():
    folder = ct_phantom_folder()
    series, skipped = scan_folder(folder)
    assert not skipped and len(series) == 1
    s = series[0]
    assert s.modality == "CT" and len(s.slices) == 16 and s.slice_spacing == pytest.approx(5.0)
    z = [sl.position[2] for sl in s.slices]
    assert z == sorted(z)  # sorted along the normal, not by InstanceNumber (which runs the other way)
    hu, pad = s.load_hu()
    assert hu.shape == (16, 256, 256) and hu.dtype == np.float32
    assert hu.min() == -1000 and 700 <= hu.max() <= 800 and not pad.any()
    lungs = hu[8, 100:140, 60:90]
    assert -950 < lungs.mean() < -700  # lung parenchyma


def test_junk_is_skipped_with_reasons(tmp_path):
    (tmp_path / "empty.dcm").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "fake.dcm").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(300))
    src = sorted(ct_phantom_folder().glob("IM*"))[0]
    (tmp_path / "cut.dcm").write_bytes(src.read_bytes()[:2000])
    series, skipped = scan_folder(tmp_path)
    reasons = {p.split("/")[-1]: r for p, r in skipped}
    assert "empty file" in reasons["empty.dcm"]
    assert "not DICOM" in reasons["notes.txt"] and "not DICOM" in reasons["fake.dcm"]
    assert "cut.dcm" in reasons or (series and series[0].slices)  # a truncated file: skipped, or fails on load
    if series:
        with pytest.raises(DataError, match="cut.dcm"):
            series[0].load_hu()


def test_missing_folder():
    with pytest.raises(DataError, match="no such file or folder"):
        scan_folder("/nonexistent/folder")


def test_inspect_cli(capsys):
    assert main(["inspect", str(ct_phantom_folder())]) == 0
    rep = json.loads(capsys.readouterr().out)
    s = rep["series"][0]
    assert s["slices"] == 16 and s["rows"] == 256 and s["hu_range"] == [-1000.0, 800.0]


def test_inspect_junk_folder_fails(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("x")
    assert main(["inspect", str(tmp_path)]) == 1
    rep = json.loads(capsys.readouterr().out)
    assert rep["series"] == [] and rep["skipped"][0]["file"].endswith("a.txt")


def test_real_series_sorting(shared_data):
    series, skipped = scan_folder(shared_data / "dicom" / "lung-ct-a0001")
    assert len(series) == 1 and [s.endswith("README.md") for s, _ in skipped] == [True]
    s = series[0]
    z = [sl.position[2] for sl in s.slices]
    assert len(z) == 24 and z == sorted(z) and s.slice_spacing == pytest.approx(5.0)
    assert s.slices[0].path.endswith("1-40.dcm")  # InstanceNumber runs head to feet: the lowest z is 1-40
    hu, _ = s.load_hu([0])
    assert hu.min() >= -1100 and hu.max() > 1000


def test_real_two_reconstructions_are_two_series(shared_data):
    series, _ = scan_folder(shared_data / "dicom" / "lung-ct-a0002")
    assert sorted(s.description.split()[-1] for s in series) == ["B40f", "B70f"]
    assert all(len(s.slices) == 10 and s.slice_spacing == pytest.approx(8.0) for s in series)


def test_real_many_one_slice_series_and_padding(shared_data):
    series, skipped = scan_folder(shared_data / "dicom" / "chest-ct-axial")
    assert len(series) == 20 and not skipped and all(len(s.slices) == 1 for s in series)
    hu, pad = series[0].load_hu()
    assert pad.any() and hu[~pad].min() >= -1100  # -3024 / -2048 outside the field of view are masked


def test_pydicom_test_files_never_crash():
    """pydicom's own test files (compressed, big-endian, no meta, truncated, malformed, colour,
    multi-frame): every file is a series or skipped with a reason, and every series either loads
    or raises a DataError that names its file."""
    from pathlib import Path

    from pydicom.data import get_testdata_file
    folder = Path(get_testdata_file("CT_small.dcm")).parent
    series, skipped = scan_folder(folder)
    assert series and skipped and all(reason for _, reason in skipped)
    for s in series:
        try:
            hu, _ = s.load_hu()
            assert np.all(np.isfinite(hu))
        except DataError as e:
            assert any(sl.path in str(e) for sl in s.slices)
