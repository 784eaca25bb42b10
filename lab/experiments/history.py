"""Every step's metrics kept for export as one tidy CSV (``run, step, metric, value``), the format
plotting tools and papers want. A metric named ``"cost/adam"`` belongs to run ``adam``; a name
without a slash belongs to the run as a whole ("all")."""

import numpy as np


class MetricHistory:
    def __init__(self):
        self.names = []            # metric names, in first-seen order
        self._index = {}
        self.steps, self.ids, self.values = [], [], []

    def add(self, step, metrics):
        for name, value in metrics.items():
            i = self._index.get(name)
            if i is None:
                i = self._index[name] = len(self.names)
                self.names.append(name)
            self.steps.append(int(step))
            self.ids.append(i)
            self.values.append(float(value))

    def tidy_rows(self):
        """[(run, step, metric, value)] in the order they were recorded."""
        split = []
        for name in self.names:
            metric, sep, run = name.partition("/")
            split.append((run, metric) if sep else ("all", name))
        return [(split[i][0], s, split[i][1], v) for s, i, v in zip(self.steps, self.ids, self.values)]

    def write_csv(self, path):
        from ..export.tables import write_csv
        write_csv(path, ["run", "step", "metric", "value"], self.tidy_rows())
        return path

    def state_dict(self):
        return {"names": list(self.names), "steps": np.array(self.steps, np.int64),
                "ids": np.array(self.ids, np.int64), "values": np.array(self.values, np.float64)}

    def load_state_dict(self, st):
        self.names = [str(n) for n in st["names"]]
        self._index = {n: i for i, n in enumerate(self.names)}
        self.steps = [int(v) for v in st["steps"]]
        self.ids = [int(v) for v in st["ids"]]
        self.values = [float(v) for v in st["values"]]
