import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from lab.cli import main
from lab.data.dicom import scan_folder
from lab.data.outcome import not_loaded
from lab.data.phantom import ct_phantom_folder
from lab.errors import DataError


def test_phantom_round_trip():
    folder = ct_phantom_folder()
    series, outcomes = scan_folder(folder)
    assert {o.status for o in outcomes} == {"loaded"} and len(series) == 1
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
    series, outcomes = scan_folder(tmp_path)
    got = {o.file.split("/")[-1]: (o.status, o.reason) for o in outcomes}
    assert got["empty.dcm"][0] == "skipped" and "empty file" in got["empty.dcm"][1]
    assert "not DICOM" in got["notes.txt"][1] and "not DICOM" in got["fake.dcm"][1]
    assert got["cut.dcm"][0] == "refused" and "bytes of pixel data" in got["cut.dcm"][1]  # decoded at once
    assert series == []


def test_missing_folder():
    with pytest.raises(DataError, match="no such file or folder"):
        scan_folder("/nonexistent/folder")


def test_inspect_cli(capsys):
    assert main(["inspect", str(ct_phantom_folder())]) == 0
    rep = json.loads(capsys.readouterr().out)
    s = rep["series"][0]
    assert s["slices"] == 16 and s["rows"] == 256 and s["value_range"] == [-1000.0, 800.0]
    assert rep["counts"] == {"loaded": 16, "skipped": 0, "refused": 0} and s["used_for_training"]


def test_inspect_junk_folder_fails(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("x")
    assert main(["inspect", str(tmp_path)]) == 1
    rep = json.loads(capsys.readouterr().out)
    assert rep["series"] == [] and rep["files"][0]["file"].endswith("a.txt")
    assert rep["files"][0]["status"] == "skipped" and rep["counts"]["skipped"] == 1


def test_real_series_sorting(shared_data):
    series, outcomes = scan_folder(shared_data / "dicom" / "lung-ct-a0001")
    assert len(series) == 1 and [o.file.endswith("README.md") for o in not_loaded(outcomes)] == [True]
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
    series, outcomes = scan_folder(shared_data / "dicom" / "chest-ct-axial")
    assert len(series) == 20 and not not_loaded(outcomes) and all(len(s.slices) == 1 for s in series)
    hu, pad = series[0].load_hu()
    assert pad.any() and hu[~pad].min() >= -1100  # -3024 / -2048 outside the field of view are masked


def _pydicom_files():
    from pydicom.data import get_testdata_file
    return Path(get_testdata_file("CT_small.dcm")).parent


def test_pydicom_test_files_load_or_name_their_reason():
    """All of pydicom's bundled test files in one folder: no exception; every file loaded, skipped or
    refused with a reason; at least 89 of the 95 with pixel data load (colour, palette, YBR,
    multi-frame, RT dose, big-endian, deflated, no meta, bad VR); the others say why."""
    series, outcomes = scan_folder(_pydicom_files())
    by_name = {Path(o.file).name: o for o in outcomes}
    assert all(o.status in ("loaded", "skipped", "refused") for o in outcomes)
    assert all(o.reason for o in not_loaded(outcomes))
    assert sum(o.status == "loaded" for o in outcomes) >= 89
    for name in ("rtdose_1frame.dcm", "rtdose_rle_1frame.dcm", "rtdose_expb_1frame.dcm", "examples_rgb_color.dcm",
                 "examples_palette.dcm", "SC_ybr_full_422_uncompressed.dcm", "examples_ybr_color.dcm",
                 "SC_rgb_jpeg_gdcm.dcm", "badVR.dcm", "MR_small_jpeg_ls_lossless.dcm", "image_dfl.dcm"):
        assert by_name[name].status == "loaded", (name, by_name[name])
    assert "12-bit" in by_name["JPGExtended.dcm"].reason and by_name["JPGExtended.dcm"].status == "refused"
    assert "less than expected" in by_name["MR_truncated.dcm"].reason
    assert "Rows and Columns missing" in by_name["meta_missing_tsyntax.dcm"].reason
    assert by_name["DICOMDIR"].status == "skipped" and "DICOMDIR" in by_name["DICOMDIR"].reason
    us = [s for s in series if any(sl.path.endswith("examples_rgb_color.dcm") for sl in s.slices)][0]
    assert us.colour and us.training_note == "not used for training: colour ultrasound"
    img = us.display(0)
    assert img.shape == (us.rows, us.cols, 3) and img.dtype == np.uint8 and img.std() > 0
    with pytest.raises(DataError, match="colour"):
        us.load_hu()
    dose = [s for s in series if any(sl.path.endswith("rtdose.dcm") for sl in s.slices)][0]
    assert len(dose.slices) == 15 and "RT dose" in dose.training_note and dose.slice_spacing
    hu, _ = dose.load_hu()
    assert hu.shape == (15, dose.rows, dose.cols) and np.isfinite(hu).all()
    assert any(s.trainable and s.modality == "CT" for s in series)


# Bytes 3073..3108 of pydicom's JPEG2000.dcm overwritten (inside its pixel fragment): python-gdcm
# aborts the process on this file (C++ exception out of the decoder: SIGABRT).
_J2K_CRASH_AT, _J2K_CRASH = 3073, bytes.fromhex("0aa10b4bdcd78d8ab947c8ec8957e24619f2d2b9737d20290250945229084df82e59ce6b")


def test_a_decoder_that_aborts_names_the_file_and_the_load_goes_on(tmp_path):
    from pydicom.data import get_testdata_file
    raw = bytearray(Path(get_testdata_file("JPEG2000.dcm")).read_bytes())
    raw[_J2K_CRASH_AT:_J2K_CRASH_AT + len(_J2K_CRASH)] = _J2K_CRASH
    (tmp_path / "broken-j2k.dcm").write_bytes(bytes(raw))
    (tmp_path / "good.dcm").write_bytes(Path(get_testdata_file("CT_small.dcm")).read_bytes())
    series, outcomes = scan_folder(tmp_path)  # in this process: were gdcm run here, pytest would die
    got = {Path(o.file).name: o for o in outcomes}
    assert got["broken-j2k.dcm"].status == "refused"
    assert "decoder crashed (JPEG 2000" in got["broken-j2k.dcm"].reason
    assert got["good.dcm"].status == "loaded" and len(series) == 1
    again = tmp_path / "again"
    again.mkdir()
    for f in ("broken-j2k.dcm", "good.dcm"):
        (again / f).write_bytes((tmp_path / f).read_bytes())
    series, outcomes = scan_folder(again)  # the helper is restarted for the next folder
    assert [o.status for o in outcomes] == ["refused", "loaded"]


def test_lying_header_is_refused_before_anything_is_allocated(tmp_path):
    import tracemalloc

    import pydicom
    from pydicom.data import get_testdata_file
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.Rows = ds.Columns = 60000
    ds.save_as(tmp_path / "huge.dcm")
    tracemalloc.start()
    _, outcomes = scan_folder(tmp_path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert outcomes[0].status == "refused" and "60000 x 60000" in outcomes[0].reason
    assert peak < 64 << 20


def test_empty_and_odd_tags_and_no_preamble(tmp_path):
    """SliceThickness present but empty, PixelSpacing with one value, a window of text: defaults
    with notes. A file with no preamble and no file meta is read forced, with a warning line."""
    import pydicom
    from pydicom.data import get_testdata_file
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns about the bad value we write on purpose
        ds.SliceThickness = None
        ds.PixelSpacing = [0.5]
        ds.add_new(0x00281050, "LO", "abc")  # WindowCenter written as text
        ds.save_as(tmp_path / "odd.dcm")
    bare = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    bare.SeriesInstanceUID = pydicom.uid.generate_uid()
    bare.preamble = None
    del bare.file_meta  # the dataset alone: no 128-byte preamble, no "DICM", no file meta
    pydicom.dcmwrite(tmp_path / "bare", bare, implicit_vr=True, little_endian=True)
    assert (tmp_path / "bare").read_bytes()[128:132] != b"DICM"
    series, outcomes = scan_folder(tmp_path)
    got = {Path(o.file).name: o for o in outcomes}
    assert got["odd.dcm"].status == "loaded" and got["bare"].status == "loaded"
    assert "read forced" in got["bare"].reason
    odd = [s for s in series if s.slices[0].path.endswith("odd.dcm")][0]
    assert odd.pixel_spacing == (1.0, 1.0) and any("PixelSpacing" in n for n in odd.notes)


def test_an_unchanged_folder_is_not_read_again_and_a_changed_one_is(tmp_path, monkeypatch):
    from pydicom.data import get_testdata_file

    import lab.data.dicom as dicom
    (tmp_path / "a.dcm").write_bytes(Path(get_testdata_file("CT_small.dcm")).read_bytes())
    reads = []
    real = dicom.read_image
    monkeypatch.setattr(dicom, "read_image", lambda p, *a: (reads.append(p), real(p, *a))[1])
    s1, _ = scan_folder(tmp_path)
    s2, _ = scan_folder(tmp_path)
    assert len(reads) == 1 and s1[0] is s2[0]
    with pytest.raises(ValueError):  # what is remembered cannot be changed by one experiment for the next
        s1[0].slices[0].pixels[0, 0] = 1
    (tmp_path / "b.dcm").write_bytes(Path(get_testdata_file("MR_small.dcm")).read_bytes())
    s3, _ = scan_folder(tmp_path)
    assert len(reads) == 3 and len(s3) == 2


def test_tags_read_from_raw_bytes_equal_pydicoms_own_conversion():
    """The plain VRs (binary numbers, decimal and integer strings, code strings, ASCII UIDs and short
    texts) are read from the
    element's bytes without pydicom's conversion: over every file of pydicom's test set, big-endian
    and implicit VR included, each tag reads the same as through pydicom."""
    import warnings

    import pydicom

    from lab.data.dicom_read import quiet
    from lab.data.dicom_tags import _SLOW, Tags, _fast_value
    names = ("Rows", "Columns", "BitsAllocated", "SamplesPerPixel", "NumberOfFrames", "InstanceNumber",
             "PixelSpacing", "SliceThickness", "ImagePositionPatient", "ImageOrientationPatient", "RescaleSlope",
             "RescaleIntercept", "WindowCenter", "WindowWidth", "Modality", "PhotometricInterpretation", "ImageType",
             "PixelPaddingValue", "DoseGridScaling", "GridFrameOffsetVector", "SeriesInstanceUID",
             "StudyInstanceUID", "SeriesDescription", "PatientID", "StationName", "Manufacturer")
    compared = 0
    for f in sorted(_pydicom_files().iterdir()):
        try:
            with quiet():
                ds = pydicom.dcmread(f, force=True)
        except Exception:  # noqa: BLE001 — files pydicom cannot parse at all are not this test's business
            continue
        for name in names:
            fast = _fast_value(ds, name)
            if fast is _SLOW or fast is None:
                continue
            with warnings.catch_warnings(), quiet():
                warnings.simplefilter("ignore")
                try:
                    slow = ds.get(name)
                except Exception:  # noqa: BLE001 — pydicom cannot convert it: the fast path must not either
                    raise AssertionError(f"{f.name} {name}: read {fast!r}, pydicom cannot convert it")
            as_list = lambda v: list(v) if isinstance(v, (list, tuple, pydicom.multival.MultiValue)) else [v]  # noqa: E731
            a, b = as_list(fast), as_list(slow)
            assert len(a) == len(b), (f.name, name, fast, slow)
            for x, y in zip(a, b):
                assert (str(x).strip() == str(y).strip()) if isinstance(y, str) else float(x) == pytest.approx(float(y)), \
                    (f.name, name, fast, slow)
            compared += 1
    assert compared > 500
    t = Tags(pydicom.dcmread(_pydicom_files() / "CT_small.dcm"))
    assert t.floats("PixelSpacing", 2) and t.int("Rows", 0) == 128 and "ORIGINAL" in t.strs("ImageType")
