"""Training runs in float32: after a step, every trained array of every experiment is still float32
(a float64 that sneaks in doubles the memory traffic of every later step)."""

import numpy as np

from lab.data.builtin import digits_28
from lab.experiments.ct import CTExperiment
from lab.experiments.gan import GANExperiment
from lab.experiments.optimizers.race import RaceExperiment
from lab.experiments.regularization import RegularizationExperiment
from lab.experiments.zca import ZCAExperiment

F32 = {np.dtype(np.float32)}


def dtypes(params):
    out = set()
    for v in params.values() if isinstance(params, dict) else params:
        if isinstance(v, dict):
            out |= dtypes(v)
        else:
            out.add(np.asarray(v).dtype)
    return out


def test_every_trained_array_stays_float32():
    data = digits_28()
    gan = GANExperiment(GANExperiment.preset_config("small-fast"), data=data)
    zca = ZCAExperiment(ZCAExperiment.preset_config(n_train=200, n_test=50, hidden=[16, 8], batch_size=50), data=data)
    ct = CTExperiment(CTExperiment.preset_config("quick", eval_every=1000))
    race = RaceExperiment(RaceExperiment.preset_config(hidden=[8, 4], race=["adam", "nesterov", "noise-training"]),
                          data=data)
    reg = RegularizationExperiment(RegularizationExperiment.preset_config(hidden=[8, 8]))
    for e in (gan, zca, ct, race, reg):
        e.step()
        e.step()
    assert dtypes([gan.G.params, gan.D.params]) == F32
    assert dtypes(zca.params) == F32
    assert dtypes(ct.denoiser.params) == F32
    assert dtypes([n.params for n in race.nets.values()]) == F32
    assert dtypes([n.params for n in reg.nets.values()]) == F32
