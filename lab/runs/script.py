"""A run as a short Python script: its config embedded, it rebuilds the experiment through the lab's
public API, trains the same number of steps headless and prints the final metrics as JSON. The
experiments are seeded, so running it gives the run's numbers again."""

import json
import time

from ..atomic import write_text
from ..experiments.base import config_to_dict

TEMPLATE = '''"""Reproduce a NumPy Lab run headless: {title} ({experiment!r}, preset {preset!r}), {steps} steps.
Exported {when}.

    python {filename}            # trains, then prints the final metrics as one JSON line

Needs NumPy Lab installed (pip install -e . in its folder). Change CONFIG or STEPS to try a variant.
"""
import json

from lab.runs.execute import build_experiment, run_experiment

EXPERIMENT = {experiment!r}
STEPS = {steps}
CONFIG = {config}

if __name__ == "__main__":
    experiment = build_experiment(EXPERIMENT, config=CONFIG)
    result = run_experiment(experiment, steps=STEPS, record=False)
    print(json.dumps(result["final"]))
'''


def script_source(experiment, filename="reproduce.py"):
    """The script for ``experiment`` as it is now (its config and its steps done)."""
    config = config_to_dict(experiment.config)
    text = json.dumps(config, indent=4, sort_keys=False)
    text = text.replace(": true", ": True").replace(": false", ": False").replace(": null", ": None")
    steps = experiment.steps_done or experiment.total_steps or 1
    return TEMPLATE.format(title=experiment.title, experiment=experiment.name, preset=config.get("preset"),
                           steps=steps, when=time.strftime("%Y-%m-%d %H:%M"), filename=filename, config=text)


def write_script(path, experiment):
    from pathlib import Path
    path = Path(path)
    write_text(path, script_source(experiment, path.name))
    return path
