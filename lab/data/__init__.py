"""Data loaders: IDX (MNIST-format) files, built-in datasets."""
