"""SVG figures as a paper needs them: raster panels embedded in an SVG (images, heat maps) are scaled
up by whole pixels (nearest neighbour) so that no renderer smooths a 10 × 10 confusion matrix into a
blur; the displayed size is unchanged and ``image-rendering`` asks for crisp pixels too."""

import base64
import io
import re

from PIL import Image

_IMAGE = re.compile(rb'(<image\b[^>]*?xlink:href=")data:image/png;base64,([A-Za-z0-9+/=\s]+)(")')


def sharpen_images(svg: bytes, min_side=1024, max_pixels=16_000_000) -> bytes:
    """Every embedded PNG made at least ``min_side`` pixels on its long side by an integer nearest-
    neighbour factor (at most ``max_pixels``), marked ``image-rendering: pixelated``."""

    def fix(m):
        with Image.open(io.BytesIO(base64.b64decode(m.group(2)))) as src:
            img = src.copy()
        w, h = img.size
        k = max(1, -(-min_side // max(w, h, 1)))
        while k > 1 and w * h * k * k > max_pixels:
            k -= 1
        if k > 1:
            img = img.resize((w * k, h * k), Image.NEAREST)
        out = io.BytesIO()
        img.save(out, format="PNG", optimize=True)
        data = base64.b64encode(out.getvalue())
        crisp = b"" if b"style=" in m.group(1) else b' style="image-rendering:pixelated"'
        return m.group(1) + b"data:image/png;base64," + data + m.group(3) + crisp

    return _IMAGE.sub(fix, svg)
