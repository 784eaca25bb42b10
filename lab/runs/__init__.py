"""Runs that last: every run recorded on disk as it goes (``store``, ``recorder``), one headless way to
run an experiment (``execute``), sweeps over settings on a process pool or a Dask cluster (``sweep``),
and a run exported as a short Python script (``script``). No Qt here: the app, the command line and
the tests share these."""
