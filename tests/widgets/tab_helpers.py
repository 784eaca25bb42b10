"""Helpers for the tab tests."""

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEventLoop


def opened(tab, path, timeout_ms=120_000):
    """Open ``path`` as the user would (the data are read off the GUI thread), wait until the read
    ended, and say whether the tab now uses it."""
    before, eigen_before = tab.experiment, getattr(tab, "eigen", None)
    assert tab.open_data(str(path))
    call = getattr(tab, "_eigen_call", None)
    deadline = QDeadlineTimer(timeout_ms)
    while (tab.session.busy or (call is not None and call.pending)) and not deadline.hasExpired():
        QCoreApplication.processEvents(QEventLoop.AllEvents, 20)
    QCoreApplication.processEvents()
    if str(path).lower().endswith(".csv") and call is not None:
        return tab.eigen is not eigen_before and tab.eigen.source == str(path)
    return tab.experiment is not before and tab.experiment.config.data == str(path)


def exported(tab, folder, timeout_ms=120_000):
    """Export all (figures here, the run's files off the GUI thread) and wait: every file written."""
    got = []
    tab.exported.connect(got.append)
    try:
        tab.export_all(str(folder))
        deadline = QDeadlineTimer(timeout_ms)
        while not got and not deadline.hasExpired():
            QCoreApplication.processEvents(QEventLoop.AllEvents, 20)
    finally:
        tab.exported.disconnect(got.append)
    assert got, "the export did not finish"
    return got[0]
