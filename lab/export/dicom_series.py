"""Write a denoised series back to DICOM: new Study/Series/SOP Instance UIDs from pydicom's
generator, ImageType DERIVED\\SECONDARY, a SeriesDescription naming the model, the original
geometry, spacing and patient/study attributes, and pixel values stored back through
RescaleSlope/Intercept (the HU round-trip is within half a unit of the slope)."""

from pathlib import Path

import numpy as np

from ..imaging.noise import METRIC_WINDOW, window
from .atomic import atomic_path


def write_denoised_series(experiment, folder, description="NumPy Lab denoised (residual CNN)"):
    import pydicom
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([experiment.config.seed, 9])
    study, series_uid = generate_uid(), generate_uid()
    written = []
    slices = experiment.slices
    for v, s in enumerate(slices.series):
        for i, sl in enumerate(s.slices):
            ds = pydicom.dcmread(sl.path, force=True)
            noisy_hu = slices.noisy(slices.hu[v][i], rng)
            _, r = experiment.denoise(window(noisy_hu)[None])
            hu = noisy_hu - r[0] * (METRIC_WINDOW[1] - METRIC_WINDOW[0])  # the residual in HU, unclipped
            slope, intercept = float(ds.get("RescaleSlope", 1.0)), float(ds.get("RescaleIntercept", 0.0))
            signed = int(ds.get("PixelRepresentation", 0)) == 1
            bits = int(ds.get("BitsStored", 16))
            lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2 ** bits - 1)
            stored = np.clip(np.round((hu - intercept) / slope), lo, hi).astype(np.int16 if signed else np.uint16)
            ds.PixelData = stored.tobytes()
            ds.BitsAllocated, ds.SamplesPerPixel = 16, 1
            ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
            for tag in ("NumberOfFrames", "LossyImageCompression"):
                if tag in ds:
                    del ds[tag]
            ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series_uid
            ds.SOPInstanceUID = generate_uid()
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            ds.ImageType = ["DERIVED", "SECONDARY", "AXIAL"]
            ds.SeriesDescription = description
            ds.DerivationDescription = (f"{experiment.config.noise} noise added, denoised by a "
                                        f"{experiment.model_name} (NumPy Lab, {experiment.steps_done} training steps)")
            path = folder / f"{v:03d}-{i:04d}.dcm"
            with atomic_path(path) as tmp:
                ds.save_as(tmp, enforce_file_format=True)
            written.append(path)
    return written
