"""What happened to each file of a folder the user opened: loaded, skipped (not data of this kind) or
refused (data we will not or cannot decode), always with the reason. The DICOM, GIF and IDX readers
and ``python -m lab inspect`` all speak in these words."""

from typing import NamedTuple

STATUSES = ("loaded", "skipped", "refused")


class Outcome(NamedTuple):
    file: str
    status: str        # one of STATUSES
    reason: str = ""


def outcomes_report(outcomes):
    """``{"counts": {...}, "files": [{"file", "status", "reason"?}, ...]}`` for a JSON report."""
    return {"counts": {k: sum(o.status == k for o in outcomes) for k in STATUSES},
            "files": [{"file": o.file, "status": o.status, **({"reason": o.reason} if o.reason else {})}
                      for o in outcomes]}


def not_loaded(outcomes):
    return [o for o in outcomes if o.status != "loaded"]
