"""Layers with hand-written forward and backward passes (CS231n-style pairs)."""
