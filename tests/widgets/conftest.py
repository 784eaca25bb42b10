import pytest
from PySide6.QtCore import QSettings

from widgets.main_window import MainWindow


@pytest.fixture
def open_tab(qtbot, tmp_path):
    """open_tab(name, config) -> a shown main window (its own settings file) on tab ``name``,
    running a fresh experiment built from ``config``; every worker is joined afterwards."""
    windows = []

    def make(name, config):
        win = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
        qtbot.addWidget(win)
        win.show()
        win.show_tab(name)
        tab = win.tab_by_name[name]
        tab.controls.show_config(config)
        assert tab.session.replace(config)
        windows.append(win)
        return win

    yield make
    for win in windows:
        for t in win.tab_by_name.values():
            t.shutdown()
