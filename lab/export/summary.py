"""A one-page summary of probabilities with their 95 % intervals, as PNG and SVG without Qt
(the forecast experiment's answer, for a report or a slide)."""

from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw

from ..atomic import atomic_path, write_text
from .charts import CLASS_COLORS, _font

W, ROW, TOP, LEFT, BAR_W = 900, 46, 90, 230, 560


def _layout(rows):
    """(label, p, lo, hi) -> [(label, text, y, x_p, x_lo, x_hi)] in pixels (0..1 across BAR_W)."""
    out = []
    for i, (label, p, lo, hi) in enumerate(rows):
        y = TOP + i * ROW
        text = f"{100 * p:.2f} %  (95 %: {100 * lo:.2f} – {100 * hi:.2f})"
        out.append((label, text, y, LEFT + p * BAR_W, LEFT + lo * BAR_W, LEFT + hi * BAR_W))
    return out


def probability_summary(stem, title, rows):
    """Write ``stem``.png and ``stem``.svg: one bar per (label, p, lo, hi), the interval drawn
    across its end. Returns the paths."""
    stem = Path(stem)
    H = TOP + ROW * len(rows) + 60
    lay = _layout(rows)
    img = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(img)
    d.text((20, 20), title, fill=(20, 20, 20), font=_font(15))
    d.text((LEFT, TOP - 28), "probability of reaching the target", fill=(80, 80, 80), font=_font(13))
    for k in range(0, 11, 2):
        x = LEFT + k / 10 * BAR_W
        d.line([(x, TOP - 8), (x, H - 50)], fill=(225, 225, 225))
        d.text((x - 10, H - 44), f"{10 * k} %", fill=(80, 80, 80), font=_font(12))
    for i, (label, text, y, xp, xlo, xhi) in enumerate(lay):
        color = CLASS_COLORS[i % len(CLASS_COLORS)]
        d.text((20, y + 8), label, fill=(20, 20, 20), font=_font(14))
        d.rectangle([LEFT, y + 6, xp, y + 30], fill=color)
        d.line([(xlo, y + 18), (xhi, y + 18)], fill=(0, 0, 0), width=2)
        for x in (xlo, xhi):
            d.line([(x, y + 10), (x, y + 26)], fill=(0, 0, 0), width=2)
        d.text((min(xhi + 10, W - 200), y + 8), text, fill=(20, 20, 20), font=_font(12))
    png = stem.with_suffix(".png")
    with atomic_path(png) as tmp:
        img.save(tmp, format="PNG")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
             f'font-family="DejaVu Sans, sans-serif">', f'<rect width="{W}" height="{H}" fill="white"/>',
             f'<text x="20" y="34" font-size="15">{escape(title)}</text>',
             f'<text x="{LEFT}" y="{TOP - 16}" font-size="13" fill="#505050">probability of reaching the target</text>']
    for k in range(0, 11, 2):
        x = LEFT + k / 10 * BAR_W
        parts.append(f'<line x1="{x}" y1="{TOP - 8}" x2="{x}" y2="{H - 50}" stroke="#e1e1e1"/>')
        parts.append(f'<text x="{x - 10}" y="{H - 32}" font-size="12" fill="#505050">{10 * k} %</text>')
    for i, (label, text, y, xp, xlo, xhi) in enumerate(lay):
        r, g, b = CLASS_COLORS[i % len(CLASS_COLORS)]
        parts += [f'<text x="20" y="{y + 23}" font-size="14">{escape(label)}</text>',
                  f'<rect x="{LEFT}" y="{y + 6}" width="{xp - LEFT:.2f}" height="24" fill="rgb({r},{g},{b})"/>',
                  f'<line x1="{xlo:.2f}" y1="{y + 18}" x2="{xhi:.2f}" y2="{y + 18}" stroke="black" stroke-width="2"/>',
                  *[f'<line x1="{x:.2f}" y1="{y + 10}" x2="{x:.2f}" y2="{y + 26}" stroke="black" stroke-width="2"/>'
                    for x in (xlo, xhi)],
                  f'<text x="{min(xhi + 10, W - 200):.2f}" y="{y + 22}" font-size="12">{escape(text)}</text>']
    parts.append("</svg>\n")
    svg = stem.with_suffix(".svg")
    write_text(svg, "\n".join(parts))
    return [png, svg]
