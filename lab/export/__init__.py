"""Files out, without Qt (each written through ``lab.atomic``): tables (CSV/JSON), images (PNG, GIF, grids), static
charts for the command line, and DICOM series."""
