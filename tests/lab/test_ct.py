import json

import numpy as np
import pydicom
import pytest

from lab.cli import main
from lab.experiments import load_checkpoint, save_checkpoint
from lab.experiments.ct import CTExperiment
from lab.nn.cnn import cnn_backward, cnn_forward, init_cnn
from lab.nn.gradcheck import eval_numerical_gradient_array, rel_error


def test_cnn_gradients():
    rng = np.random.default_rng(0)
    p = init_cnn([1, 3, 2, 1], rng=rng, dtype=np.float64)
    x = rng.standard_normal((2, 1, 5, 5))
    dout = rng.standard_normal((2, 1, 5, 5))
    _, caches = cnn_forward(x, p)
    dx, grads = cnn_backward(dout, caches, need_dx=True)
    f = lambda: cnn_forward(x, p)[0]  # noqa: E731
    assert rel_error(dx, eval_numerical_gradient_array(f, x, dout)) < 1e-6
    for k in p:
        assert rel_error(grads[k], eval_numerical_gradient_array(f, p[k], dout)) < 1e-6, k


def quick(**kw):
    return CTExperiment(CTExperiment.preset_config("quick", eval_every=5, patch=24, batch_size=4, **kw))


def test_phantom_steps_and_split():
    e = quick()
    s = e.slices
    assert len(s.test_ids) == 4 and len(s.train_ids) == 12 and not set(s.test_ids) & set(s.train_ids)
    s = e.step()
    for k in ("loss", "psnr_noisy", "psnr_denoised", "ssim_noisy", "ssim_denoised"):
        assert np.isfinite(s.metrics[k]), k
    assert s.arrays["clean"].shape == (256, 256) and 0 <= s.arrays["noisy"].min()
    # sigma = 50 HU in a 1500 HU window: PSNR of the noisy input near 20 log10(1500 / 50)
    assert 28 < s.metrics["psnr_noisy"] < 31


def test_checkpoint_exact(tmp_path):
    a = quick()
    a.step()
    save_checkpoint(a, tmp_path / "c.npz")
    a.step()
    b = load_checkpoint(tmp_path / "c.npz")
    b.step()
    for k in a.denoiser.params:
        np.testing.assert_array_equal(a.denoiser.params[k], b.denoiser.params[k])


def test_cli_writes_dicom_series(tmp_path, capsys):
    assert main(["run", "ct", "--preset", "quick", "--steps", "3", "--out", str(tmp_path)]) == 0
    final = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for k in ("psnr_noisy", "psnr_denoised", "ssim_noisy", "ssim_denoised"):
        assert k in final
    assert set(final["baselines"]) == {"total variation", "bilateral", "wavelet", "non-local means"}
    files = sorted((tmp_path / "denoised").rglob("*.dcm"))
    assert len(files) == 16 and len({f.parent for f in files}) == 1
    src = CTExperiment(CTExperiment.preset_config("quick"))
    ds = pydicom.dcmread(files[0])
    orig = pydicom.dcmread(src.slices.series[0].slices[0].path)
    assert ds.SeriesInstanceUID != orig.SeriesInstanceUID and ds.StudyInstanceUID == orig.StudyInstanceUID
    assert ds.SourceImageSequence[0].ReferencedSOPInstanceUID == orig.SOPInstanceUID
    assert list(ds.ImageType)[:2] == ["DERIVED", "SECONDARY"] and "NumPy Lab" in ds.SeriesDescription
    assert ds.ImagePositionPatient == orig.ImagePositionPatient and ds.PixelSpacing == orig.PixelSpacing
    assert ds.PatientID == orig.PatientID
    hu = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    assert hu.shape == (256, 256) and -1100 < hu.mean() < 0


def _check_one_derived_series_per_source(e, out):
    """Export, then read back with pydicom and with SimpleITK's series reader: one derived series per
    source series, each with its source's study, patient, frame of reference and geometry."""
    import SimpleITK as sitk

    from lab.export.dicom_series import write_denoised_series
    files = write_denoised_series(e, out)
    assert len(files) == sum(len(s.slices) for s in e.slices.series)
    folders = sorted({f.parent for f in files})
    assert len(folders) == len(e.slices.series)
    seen_series = set()
    for folder, src in zip(folders, e.slices.series):
        ids = sitk.ImageSeriesReader.GetGDCMSeriesIDs(str(folder))
        assert len(ids) == 1  # one series per folder, as a real series reader sees it
        names = sitk.ImageSeriesReader.GetGDCMSeriesFileNames(str(folder), ids[0])
        reader = sitk.ImageSeriesReader()
        reader.SetFileNames(names)
        img = reader.Execute()
        assert img.GetSize() == (src.cols, src.rows, len(src.slices))
        orig = pydicom.dcmread(src.slices[0].path)
        for k, name in enumerate(names):
            ds = pydicom.dcmread(name)
            o = pydicom.dcmread(src.slices[k].path) if k else orig
            for tag in ("StudyInstanceUID", "PatientID", "PatientName", "FrameOfReferenceUID",
                        "ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing"):
                assert ds.get(tag) == o.get(tag), tag
            assert ds.SourceImageSequence[0].ReferencedSOPInstanceUID == o.SOPInstanceUID
            assert list(ds.ImageType)[0] == "DERIVED"
            seen_series.add(ds.SeriesInstanceUID)
        assert np.allclose(img.GetSpacing()[:2], [float(x) for x in reversed(orig.PixelSpacing)])
    assert len(seen_series) == len(e.slices.series)


def test_real_chest_slices_split_by_patient(shared_data, tmp_path):
    e = CTExperiment(CTExperiment.preset_config("quick", data=str(shared_data / "dicom" / "chest-ct-axial")))
    _check_one_derived_series_per_source(e, tmp_path)
    test_patients = {e.slices.series[v].patient for v, _ in e.slices.test_ids}
    train_patients = {e.slices.series[v].patient for v, _ in e.slices.train_ids}
    assert len(test_patients) == 3 and not test_patients & train_patients
    assert e.slices.hu[0].min() >= -1100  # padding (-3024 / -2048) replaced by air


def test_real_series_export_keeps_geometry(shared_data, tmp_path):
    e = CTExperiment(CTExperiment.preset_config("quick", data=str(shared_data / "dicom" / "lung-ct-a0001")))
    _check_one_derived_series_per_source(e, tmp_path)


def test_exported_hu_round_trips_within_one_unit(tmp_path):
    """What the writer stores reads back (stored * slope + intercept) within 1 HU of the HU it
    meant to store, for every slice."""
    from lab.export.dicom_series import write_denoised_series
    from lab.imaging.noise import METRIC_WINDOW, window

    e = quick()
    files = write_denoised_series(e, tmp_path)
    rng = np.random.default_rng([e.config.seed, 9])  # the writer's noise stream, replayed
    for (v, i), f in zip([(0, k) for k in range(16)], files):
        noisy = e.slices.noisy(e.slices.hu[v][i], rng)
        _, r = e.denoise(window(noisy)[None])
        want = noisy - r[0] * (METRIC_WINDOW[1] - METRIC_WINDOW[0])
        ds = pydicom.dcmread(f)
        got = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
        inside = (want > -1024) & (want < 3071)  # the phantom's stored range
        assert np.abs(got - want)[inside].max() <= 1.0


def test_seed_autoencoder_gradients():
    from lab.nn.autoencoder import SeedAutoencoder
    rng = np.random.default_rng(0)
    ae = SeedAutoencoder(2, "tanh", rng)
    for k in ae.params:
        ae.params[k] = ae.params[k].astype(np.float64)
    x = rng.standard_normal((2, 1, 8, 8))
    dout = rng.standard_normal((2, 1, 8, 8))
    _, caches = ae.forward(x)
    dx, grads = ae.backward(dout, caches)
    f = lambda: ae.forward(x)[0]  # noqa: E731
    assert rel_error(dx, eval_numerical_gradient_array(f, x, dout)) < 1e-6
    for k in ("EW0", "Eb1", "EW2", "DW0", "Db1", "DW2"):
        assert rel_error(grads[k], eval_numerical_gradient_array(f, ae.params[k], dout)) < 1e-6, k


def test_seed_autoencoder_preset_runs():
    e = CTExperiment(CTExperiment.preset_config("seed-adam-5e-4", ae_size=32, eval_every=1, batch_size=2))
    s = e.step()
    assert np.isfinite(s.metrics["loss"]) and s.arrays["denoised"].shape == (256, 256)


def test_pydicom_ct_slice_alone_works(tmp_path, capsys):
    from pydicom.data import get_testdata_file
    path = get_testdata_file("CT_small.dcm")
    assert main(["run", "ct", "--preset", "quick", "--steps", "2", "--data", path, "--out", str(tmp_path)]) == 0
    final = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert final["test_slices"] == 1 and final["train_slices"] == 1
    assert len(list((tmp_path / "denoised").rglob("*.dcm"))) == 1


def test_classical_baselines_stop_when_asked():
    from lab.errors import Cancelled
    from lab.imaging.denoisers import run_baselines
    x = np.random.default_rng(0).uniform(0, 1, (2, 16, 16))
    with pytest.raises(Cancelled):
        run_baselines(x, x, should_stop=lambda: True)
    assert set(run_baselines(x[:1], x[:1], should_stop=lambda: False)) >= {"non-local means"}


def test_first_evaluation_reports_progress_and_a_stale_one_stops():
    """A load prepares the first view in the loader's thread: its held-out slices are denoised with
    progress shown, and a load the user has replaced stops there instead of finishing for nothing."""
    from lab.errors import Cancelled
    from lab.progress import reporting
    seen = []
    with reporting(lambda done, total, what: seen.append((done, total, what))):
        e = quick()
        e.prepare()
    denoising = [(d, t) for d, t, w in seen if w == "denoising the held-out slices"]
    assert denoising and denoising[-1][1] == len(e.slices.test_ids) and denoising[0][0] == 0
    e2 = quick()
    with reporting(cancelled=lambda: True), pytest.raises(Cancelled):
        e2.prepare()
    e2.step()                                            # outside a load nothing stops it
