"""A chest-like CT phantom series, generated deterministically and written as real DICOM files
(so the built-in default goes through the same reader as a user's folder): body outline with
fat and soft tissue, two lungs with vessels and a few nodules, heart and aorta, spine and ribs,
in realistic Hounsfield units."""

import numpy as np

from ..atomic import atomic_path
from ..progress import tick
from .builtin import cache_dir

PHANTOM_VERSION = "ct-phantom-v2"


def _ellipse(yy, xx, cy, cx, ry, rx):
    return ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1.0


def phantom_slice(z, size=256, rng=None):
    """One axial slice in HU at relative height z in [0, 1] (0: lung bases, 1: apices)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    hu = np.full((size, size), -1000.0, np.float32)
    body = _ellipse(yy, xx, 0.52, 0.5, 0.34, 0.45)
    hu[body] = -100.0                                              # subcutaneous fat
    hu[_ellipse(yy, xx, 0.52, 0.5, 0.31, 0.42)] = 40.0             # muscle / soft tissue
    lung_r = 0.19 + 0.05 * np.sin(np.pi * (0.25 + 0.6 * z))        # lungs widest mid-chest
    from skimage.filters import gaussian
    texture = gaussian(rng.standard_normal((size, size)), sigma=2.0).astype(np.float32) * 60.0
    for cx in (0.29, 0.71):
        lung = _ellipse(yy, xx, 0.48, cx, lung_r * 1.15, lung_r * 0.85)
        hu[lung] = -860.0 + texture[lung]                         # parenchyma: smooth, not pixel noise
        for _ in range(int(rng.integers(25, 40))):                 # vessels: small bright disks
            vy, vx = 0.48 + rng.uniform(-0.9, 0.9) * lung_r, cx + rng.uniform(-0.7, 0.7) * lung_r
            r = rng.uniform(0.004, 0.012)
            v = _ellipse(yy, xx, vy, vx, r, r) & lung
            hu[v] = 30.0
    for ny, nx, zc, r in ((0.42, 0.25, 0.55, 0.022), (0.56, 0.74, 0.35, 0.018), (0.47, 0.68, 0.75, 0.012)):
        rz = r * np.sqrt(max(0.0, 1 - ((z - zc) / 0.12) ** 2))      # nodules: spheres across a few slices
        if rz > 0:
            hu[_ellipse(yy, xx, ny, nx, rz, rz)] = 20.0
    hu[_ellipse(yy, xx, 0.52, 0.5, 0.13, 0.09)] = 40.0 + 10 * z    # heart / mediastinum
    hu[_ellipse(yy, xx, 0.45, 0.54, 0.035, 0.035)] = 50.0          # aorta
    spine = _ellipse(yy, xx, 0.75, 0.5, 0.055, 0.06)
    hu[spine] = 700.0
    hu[_ellipse(yy, xx, 0.75, 0.5, 0.04, 0.045)] = 250.0           # cancellous bone inside the cortex
    hu[_ellipse(yy, xx, 0.66, 0.5, 0.025, 0.05)] = 40.0            # spinal canal region
    for a in np.linspace(0.2, np.pi - 0.2, 7):                     # ribs around the body wall
        for side in (-1, 1):
            ry, rx = 0.52 + 0.33 * np.cos(a) * -1 * 0.9, 0.5 + side * 0.44 * np.sin(a) * 0.93
            hu[_ellipse(yy, xx, ry, rx, 0.016, 0.012) & body] = 800.0
    return hu


def ct_phantom_folder(n_slices=16, size=256, spacing_mm=1.4, thickness_mm=5.0):
    """Write the phantom series as DICOM files once into the cache; returns the folder."""
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    root = cache_dir() / f"{PHANTOM_VERSION}-{n_slices}-{size}"
    if (root / ".complete").exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    tag = f"{PHANTOM_VERSION}-{n_slices}-{size}"
    study = generate_uid(entropy_srcs=[tag, "study"])
    series = generate_uid(entropy_srcs=[tag, "series"])
    frame = generate_uid(entropy_srcs=[tag, "frame"])
    for k in range(n_slices):
        tick(k, n_slices, "generating the built-in CT phantom (first launch only)")
        hu = phantom_slice(k / max(1, n_slices - 1), size, np.random.default_rng([7, k]))
        stored = np.clip(np.round(hu + 1024), 0, 4095).astype(np.uint16)
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[tag, "sop", str(k)])
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.PatientName, ds.PatientID = "Phantom^Chest", "NUMPYLAB-PHANTOM"
        ds.Modality, ds.SeriesDescription, ds.StudyDescription = "CT", "NumPy Lab chest phantom", "Phantom"
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.Manufacturer = "NumPy Lab (generated)"
        ds.SeriesNumber, ds.InstanceNumber = 1, n_slices - k  # head first, like many scanners
        ds.ImagePositionPatient = [-size * spacing_mm / 2, -size * spacing_mm / 2, -200.0 + k * thickness_mm]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing = [spacing_mm, spacing_mm]
        ds.SliceThickness = thickness_mm
        ds.Rows, ds.Columns = size, size
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = -1024, 1, "HU"
        ds.WindowCenter, ds.WindowWidth = -600, 1500
        ds.PixelData = stored.tobytes()
        with atomic_path(root / f"IM{k:04d}") as tmp:  # no extension, like a CD export
            ds.save_as(tmp, enforce_file_format=True)
    (root / ".complete").write_text("ok\n")
    return root
