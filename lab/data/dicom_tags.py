"""The one place that reads tags from a DICOM header. Every tag is treated as possibly missing, empty,
multi-valued or of the wrong type: each read returns a usable value, and when it had to fall back it
says so in ``notes`` (the reason a user sees: "SliceThickness empty: spacing from positions").

Geometry lives in three places in real files: top-level tags (classic CT/MR), the per-frame and shared
functional groups of enhanced multi-frame objects, and RT dose grids (DoseGridScaling,
GridFrameOffsetVector). ``Geometry.read`` looks in all of them."""

from dataclasses import dataclass, field

_EMPTY = (None, "", b"")
_SLOW = object()     # "let pydicom convert this element"
_BINARY = {"US": "H", "SS": "h", "UL": "L", "SL": "l", "FL": "f", "FD": "d"}
_TEXT = ("DS", "IS", "CS", "UI", "LO", "SH")   # read the fast way when their bytes are plain ASCII, which
#                                              every character set a file may declare decodes the same
_TAGS = {}           # keyword -> tag number


def _element(ds, tag):
    """The stored element of ``tag`` (raw or converted), None when absent, _SLOW when this dataset
    is not a plain pydicom Dataset. Reads pydicom's tag dictionary directly: ``get_item`` converts
    the key and checks for deferred reads on every call (a deferred element, value None, is left to
    the slow path, which reads it)."""
    d = getattr(ds, "_dict", None)
    if not isinstance(d, dict):
        return _SLOW if not hasattr(ds, "get_item") else ds.get_item(tag)
    return d.get(tag)


def _fast_value(ds, name):
    """The value of a not yet converted element of a few plain VRs, read from its bytes (binary
    numbers by pydicom's ``convert_numbers``; decimal and integer strings; code strings, UIDs and
    short texts in plain ASCII), or _SLOW.
    pydicom converts an element on first access through its hooks and value classes, ~20 µs each:
    a third of a series' load went there. Anything unusual (a VR not listed, bytes that do not
    parse) goes the slow way, so a malformed element is reported exactly as before."""
    tag = _TAGS.get(name)
    if tag is None:
        from pydicom.datadict import tag_for_keyword
        from pydicom.tag import Tag
        number = tag_for_keyword(name)
        tag = _TAGS[name] = _SLOW if number is None else Tag(number)
    if tag is _SLOW:
        return _SLOW
    elem = _element(ds, tag)
    if elem is None:
        return None
    if elem is _SLOW or elem.__class__ is not _pydicom("raw") or elem.value is None:
        return _SLOW
    try:
        vr = elem.VR or _pydicom("vr")(tag)
        raw = elem.value
        if vr in _BINARY:
            v = _pydicom("numbers")(raw, elem.is_little_endian, _BINARY[vr])
            return list(v) if not isinstance(v, (int, float, str)) else v
        if vr not in _TEXT or not raw.isascii() or b"\x1b" in raw:   # ESC: an ISO 2022 character set
            return _SLOW
        parts = [x.strip(" \x00") for x in raw.decode("ascii").split("\\")]
        if not any(parts):
            return None
        vals = [float(x) for x in parts] if vr in ("DS", "IS") else parts
        return vals[0] if len(vals) == 1 else vals
    except Exception:  # noqa: BLE001 — bytes that do not parse: pydicom's slow path reports them
        return _SLOW


_PYDICOM = {}


def _pydicom(name):
    """pydicom's RawDataElement class, dictionary_VR and convert_numbers, imported once (pydicom
    loads only when a DICOM file is read)."""
    if not _PYDICOM:
        from pydicom.datadict import dictionary_VR
        from pydicom.dataelem import RawDataElement
        from pydicom.values import convert_numbers
        _PYDICOM.update(raw=RawDataElement, vr=dictionary_VR, numbers=convert_numbers)
    return _PYDICOM[name]


class Tags:
    """Safe reads from one dataset (or functional-group item). ``notes`` collects the fallbacks."""

    def __init__(self, ds, notes=None):
        self.ds = ds
        self.notes = [] if notes is None else notes
        self._seen = {}                      # name -> value: looked up and decoded once per reader

    def raw(self, name):
        """The value, or None when the tag is missing, empty or cannot even be decoded."""
        if name in self._seen:
            return self._seen[name]
        try:
            v = _fast_value(self.ds, name)
            if v is _SLOW:
                v = self.ds.get(name)        # one keyword lookup (``in`` then ``[]`` costs two)
        except Exception:  # noqa: BLE001 — a malformed element is one more kind of missing
            self.notes.append(f"{name} unreadable")
            v = None
        if v in _EMPTY or (hasattr(v, "__len__") and not isinstance(v, (str, bytes)) and len(v) == 0):
            v = None
        self._seen[name] = v
        return v

    def float(self, name, default, say=True):
        v = self.raw(name)
        if v is None:
            if say and name in self.ds:
                self.notes.append(f"{name} empty: {default} assumed")
            return default
        v = _first(v)
        try:
            return float(v)
        except (TypeError, ValueError):
            self.notes.append(f"{name} not a number ({str(v)[:20]!r}): {default} assumed")
            return default

    def int(self, name, default, say=True):
        x = self.float(name, None, say)
        if x is None or x != x or abs(x) > 2 ** 62:
            return default
        return int(x)

    def floats(self, name, n):
        """A tuple of ``n`` floats, or None (with a note when the tag is there but unusable)."""
        v = self.raw(name)
        if v is None:
            return None
        vals = list(v) if isinstance(v, (list, tuple)) or hasattr(v, "__iter__") and not isinstance(v, (str, bytes)) \
            else [v]
        try:
            out = tuple(float(x) for x in vals)
        except (TypeError, ValueError):
            self.notes.append(f"{name} not numbers: ignored")
            return None
        if len(out) != n or any(x != x for x in out):
            self.notes.append(f"{name} has {len(out)} values, {n} expected: ignored")
            return None
        return out

    def str(self, name, default=""):
        v = self.raw(name)
        if v is None:
            return default
        v = _first(v) if not isinstance(v, (str, bytes)) else v
        return (v.decode("latin-1", "replace") if isinstance(v, bytes) else str(v)).strip()

    def strs(self, name):
        v = self.raw(name)
        if v is None:
            return ()
        return tuple(str(x) for x in v) if not isinstance(v, (str, bytes)) else (str(v),)

    def item(self, name):
        """The first item of a sequence tag, as Tags sharing these notes, or None."""
        v = self.raw(name)
        try:
            return Tags(v[0], self.notes) if v is not None else None
        except (TypeError, IndexError):
            return None


def _first(v):
    try:
        return v[0] if not isinstance(v, (str, bytes)) and hasattr(v, "__getitem__") else v
    except (IndexError, TypeError):
        return v


def _group(tags, frame, seq):
    """The first item of functional-group sequence ``seq`` for ``frame`` (per-frame, then shared)."""
    per = tags.raw("PerFrameFunctionalGroupsSequence")
    if per is not None and frame is not None:
        try:
            g = Tags(per[frame], tags.notes).item(seq)
        except (IndexError, TypeError):
            g = None
        if g is not None:
            return g
    shared = tags.item("SharedFunctionalGroupsSequence")
    return shared.item(seq) if shared is not None else None


@dataclass
class Geometry:
    """What a loader needs from a header, every field usable whatever the file held."""

    rows: int
    cols: int
    frames: int
    samples: int
    bits_allocated: int
    photometric: str
    modality: str
    pixel_spacing: tuple = (1.0, 1.0)
    orientation: tuple | None = None
    position: tuple | None = None
    slice_thickness: float | None = None
    slope: float = 1.0
    intercept: float = 0.0
    rescale_given: bool = False
    window: tuple | None = None          # (center, width)
    frame_offsets: tuple | None = None   # RT dose: z offsets of the frames
    notes: list = field(default_factory=list)

    @property
    def pixel_bytes(self):
        """Bytes the decoded pixels take (what the memory guard checks before decoding)."""
        return self.rows * self.cols * max(self.frames, 1) * max(self.samples, 1) * max(self.bits_allocated // 8, 1)

    @classmethod
    def read(cls, ds, frame=None):
        t = Tags(ds)
        g = cls(rows=t.int("Rows", 0), cols=t.int("Columns", 0), frames=max(t.int("NumberOfFrames", 1), 1),
                samples=max(t.int("SamplesPerPixel", 1), 1), bits_allocated=t.int("BitsAllocated", 16),
                photometric=t.str("PhotometricInterpretation", "MONOCHROME2").upper(),
                modality=t.str("Modality").upper(), notes=t.notes)
        measures = _group(t, frame, "PixelMeasuresSequence")
        spacing = (measures.floats("PixelSpacing", 2) if measures else None) or t.floats("PixelSpacing", 2) \
            or t.floats("ImagerPixelSpacing", 2)
        if spacing is None or min(spacing) <= 0:
            g.notes.append("no PixelSpacing: 1 mm assumed")
        else:
            g.pixel_spacing = spacing
        thick = measures.float("SliceThickness", None) if measures else None
        thick = thick if thick is not None else t.float("SliceThickness", None)
        g.slice_thickness = thick if thick and thick > 0 else None
        plane = _group(t, frame, "PlaneOrientationSequence")
        orient = (plane.floats("ImageOrientationPatient", 6) if plane else None) or t.floats("ImageOrientationPatient", 6)
        if orient is not None and sum(x * x for x in orient) > 1e-6:
            g.orientation = tuple(round(x, 3) for x in orient)
        pos = _group(t, frame, "PlanePositionSequence")
        g.position = (pos.floats("ImagePositionPatient", 3) if pos else None) or t.floats("ImagePositionPatient", 3)
        g.slope, g.intercept, g.rescale_given = _rescale(t, frame)
        if g.modality == "RTDOSE":
            g.slope, g.intercept, g.rescale_given = t.float("DoseGridScaling", 1.0), 0.0, True
            offsets = t.raw("GridFrameOffsetVector")
            if offsets is not None and g.frames > 1:
                g.frame_offsets = t.floats("GridFrameOffsetVector", g.frames)
        c, w = t.float("WindowCenter", None, say=False), t.float("WindowWidth", None, say=False)
        if c is not None and w is not None and w > 0:
            g.window = (c, w)
        return g


def _rescale(t, frame):
    """(slope, intercept, given): per-frame or shared functional groups first, then top level."""
    trans = _group(t, frame, "PixelValueTransformationSequence")
    for src in (trans, t):
        if src is not None and (src.raw("RescaleSlope") is not None or src.raw("RescaleIntercept") is not None):
            slope = src.float("RescaleSlope", 1.0)
            if slope == 0 or slope != slope:
                t.notes.append("RescaleSlope 0: 1 assumed")
                slope = 1.0
            return slope, src.float("RescaleIntercept", 0.0), True
    return 1.0, 0.0, False


def ensure_transfer_syntax(ds):
    """Files without file meta (no preamble) or without a transfer syntax in it: take the encoding
    the reader found (READING.md §2). Returns True when it had to."""
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

    meta = getattr(ds, "file_meta", None)
    if meta is not None and meta.get("TransferSyntaxUID"):
        return False
    ds.file_meta = meta if meta is not None else FileMetaDataset()
    implicit, little = getattr(ds, "original_encoding", (True, True))
    ds.file_meta.TransferSyntaxUID = (ImplicitVRLittleEndian if implicit else
                                      ExplicitVRLittleEndian if little else ExplicitVRBigEndian)
    return True
