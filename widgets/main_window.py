"""The main window: one tab per built experiment, menus, shortcuts, status bar, and
remembered geometry/folders (QSettings). Closing it stops and joins every worker."""

from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QMessageBox, QTabWidget

import lab
from lab.data import read_workers

from . import imports
from .resources import app_icon
from .tabs import tab_classes
from .tabs.group import TabGroup


class MainWindow(QMainWindow):
    def __init__(self, settings=None):
        super().__init__()
        imports.start()  # the libraries the tabs' data readers need, in one background thread
        read_workers.keep_readers()  # folders come one after another: DICOM reader processes stay up
        self.settings = settings or QSettings()
        self.setWindowTitle("NumPy Lab")
        self.setWindowIcon(app_icon())
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.tab_by_name = {}
        self.group_of_page = {}  # a page's name -> its TabGroup (tabs with pages of their own)
        for cls in tab_classes():
            tab = cls(settings=self.settings)
            tab.status.connect(self._tab_status(tab))
            self.tabs.addTab(tab, (cls.tab_title or cls.experiment_cls.title).replace("&", "&&"))
            self.tab_by_name[cls.name] = tab
            if isinstance(tab, TabGroup):
                for page in tab.page_by_name:
                    self.group_of_page[page] = tab
        self.tabs.currentChanged.connect(lambda i: self.settings.setValue("window/tab", i))
        self._build_menus()
        self.statusBar().showMessage("Ready: press Start (Space) to train")
        geom = self.settings.value("window/geometry")
        if geom is not None:
            self.restoreGeometry(geom)
        else:
            self.resize(1500, 900)
        idx = int(self.settings.value("window/tab", 0) or 0)
        if 0 <= idx < self.tabs.count():
            self.tabs.setCurrentIndex(idx)

    def current_tab(self):
        return self.tabs.currentWidget()

    def current_page(self):
        """The ExperimentTab in front: the current tab, or the page in front of a grouped tab."""
        tab = self.tabs.currentWidget()
        return tab.current if tab in self.group_of_page.values() else tab

    def tab_names(self):
        return [*self.tab_by_name, *self.group_of_page]

    def show_tab(self, name):
        """Bring a tab, or a page of a grouped tab, to the front; returns the page or tab shown."""
        if name in self.group_of_page:
            group = self.group_of_page[name]
            self.tabs.setCurrentWidget(group)
            group.show_page(name)
            return group.current
        self.tabs.setCurrentWidget(self.tab_by_name[name])
        return self.tab_by_name[name]

    def page(self, name):
        """The ExperimentTab called ``name``, a tab or a page of a grouped tab."""
        return self.group_of_page[name].page_by_name[name] if name in self.group_of_page else self.tab_by_name[name]

    def _tab_status(self, tab):
        def show(text):
            if self.current_tab() is tab:
                self.statusBar().showMessage(text)
        return show

    def _action(self, menu, text, slot, shortcut=None, tip=""):
        act = QAction(text, self)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        act.setStatusTip(tip)
        act.triggered.connect(slot)
        menu.addAction(act)
        self.addAction(act)
        return act

    def _build_menus(self):
        m = self.menuBar().addMenu("&File")
        self._action(m, "&Open data…", lambda: self.current_page().open_data(), "Ctrl+O",
                     "Choose a data file or folder for this tab")
        self._action(m, "&Export all figures…", lambda: self.current_page().export_all(), "Ctrl+E",
                     "Write every figure of this tab (PNG, SVG, CSV) and the run's files")
        self._action(m, "&Save checkpoint…", lambda: self.current_page().save_checkpoint(), "Ctrl+S",
                     "Save this tab's run so it can continue exactly")
        self._action(m, "&Load checkpoint…", lambda: self.current_page().load_checkpoint(), "Ctrl+L",
                     "Continue a saved run")
        m.addSeparator()
        self._action(m, "&Quit", self.close, "Ctrl+Q", "Stop every run and quit")
        r = self.menuBar().addMenu("&Run")
        self._action(r, "Start / Pause", lambda: self.current_page().toggle_run(), "Space", "Start or pause training")
        self._action(r, "Single step", lambda: self.current_page().step_once(), "S", "One training step")
        self._action(r, "Stop", lambda: self.current_page().stop(), None, "End the run")
        self._action(r, "Reset", lambda: self.current_page().reset(), "Ctrl+R", "New model from the form's settings")
        h = self.menuBar().addMenu("&Help")
        self._action(h, "&About NumPy Lab", self._about, None, "Version and licence")
        for i in range(min(9, self.tabs.count())):
            sc = QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self)
            sc.activated.connect(lambda i=i: self.tabs.setCurrentIndex(i))

    def _about(self):
        QMessageBox.about(self, "About NumPy Lab",
                          f"<b>NumPy Lab {lab.__version__}</b><p>Watch neural networks written from scratch in "
                          "NumPy learn, live, on real data.</p><p>MIT licence.</p>")

    def closeEvent(self, event):
        self.settings.setValue("window/geometry", self.saveGeometry())
        for tab in self.tab_by_name.values():
            tab.shutdown(wait_ms=15_000)
        QThreadPool.globalInstance().waitForDone(15_000)  # background views (e.g. the whitening gallery)
        super().closeEvent(event)
