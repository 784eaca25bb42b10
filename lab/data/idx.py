"""IDX files (the MNIST format), raw or gzip-compressed.

Layout: 2 zero bytes, a type code, the number of dimensions, then one big-endian uint32 per
dimension, then the data in big-endian order. https://yann.lecun.com/exdb/mnist/
"""

import gzip
import io
import math
import zlib
from pathlib import Path

import numpy as np

from ..errors import DataError, read_input

IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
MAX_ELEMENTS = 2_000_000_000  # refuse headers that claim absurd sizes before allocating


MAX_BYTES = 1 << 31  # a gzip stream that inflates past this is refused (a decompression bomb)


def _inflate(raw):
    out = []
    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as f:
        total = 0
        while chunk := f.read(1 << 24):
            total += len(chunk)
            if total > MAX_BYTES:
                raise DataError(f"inflates to more than {MAX_BYTES >> 30} GiB; refusing to decompress it")
            out.append(chunk)
    return b"".join(out)


def _read_bytes(path):
    raw = read_input(path, "an IDX file")
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = _inflate(raw)
        except DataError as e:
            raise DataError(f"{path}: the gzip stream {e}") from None
        except EOFError:
            raise DataError(f"{path}: the gzip stream is truncated (the download was probably cut short)") from None
        except (OSError, zlib.error) as e:
            raise DataError(f"{path}: not a valid gzip file ({e})") from None
    return raw


def read_idx(path):
    """Read an IDX file into a NumPy array of its native type (uint8 for MNIST)."""
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise DataError(f"{path}: too short to be an IDX file ({len(raw)} bytes)")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_TYPES:
        raise DataError(f"{path}: wrong magic number {raw[:4].hex()} (an IDX file starts with "
                        f"00 00, a type code in {[hex(t) for t in IDX_TYPES]} and a dimension count)")
    ndim = raw[3]
    if not 1 <= ndim <= 8:
        raise DataError(f"{path}: the header declares {ndim} dimensions (an IDX file has 1 to 8)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: truncated inside the header ({len(raw)} bytes, header needs {header})")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    dtype = np.dtype(IDX_TYPES[raw[2]])
    count = math.prod(shape)  # Python integers: a lying header cannot overflow it
    if count > MAX_ELEMENTS:
        raise DataError(f"{path}: the header claims {' x '.join(map(str, shape))} elements; refusing to allocate")
    need = header + count * dtype.itemsize
    if len(raw) < need:
        raise DataError(f"{path}: truncated: the header says {' x '.join(map(str, shape))} "
                        f"({count * dtype.itemsize} bytes of data) but the file holds {len(raw) - header}")
    data = np.frombuffer(raw, dtype, count=count, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def write_idx(path, array):
    """Write an array as an IDX file (``.gz`` suffix compresses). Used by tests and tools."""
    array = np.asarray(array)
    codes = {np.dtype(v).newbyteorder("="): k for k, v in IDX_TYPES.items()}
    code = codes[array.dtype]
    body = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    body += array.astype(array.dtype.newbyteorder(">")).tobytes()
    if str(path).endswith(".gz"):
        body = gzip.compress(body, compresslevel=6, mtime=0)
    Path(path).write_bytes(body)
