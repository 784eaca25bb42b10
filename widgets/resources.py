"""Where the app finds its assets (icon, desktop entry) and the icon itself."""

from pathlib import Path

from PySide6.QtGui import QIcon

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def app_icon():
    for name in ("numpy-lab.svg", "numpy-lab.png"):
        p = ASSETS / name
        if p.exists():
            return QIcon(str(p))
    return QIcon()
