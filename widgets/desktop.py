"""Install the Linux desktop entry and icon for the current user (``--install-desktop-entry``),
so the app appears in the menu and launches by double-click."""

import os
import shutil
import sys
from pathlib import Path

from lab.atomic import write_text

from .resources import ASSETS


def install_desktop_entry(data_dir=None):
    """Write <data>/applications/numpy-lab.desktop (Exec points at this installation) and the
    icon, <data> being $XDG_DATA_HOME or ~/.local/share; returns the paths written."""
    data = Path(data_dir or os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    icon_dir = data / "icons" / "hicolor" / "scalable" / "apps"
    icon_dir.mkdir(parents=True, exist_ok=True)
    icon = icon_dir / "numpy-lab.svg"
    shutil.copyfile(ASSETS / "numpy-lab.svg", icon)
    template = (ASSETS / "numpy-lab.desktop").read_text(encoding="utf-8")
    exe = shutil.which("numpy-lab")
    exec_line = f'"{exe}"' if exe else f'"{sys.executable}" -m widgets.app'
    text = template.replace("Exec=numpy-lab", f"Exec={exec_line}").replace("Icon=numpy-lab", f"Icon={icon}")
    entry = data / "applications" / "numpy-lab.desktop"
    write_text(entry, text)
    entry.chmod(0o755)
    return [entry, icon]
