"""Several experiment tabs shown as the pages of one window tab (e.g. "Optimisers &
regularisation": the optimizer race, L1/L2 regularisation, online regression). Each page is a
complete :class:`~widgets.tabs.base.ExperimentTab` with its own controls, session and views; the
main window's menus and shortcuts act on the page in front (``MainWindow.current_page``), and
closing the window joins every page's worker."""

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget


class TabGroup(QWidget):
    name = None          # the window tab's key
    tab_title = ""       # its label in the window
    page_classes = ()    # ExperimentTab subclasses, in page order
    status = Signal(str)

    def __init__(self, parent=None, settings=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.pages = QTabWidget()
        lay.addWidget(self.pages)
        self.page_by_name = {}
        for cls in self.page_classes:
            page = cls(settings=settings)
            page.status.connect(self.status)
            self.pages.addTab(page, (cls.tab_title or cls.experiment_cls.title).replace("&", "&&"))
            self.page_by_name[cls.name] = page

    @property
    def current(self):
        """The page in front: the one File and Run act on."""
        return self.pages.currentWidget()

    def show_page(self, name):
        self.pages.setCurrentWidget(self.page_by_name[name])

    def shutdown(self, wait_ms=10_000):
        return all([page.shutdown(wait_ms) for page in self.page_by_name.values()])
