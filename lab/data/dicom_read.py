"""One DICOM file in: its header, its decoded pixels, or the reason it gives none.

Every file ends as one of three outcomes, the words ``python -m lab inspect`` and the CT tab use:
- **loaded**: an image whose pixels decoded (grey, colour, palette, multi-frame, RT dose);
- **skipped** (reason): not an image — empty, not DICOM, a DICOMDIR, no pixel data (SR, RT plan…);
- **refused** (reason): an image we will not or cannot decode — a header claiming more pixels than
  the memory guard allows, pixel data no decoder can read, a decoder that crashed or timed out.

Decoders (READING.md §1): uncompressed data goes through NumPy; compressed data through the plugins
that run safely in this process (pylibjpeg-openjpeg / -rle, pyjpegls, Pillow, pydicom's RLE), and
only what none of them can decode goes to python-gdcm, in the helper process of ``isolated.py``."""

import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError, one_line
from .dicom_tags import Geometry, Tags, ensure_transfer_syntax

MAX_PIXEL_BYTES = 3 << 29   # 1.5 GiB of decoded pixels per file; more is refused before decoding
DEFER = 4 << 20             # elements larger than this stay on disk until the guard has passed
SAFE_PLUGINS = ("pylibjpeg", "pyjpegls", "pillow", "pydicom")


class Refused(DataError):
    """An image that will not be decoded (the reason is the message)."""


class NeedsHelper(Exception):
    """Raised instead of using the gdcm helper where ``HELPER_HERE`` is False (a reader process,
    ``read_workers.py``): that file is read again by the process that owns the helper."""


HELPER_HERE = True


@dataclass
class DicomImage:
    path: str
    ds: object                 # the header (pixel data dropped once decoded)
    geometry: Geometry
    pixels: np.ndarray         # stored values: (rows, cols[, 3]) or (frames, rows, cols[, 3])
    warnings: list = field(default_factory=list)

    @property
    def colour(self):
        return _is_colour(self.pixels, self.geometry)


def _is_colour(arr, g):
    return arr.ndim >= 3 and arr.shape[-1] == 3 and (g.samples == 3 or g.photometric == "PALETTE COLOR")


@contextmanager
def quiet():
    """pydicom warns about every oddity of real files; we report what matters ourselves. Its value
    validation (in its default WARN mode) only produces those discarded warnings, the values are the
    same without it, so it is switched off while we read: a third of a series' load time."""
    import pydicom.config as config

    before = config.settings.reading_validation_mode
    config.settings.reading_validation_mode = config.IGNORE
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        config.settings.reading_validation_mode = before


def read_header(path, size=None):
    """(dataset, warnings). Skips (DataError) what is no image; never lets a parser error out.
    ``size``: the file's size when known; a file no bigger than DEFER has nothing to defer, and
    pydicom parses 10 % faster when it does not check every element for deferral."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    notes = []
    defer = None if size is not None and size <= DEFER else DEFER
    try:
        with quiet():
            try:
                ds = pydicom.dcmread(path, defer_size=defer)
            except InvalidDicomError:
                ds = pydicom.dcmread(path, defer_size=defer, force=True)
                notes.append("no DICOM preamble/header: read forced")
    except MemoryError:
        raise DataError("not DICOM (the parser ran out of memory)") from None
    except Exception as e:  # noqa: BLE001 — parsers of damaged bytes raise anything; the file is named
        raise DataError(f"not DICOM ({type(e).__name__}: {str(e)[:120]})") from None
    try:
        if "DirectoryRecordSequence" in ds:
            raise DataError("DICOMDIR (an index of a CD export; its images are separate files)")
        if "PixelData" not in ds:
            if len(ds) < 3:
                raise DataError("not DICOM (no DICOM elements found)")
            sop = Tags(ds).raw("SOPClassUID")
            raise DataError(f"no pixel data ({getattr(sop, 'name', sop) or 'no SOP class'})")
        t = Tags(ds)
        missing = [k for k in ("Rows", "Columns") if t.int(k, 0, say=False) <= 0]
        if missing:
            raise DataError(f"not an image: {' and '.join(missing)} missing or zero")
        if ensure_transfer_syntax(ds):
            notes.append("no transfer syntax in the file meta: "
                         f"{ds.file_meta.TransferSyntaxUID.name} assumed")
        if "SOPClassUID" not in ds:
            notes.append("no SOPClassUID")
    except DataError:
        raise
    except Exception as e:  # noqa: BLE001 — a header damaged where we looked
        raise DataError(f"malformed header ({type(e).__name__}: {str(e)[:120]})") from None
    return ds, notes


def guard(g):
    """Refuse before decoding anything a header claims that we will not allocate."""
    if g.pixel_bytes > MAX_PIXEL_BYTES:
        raise Refused(f"header claims {g.frames} x {g.rows} x {g.cols} x {g.samples} pixels "
                      f"({g.pixel_bytes / 2**30:.1f} GiB, limit {MAX_PIXEL_BYTES / 2**30:.1f} GiB): not decoded")
    if g.samples not in (1, 3):
        raise Refused(f"{g.samples} samples per pixel (1 or 3 are images)")


def _licence_hint(text):
    if "12-bit precision" in text:
        return (" — 12-bit JPEG Extended needs pylibjpeg-libjpeg, whose GPL-3.0 licence does not fit "
                "NumPy Lab's MIT licence, so it is not installed")
    return ""


def decode(ds, path, g):
    """Decoded pixels, colour converted to RGB (YBR and palette colour included)."""
    from pydicom.pixels import get_decoder, pixel_array

    ts = ds.file_meta.TransferSyntaxUID
    codec = getattr(ts, "name", str(ts))
    try:
        decoder = get_decoder(ts)
    except NotImplementedError:
        raise Refused(f"unknown transfer syntax {ts}") from None
    errors, native = [], {}
    if not decoder.is_encapsulated:
        plugins = [""]
        # native data: a read-only view on the bytes just read, not a copy — where one can be had
        # (pydicom copies, and logs that it did, when unused high bits must be cleared)
        native = {"view_only": Tags(ds).int("BitsStored", 0, say=False) == g.bits_allocated}
    else:
        plugins = [p for p in SAFE_PLUGINS if p in decoder.available_plugins]
    for plugin in plugins:
        try:
            with quiet():
                arr = pixel_array(ds, decoding_plugin=plugin, **native)
            break
        except MemoryError:
            raise Refused("not enough memory to decode") from None
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:  # noqa: BLE001 — decoders raise many types (a Rust panic is a BaseException)
            errors.append(one_line(e))
    else:
        if "gdcm" in decoder.available_plugins:
            if not HELPER_HERE:
                raise NeedsHelper(codec)
            from .isolated import DecodeFailed, shared_decoder
            try:
                arr = shared_decoder().decode(path, codec)
            except DecodeFailed as e:
                tried = "; ".join(errors + [str(e)])
                raise Refused(f"pixel data in {codec} cannot be decoded ({tried})" + _licence_hint(tried)) from None
            except DataError as e:  # the helper crashed or timed out
                raise Refused(str(e)) from None
        elif errors:
            raise Refused(f"pixel data in {codec} cannot be decoded ({errors[0]})" + _licence_hint(errors[0]))
        else:
            raise Refused(f"pixel data in {codec}: no decoder installed for it")
    if g.photometric == "PALETTE COLOR":
        from pydicom.pixels import apply_color_lut
        try:
            arr = apply_color_lut(arr, ds)
        except Exception as e:  # noqa: BLE001
            raise Refused(f"palette colour image with a damaged lookup table ({type(e).__name__})") from None
    colour = _is_colour(arr, g)
    core = arr.shape[-3:-1] if colour else arr.shape[-2:]
    if core != (g.rows, g.cols) or arr.ndim > 3 + colour:
        raise Refused(f"decoded pixels of shape {arr.shape} for a {g.rows} x {g.cols} header")
    return arr


def read_image(path, size=None):
    """A DicomImage, or DataError (skipped) / Refused with the reason. Never another exception.
    ``size``: the file's size, when the caller knows it (see ``read_header``)."""
    ds, notes = read_header(path, size)
    try:
        with quiet():
            g = Geometry.read(ds, frame=0)
    except Exception as e:  # noqa: BLE001
        raise DataError(f"malformed header ({type(e).__name__}: {str(e)[:120]})") from None
    guard(g)
    if "NumberOfFrames" in ds and Tags(ds).int("NumberOfFrames", None, say=False) is None:
        ds.NumberOfFrames = g.frames  # unreadable (badVR): the decoder counts frames from the data
    pixels = decode(ds, path, g)
    if pixels.ndim == (4 if _is_colour(pixels, g) else 3) and len(pixels) != g.frames:
        notes.append(f"NumberOfFrames wrong: {len(pixels)} frames in the pixel data")
        g.frames = len(pixels)
        if g.modality == "RTDOSE":
            g.frame_offsets = Tags(ds, g.notes).floats("GridFrameOffsetVector", g.frames)
    try:
        del ds.PixelData  # the header is kept per file; the pixels live in ``pixels``
    except (AttributeError, KeyError):
        pass
    return DicomImage(str(path), ds, g, pixels, notes + g.notes)
