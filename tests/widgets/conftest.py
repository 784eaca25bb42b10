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
        tab = win.page(name)  # a tab, or a page of a grouped tab
        tab.controls.show_config(config)
        assert tab.session.replace(config)
        assert tab.session.wait_ready() and tab.experiment is not None  # built in the loader's thread
        assert win.show_tab(name) is tab  # shown after the test's experiment exists: the default is never built
        windows.append(win)
        return win

    yield make
    for win in windows:
        for t in win.tab_by_name.values():
            t.shutdown()  # a grouped tab joins every page
