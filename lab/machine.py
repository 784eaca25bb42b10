"""What this machine offers the process: its cores."""

import os


def cores():
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                                 # not Linux
        return os.cpu_count() or 1
