"""Text that changes while a run trains, written without re-laying out the window.

A QLabel whose text changes asks its parent layout to lay out again (its size hint may have
changed), and in a grid of plots that re-sizes and repaints every plot: a 50-200 ms stall per frame.
``LiveText`` is a read-only text box of fixed height whose size never depends on its text, and
``fill_table`` writes a table's cells in place, fitting the columns only when the rows change."""

from PySide6.QtWidgets import QFrame, QSizePolicy, QTableWidgetItem, QTextBrowser


class LiveText(QTextBrowser):
    """``lines`` lines of (HTML) text; ``set_html`` skips an unchanged text."""

    def __init__(self, html="", lines=2, parent=None):
        super().__init__(parent)
        self.setFrameShape(QFrame.NoFrame)
        self.setReadOnly(True)
        self.setOpenLinks(False)
        self.setStyleSheet("QTextBrowser { background: transparent; }")
        h = self.fontMetrics().lineSpacing() * lines + 8
        self.setFixedHeight(h)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self._html = None
        self.set_html(html)

    def set_html(self, html):
        if html != self._html:
            self._html = html
            self.setHtml(html)

    def text(self):
        return self.toPlainText()


def fill_table(table, rows, tips=None):
    """rows: lists of cell texts (``tips``: one tooltip per row). Items are created once per cell and
    then only re-texted. Columns are fitted again when rows come or a text is longer than any its
    column held when last fitted (a cost that went from "0.69" to "0.0001234" was cut to "0.00...")."""
    longest = [max((len(str(row[c])) for row in rows if c < len(row)), default=0)
               for c in range(max((len(row) for row in rows), default=0))]
    fitted = getattr(table, "_fitted_lengths", [])
    resize = table.rowCount() != len(rows) or any(n > (fitted[c] if c < len(fitted) else -1)
                                                   for c, n in enumerate(longest))
    if resize:
        table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = table.item(r, c)
            if item is None:
                table.setItem(r, c, QTableWidgetItem(str(text)))
                resize = True
            elif item.text() != str(text):
                item.setText(str(text))
            if tips is not None and table.item(r, c).toolTip() != tips[r]:
                table.item(r, c).setToolTip(tips[r])
    if resize:
        table.resizeColumnsToContents()
        table._fitted_lengths = [max(n, fitted[c] if c < len(fitted) else 0) for c, n in enumerate(longest)]
