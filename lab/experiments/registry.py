"""The registry of experiments, by name (``@register`` on the class; ``load_all`` imports every
experiment module)."""

EXPERIMENTS = {}


def register(cls):
    """Class decorator: make an experiment available by ``cls.name``."""
    EXPERIMENTS[cls.name] = cls
    return cls


def get_experiment(name):
    from . import load_all

    load_all()
    try:
        return EXPERIMENTS[name]
    except KeyError:
        raise KeyError(f"unknown experiment {name!r}; available: {', '.join(sorted(EXPERIMENTS))}") from None
