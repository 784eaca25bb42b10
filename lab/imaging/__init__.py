"""Image noise models and windowing (``noise``), quality metrics (``metrics``) and classical
denoisers (``denoisers``)."""
