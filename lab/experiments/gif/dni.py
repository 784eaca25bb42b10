"""Decoupled neural interfaces for the ConvLSTM classifier (Jaderberg et al. 2017; the seed's
"decoupled convolutional LSTM"): every (layer, time step) has a small linear model (a 1x1
convolution) that predicts the gradient of the loss with respect to its hidden state. As soon
as a step has run forward, its layer updates from that *synthetic* gradient (backpropagated
through that step only) without waiting for the rest of the sequence; each predictor is then
trained towards the gradient that arrives from the step after it (bootstrapped) or from the
head (the seed's three functions per layer: init, forward + synthetic update, synthetic-weight
update).
"""

import numpy as np

from ...nn.recurrent import convlstm_step_backward, convlstm_step_forward
from ...optim import Adam


class SyntheticGradients:
    """The predictors of one network: ``oracles[(layer, t)] = {"A": (Ch, Ch), "c": (Ch,)}`` for
    every (layer, step) but the top layer's last step, which gets the true gradient."""

    def __init__(self, layers, frames, lr):
        L = len(layers)
        self.oracles = {(l, t): {"A": np.zeros((ch, ch), np.float32), "c": np.zeros(ch, np.float32)}
                        for l, ch in enumerate(layers) for t in range(frames) if not (l == L - 1 and t == frames - 1)}
        self.opt = Adam(lr=lr)

    def predict(self, l, t, h):
        """The predictor works in units of the per-pixel gradient of the summed loss (gradients of
        a mean over N images of H x W pixels are O(1 / NHW): too small for a predictor to learn
        at a usual learning rate), so its output is divided by NHW before use."""
        o = self.oracles[(l, t)]
        return np.einsum("nchw,cd->ndhw", h, o["A"]) + o["c"][None, :, None, None]

    def train_step(self, net, opts, head_opt, xs, y, check_finite):
        """One decoupled update of ``net`` (a ConvLSTMClassifier) on xs (T, N, C, H, W): returns
        scores, cost, per-layer (hs, caches) for previews, and {"sg_loss"}."""
        T, L = xs.shape[0], len(net.layers)
        n, _, H, W = xs.shape[1:]
        hs = [np.zeros((n, ch, H, W), np.float32) for ch in net.layers]
        cs = [np.zeros_like(h) for h in hs]
        preds, targets, outs = {}, {}, [[None] * T for _ in range(L)]
        scale = np.float32(n * H * W)
        top_cache = None
        for t in range(T):
            inp = xs[t]
            for l in range(L):
                p = net.params[l]
                h, cell, cache = convlstm_step_forward(inp, hs[l], cs[l], p["Wx"], p["Wh"], p["b"])
                hs[l], cs[l], outs[l][t] = h, cell, (h, cache)
                inp = h
                if l == L - 1 and t == T - 1:
                    top_cache = cache
                    continue
                g = self.predict(l, t, h)                      # the synthetic gradient dL/dh_t, scaled
                preds[(l, t)] = (h, g)
                self._one_step_update(net, opts, l, t, g / scale, cache, targets)
        scores, hc = net.head_forward(hs[-1])
        cost, dscores = net.cost(scores, y)
        check_finite(cost=cost)
        dh_true, hgrads = net.head_backward(dscores, hc)      # the true gradient arrives at the top, last step
        self._one_step_update(net, opts, L - 1, T - 1, dh_true, top_cache, targets)
        head_opt.update(net.head, hgrads)
        sg_loss, count = 0.0, 0                               # train each predictor towards what arrived
        grads = {}
        for key, (h, g) in preds.items():
            err = g - targets.get(key, 0.0) * scale
            sg_loss += float(np.mean(err * err))
            count += 1
            m = err.size / err.shape[1]
            grads[f"{key[0]}.{key[1]}.A"] = np.einsum("nchw,ndhw->cd", h, err) / m
            grads[f"{key[0]}.{key[1]}.c"] = err.sum(axis=(0, 2, 3)) / m
        flat = {f"{l}.{t}.{k}": v for (l, t), o in self.oracles.items() for k, v in o.items()}
        self.opt.update(flat, grads)
        layers = [(np.stack([outs[l][t][0] for t in range(T)]), [outs[l][t][1] for t in range(T)]) for l in range(L)]
        return scores, cost, layers, {"sg_loss": sg_loss / max(count, 1)}

    @staticmethod
    def _one_step_update(net, opts, l, t, dh, cache, targets):
        """Backprop dh through step t of layer l only, update layer l now, and hand the input and
        previous-state gradients on as targets for the predictors of (l-1, t) and (l, t-1)."""
        dx, dh_prev, _, dWx, dWh, db = convlstm_step_backward(dh, np.zeros_like(dh), cache, need_dx=l > 0)
        opts[l].update(net.params[l], {"Wx": dWx, "Wh": dWh, "b": db})
        if t > 0:
            targets[(l, t - 1)] = targets.get((l, t - 1), 0.0) + dh_prev
        if l > 0:
            targets[(l - 1, t)] = targets.get((l - 1, t), 0.0) + dx

    def state_dict(self):
        return {"oracles": {f"{l}.{t}": o for (l, t), o in self.oracles.items()}, "oracle_opt": self.opt.state_dict()}

    def load_state_dict(self, st):
        self.oracles = {tuple(int(v) for v in k.split(".")): {kk: np.array(vv, np.float32) for kk, vv in o.items()}
                        for k, o in st["oracles"].items()}
        self.opt.load_state_dict(st["oracle_opt"])
