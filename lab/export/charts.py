"""Small static figures as PNG without Qt, for the headless command line: scatter plots with
arrows, and heatmaps. (The app draws the same views with pyqtgraph and exports them with its
exporters; this is for machines without a display.)"""

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..atomic import atomic_path

CLASS_COLORS = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (255, 127, 14), (148, 103, 189), (140, 86, 75)]


def _font(size):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def nice_ticks(lo, hi, n=5):
    span = hi - lo if hi > lo else 1.0
    step = 10 ** np.floor(np.log10(span / n))
    for m in (1, 2, 5, 10):
        if span / (m * step) <= n:
            step *= m
            break
    return np.arange(np.ceil(lo / step) * step, hi + step * 1e-9, step)


def _save(img, path):
    with atomic_path(path) as tmp:
        img.save(tmp, format="PNG")


def scatter_png(path, x, y, labels, title, xlabel, ylabel, arrows=(), size=(720, 560), equal=False,
                class_name="cultivar"):
    """Points coloured by class (with a legend), optional arrows [(x0, y0, x1, y1, rgb, text)],
    labelled axes."""
    W, H = size
    L, R, T, B = 80, 20, 40, 60
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    xs = np.concatenate([x] + [[a[0], a[2]] for a in arrows])
    ys = np.concatenate([y] + [[a[1], a[3]] for a in arrows])
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    px, py = 0.06 * (x1 - x0 or 1), 0.06 * (y1 - y0 or 1)
    x0, x1, y0, y1 = x0 - px, x1 + px, y0 - py, y1 + py
    if equal:  # same units per pixel on both axes, so eigenvectors look orthogonal
        upp = max((x1 - x0) / (W - L - R), (y1 - y0) / (H - T - B))
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        x0, x1 = cx - upp * (W - L - R) / 2, cx + upp * (W - L - R) / 2
        y0, y1 = cy - upp * (H - T - B) / 2, cy + upp * (H - T - B) / 2

    def tx(v):
        return L + (v - x0) / (x1 - x0) * (W - L - R)

    def ty(v):
        return H - B - (v - y0) / (y1 - y0) * (H - T - B)

    f, fs = _font(15), _font(12)
    d.rectangle([L, T, W - R, H - B], outline=(120, 120, 120))
    for t in nice_ticks(x0, x1):
        d.line([tx(t), H - B, tx(t), H - B + 5], fill=(80, 80, 80))
        d.text((tx(t), H - B + 8), f"{t:g}", fill=(60, 60, 60), font=fs, anchor="mt")
    for t in nice_ticks(y0, y1):
        d.line([L - 5, ty(t), L, ty(t)], fill=(80, 80, 80))
        d.text((L - 8, ty(t)), f"{t:g}", fill=(60, 60, 60), font=fs, anchor="rm")
    for xi, yi, c in zip(x, y, labels):
        col = CLASS_COLORS[int(c) % len(CLASS_COLORS)]
        d.ellipse([tx(xi) - 3, ty(yi) - 3, tx(xi) + 3, ty(yi) + 3], fill=col)
    for ax0, ay0, ax1, ay1, col, text in arrows:
        p0, p1 = np.array([tx(ax0), ty(ay0)]), np.array([tx(ax1), ty(ay1)])
        d.line([*p0, *p1], fill=col, width=3)
        v = p1 - p0
        n = np.linalg.norm(v) or 1.0
        u, w = v / n, np.array([-v[1], v[0]]) / n
        d.polygon([tuple(p1), tuple(p1 - 12 * u + 6 * w), tuple(p1 - 12 * u - 6 * w)], fill=col)
        if text:
            d.text(tuple(p1 + 8 * u), text, fill=col, font=fs)
    for k, c in enumerate(np.unique(labels)):
        col = CLASS_COLORS[int(c) % len(CLASS_COLORS)]
        d.ellipse([W - R - 110, T + 10 + 18 * k, W - R - 102, T + 18 + 18 * k], fill=col)
        d.text((W - R - 96, T + 14 + 18 * k), f"{class_name} {int(c)}", fill=(40, 40, 40), font=fs, anchor="lm")
    d.text((W / 2, 12), title, fill=(20, 20, 20), font=f, anchor="mt")
    d.text(((L + W - R) / 2, H - 22), xlabel, fill=(20, 20, 20), font=fs, anchor="mt")
    lab = Image.new("RGBA", (H, 24), (255, 255, 255, 0))
    ImageDraw.Draw(lab).text((H / 2, 12), ylabel, fill=(20, 20, 20), font=fs, anchor="mm")
    img.paste(lab.rotate(90, expand=True), (6, 0), lab.rotate(90, expand=True))
    _save(img, path)


def _diverging(v):
    """v in [-1, 1] -> RGB, blue (negative) / white / red (positive)."""
    v = np.clip(v, -1, 1)[..., None]
    blue, white, red = np.array([33, 102, 172]), np.array([247, 247, 247]), np.array([178, 24, 43])
    return np.where(v < 0, white + (blue - white) * -v, white + (red - white) * v).astype(np.uint8)


def heatmap_png(path, M, title, labels=None, cell=None, annotate=True):
    """A matrix as coloured cells (diverging, symmetric around 0) with values written in."""
    M = np.asarray(M, float)
    n, m = M.shape
    cell = cell or max(6, min(90, 540 // max(n, m)))
    L, T = (150 if labels else 20), 40
    img = Image.new("RGB", (L + m * cell + 20, T + n * cell + 20), "white")
    scale = np.abs(M).max() or 1.0
    rgb = np.repeat(np.repeat(_diverging(M / scale), cell, 0), cell, 1)
    img.paste(Image.fromarray(rgb), (L, T))
    d = ImageDraw.Draw(img)
    fs = _font(12)
    d.text((img.width / 2, 12), title, fill=(20, 20, 20), font=_font(15), anchor="mt")
    if labels:
        for i, name in enumerate(labels):
            d.text((L - 6, T + i * cell + cell / 2), name[:22], fill=(40, 40, 40), font=fs, anchor="rm")
    if annotate and cell >= 40:
        for i in range(n):
            for j in range(m):
                d.text((L + j * cell + cell / 2, T + i * cell + cell / 2), f"{M[i, j]:.3g}", fill=(0, 0, 0),
                       font=fs, anchor="mm")
    _save(img, path)
