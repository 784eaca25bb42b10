"""The Qt application: the only package where Qt and pyqtgraph appear."""
