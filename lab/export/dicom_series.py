"""Write the denoised slices back to DICOM, one derived series per source series, so identities never mix.

For each source series: a new SeriesInstanceUID (and a SOP Instance UID per image, from pydicom's
generator); the source's StudyInstanceUID, patient attributes, FrameOfReferenceUID and geometry
(position, orientation, spacing) kept; ImageType DERIVED\\SECONDARY; a SeriesDescription naming the
model; a SourceImageSequence pointing at the image each slice was derived from; pixel values stored
back through RescaleSlope/Intercept (the HU round-trip is within half a unit of the slope). Each
derived series goes to its own subfolder, and each file is written atomically."""

import re
from pathlib import Path

import numpy as np

from ..data.dicom_read import quiet
from ..data.dicom_tags import ensure_transfer_syntax
from ..imaging.noise import METRIC_WINDOW, window
from ..nn.data_parallel import default_parts
from ..atomic import atomic_path

_DROP = ("NumberOfFrames", "LossyImageCompression", "LossyImageCompressionRatio", "LossyImageCompressionMethod",
         "PerFrameFunctionalGroupsSequence", "SharedFunctionalGroupsSequence", "FrameIncrementPointer")


def _folder_name(v, series):
    what = re.sub(r"[^A-Za-z0-9._-]+", "_", series.description or series.modality or "series").strip("_")[:40]
    return f"{v:03d}-{what or 'series'}"


def _denoised(experiment, v, rng):
    """(i, denoised HU) for each slice of volume v: new noise drawn slice by slice in order, then
    denoised a few slices at a time (one per core, bounded memory)."""
    slices = experiment.slices
    vol = slices.hu[v]
    step = default_parts()
    for a in range(0, len(vol), step):
        noisy_hu = np.stack([slices.noisy(vol[i], rng) for i in range(a, min(a + step, len(vol)))])
        _, r = experiment.denoise(window(noisy_hu))
        for j, (n, res) in enumerate(zip(noisy_hu, r)):
            yield a + j, n - res * (METRIC_WINDOW[1] - METRIC_WINDOW[0])   # the residual in HU, unclipped


def write_denoised_series(experiment, folder, description="NumPy Lab denoised (residual CNN)"):
    """Returns the written files. ``experiment`` is a CTExperiment over DICOM slices."""
    import pydicom
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    folder = Path(folder)
    rng = np.random.default_rng([experiment.config.seed, 9])
    written = []
    slices = experiment.slices
    for v, s in enumerate(slices.series):
        series_uid = generate_uid()
        out = folder / _folder_name(v, s)
        out.mkdir(parents=True, exist_ok=True)
        for i, hu in _denoised(experiment, v, rng):
            sl = s.slices[i]
            with quiet():
                ds = pydicom.dcmread(sl.path, force=True)
                ensure_transfer_syntax(ds)
            source_sop = (str(ds.get("SOPClassUID", "")), str(ds.get("SOPInstanceUID", "")))
            slope, intercept = sl.slope, sl.intercept
            signed = int(ds.get("PixelRepresentation", 0) or 0) == 1
            bits = min(int(ds.get("BitsStored", 16) or 16), 16)
            lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2 ** bits - 1)
            stored = np.clip(np.round((hu - intercept) / slope), lo, hi).astype(np.int16 if signed else np.uint16)
            for tag in _DROP:
                if tag in ds:
                    del ds[tag]
            ds.PixelData = stored.tobytes()
            ds["PixelData"].VR = "OW"
            ds.Rows, ds.Columns = stored.shape
            ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.SamplesPerPixel = 16, bits, bits - 1, 1
            ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
            if sl.position is not None:  # a frame of a multi-frame source: its own geometry, at top level
                ds.ImagePositionPatient = list(sl.position)
            if sl.orientation is not None:
                ds.ImageOrientationPatient = list(sl.orientation)
            ds.PixelSpacing = list(s.pixel_spacing)
            ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
            ds.SeriesInstanceUID = series_uid
            ds.SOPInstanceUID = generate_uid()
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            ds.InstanceNumber = i + 1
            ds.ImageType = ["DERIVED", "SECONDARY", "AXIAL"]
            ds.SeriesDescription = description
            ds.DerivationDescription = (f"{experiment.config.noise} noise added, denoised by a "
                                        f"{experiment.model_name} (NumPy Lab, {experiment.steps_done} training steps)")
            if all(source_sop):
                ref = Dataset()
                ref.ReferencedSOPClassUID, ref.ReferencedSOPInstanceUID = source_sop
                if sl.frame:
                    ref.ReferencedFrameNumber = sl.frame + 1
                ds.SourceImageSequence = Sequence([ref])
            path = out / f"{i + 1:04d}.dcm"
            with atomic_path(path) as tmp:
                ds.save_as(tmp, enforce_file_format=True)
            written.append(path)
    return written
