"""Decompositions by hand and the transforms built on them: covariance, correlation,
eigenbases, change of basis, SVD reconstruction (``basis``), the whitening gallery
(``gallery``), and the eigen views as one object (``views``)."""
