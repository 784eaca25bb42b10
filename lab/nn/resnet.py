"""A small ResNet (He et al. 2016) for 28x28 digits, with stochastic depth (Huang et al. 2016).

    stem: conv3x3-BN-ReLU (1 -> channels[0])
    stage s: ``blocks`` basic blocks of channels[s]; the first of stages 2.. halves the size (stride 2)
    basic block: y = ReLU(m * BN(conv(ReLU(BN(conv(x))))) + shortcut(x)),
                 shortcut = x, or a 1x1 stride-2 conv + BN where the shape changes (projection)
    head: global average pool -> dense -> softmax

Stochastic depth: block l of L survives a training step with probability p_l = 1 - (l / L)(1 - p_L)
(m = 1 when it survives, else 0: the block is the shortcut alone and costs nothing); at test time
every block runs with m = p_l, its expected contribution.
"""

import numpy as np

from .activations import relu_backward, relu_forward
from .conv_units import conv_unit_backward, conv_unit_forward, init_conv, new_bn_state
from .dense import dense_backward, dense_forward
from .pool import global_avg_pool_backward, global_avg_pool_forward


class SmallResNet:
    """forward(x, train, rng, keep) -> scores, cache; backward(dscores, cache) -> grads.
    ``stochastic_depth`` is p_L, the last block's survival probability (1.0: off)."""

    def __init__(self, channels=(16, 32, 64), blocks=1, n_classes=10, stochastic_depth=1.0, rng=None,
                 dtype=np.float32):
        rng = rng if rng is not None else np.random.default_rng(0)
        self.channels, self.params, names, widths = tuple(channels), {}, [], []
        self.stochastic_depth = float(stochastic_depth)

        def unit(name, c_in, c_out, k):
            init_conv(self.params, name, c_in, c_out, k, rng, bn=True, dtype=dtype)
            names.append(name)
            widths.append(c_out)

        unit("stem", 1, channels[0], 3)
        self.blocks = []  # (name, stride, has_projection)
        c_in = channels[0]
        for s, c in enumerate(self.channels):
            for j in range(blocks):
                name, stride = f"block{s + 1}{'abcdefgh'[j]}", 2 if (s > 0 and j == 0) else 1
                unit(f"{name}.conv1", c_in, c, 3)
                unit(f"{name}.conv2", c, c, 3)
                proj = stride != 1 or c_in != c
                if proj:
                    unit(f"{name}.proj", c_in, c, 1)
                self.blocks.append((name, stride, proj))
                c_in = c
        self.state = new_bn_state(names, widths)
        self.params["fc.W"] = (rng.standard_normal((c_in, n_classes)) * np.sqrt(1.0 / c_in)).astype(dtype)
        self.params["fc.b"] = np.zeros(n_classes, dtype)

    def survival(self, l):
        """p_l for block l = 1..L (linear decay to p_L)."""
        return 1.0 - l / len(self.blocks) * (1.0 - self.stochastic_depth)

    @property
    def layer_names(self):
        return ["stem", *[f"{b[0]}.conv{i}" for b in self.blocks for i in (1, 2)]]

    @property
    def first_filters(self):
        return self.params["stem.W"][:, 0]

    def forward(self, x, train=True, rng=None, keep=False):
        p, st, maps = self.params, self.state, {}
        h, stem = conv_unit_forward(x, p, "stem", st, train)
        if keep:
            maps["stem"] = h
        caches = []
        for l, (name, stride, proj) in enumerate(self.blocks, start=1):
            pl = self.survival(l)
            m = pl if not train else float(rng is None or pl >= 1.0 or rng.random() < pl)
            sc = None
            short = h
            if proj:
                short, sc = conv_unit_forward(h, p, f"{name}.proj", st, train, stride, relu=False)
            c1 = c2 = None
            if m > 0:
                r, c1 = conv_unit_forward(h, p, f"{name}.conv1", st, train, stride)
                if keep:
                    maps[f"{name}.conv1"] = r
                r, c2 = conv_unit_forward(r, p, f"{name}.conv2", st, train, relu=False)
                if keep:
                    maps[f"{name}.conv2"] = r
                z = short + r * np.float32(m) if m != 1.0 else short + r
            else:
                z = short.copy()
            h, rc = relu_forward(z)
            caches.append((m, sc, c1, c2, rc))
        g, gc = global_avg_pool_forward(h)
        scores, fc = dense_forward(g, p["fc.W"], p["fc.b"])
        return scores, {"stem": stem, "blocks": caches, "gap": gc, "fc": fc, "maps": maps}

    def backward(self, dscores, cache):
        """-> grads; the parameters of blocks dropped this step are absent (not updated)."""
        grads = {}
        dg, grads["fc.W"], grads["fc.b"] = dense_backward(dscores, cache["fc"])
        dh = global_avg_pool_backward(dg, cache["gap"])
        for (name, stride, proj), (m, sc, c1, c2, rc) in zip(reversed(self.blocks), reversed(cache["blocks"])):
            dz = relu_backward(dh, rc)
            dh = conv_unit_backward(dz, sc, grads) if proj else dz.copy()
            if m > 0:
                dr = conv_unit_backward(dz * np.float32(m) if m != 1.0 else dz, c2, grads)
                dh += conv_unit_backward(dr, c1, grads)           # x feeds the branch and the shortcut: add
            # a dropped block has no gradients this step: the optimizer leaves it as it is
        conv_unit_backward(dh, cache["stem"], grads, need_dx=False)
        return grads
