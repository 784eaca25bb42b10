"""Images as files, without Qt: image grids, PNG and animated GIF, written atomically."""

import numpy as np
from PIL import Image

from ..atomic import atomic_path


def tile_grid(images, cols=None, pad=2, pad_value=0.3):
    """(N, H, W) -> one (rows*(H+pad)-pad, cols*(W+pad)-pad) image, row-major order."""
    images = np.asarray(images)
    n, h, w = images.shape[:3]
    cols = cols or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    out = np.full((rows * (h + pad) - pad, cols * (w + pad) - pad) + images.shape[3:], pad_value, images.dtype)
    for i in range(n):  # at most a few hundred tiles: a copy each, not a per-pixel loop
        r, c = divmod(i, cols)
        out[r * (h + pad): r * (h + pad) + h, c * (w + pad): c * (w + pad) + w] = images[i]
    return out


def to_uint8(img, lo=0.0, hi=1.0):
    img = (np.asarray(img, np.float32) - lo) / max(hi - lo, 1e-12)
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def save_png(path, img, scale=1, lo=0.0, hi=1.0):
    """Save a float image in [lo, hi] (gray (H, W) or RGB (H, W, 3)) as PNG, enlarged ``scale``x."""
    pil = Image.fromarray(to_uint8(img, lo, hi))
    if scale > 1:
        pil = pil.resize((pil.width * scale, pil.height * scale), Image.NEAREST)
    with atomic_path(path) as tmp:
        pil.save(tmp, format="PNG")


def save_gif(path, frames, duration_ms=200, scale=1, lo=0.0, hi=1.0):
    """Save float frames (T, H, W) as a looping animated GIF."""
    pils = [Image.fromarray(to_uint8(f, lo, hi)) for f in frames]
    if scale > 1:
        pils = [p.resize((p.width * scale, p.height * scale), Image.NEAREST) for p in pils]
    if not pils:
        raise ValueError("no frames to write")
    with atomic_path(path) as tmp:
        pils[0].save(tmp, format="GIF", save_all=True, append_images=pils[1:], duration=duration_ms, loop=0)
