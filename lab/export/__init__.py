"""Files out, without Qt: atomic writes, tables (CSV/JSON), images (PNG, GIF, grids), static
charts for the command line, and DICOM series."""
