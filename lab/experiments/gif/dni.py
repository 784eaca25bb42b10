"""Decoupled neural interfaces for the stacked ConvLSTM classifier (Jaderberg et al. 2017, with the
conditional variant; the seed's "decoupled convolutional LSTM").

The frames are cut into chunks of ``k`` (k-step truncated BPTT inside a chunk). At each chunk's end a
small convolutional model predicts the gradient of the loss with respect to the whole recurrent
state there — h and c of every layer — from that state and, conditionally, the label. The chunk
backpropagates that synthetic gradient (or, for the last chunk, the true one from the head) through
its own frames and updates the layers at once, without waiting for the rest of the sequence. The
predictor at a boundary then learns from the gradient the next chunk's backward pass delivers at its
start: the true loss's share plus the next synthetic gradient (bootstrapped through time). Its output
convolution starts at zero, so training starts as plain truncated BPTT.

For display, every few steps the true gradient at each boundary is computed on the side (full BPTT
of the same minibatch) and compared with the prediction: cosine similarity per boundary.
"""

import numpy as np

from ...nn.conv import conv_backward, conv_forward
from ...nn.recurrent import convlstm_step_backward, convlstm_step_forward
from ...optim import Adam


class GradientModel:
    """One layer's synthetic-gradient predictor: [h; c; label maps] -> conv k x k -> ReLU -> conv k x k
    -> [dh; dc]. ``forward(x) -> out, cache``; ``backward(dout, cache) -> grads`` (shapes in the
    docstrings of lab.nn.conv)."""

    def __init__(self, channels, n_classes, conditional, hidden=16, kernel=3, rng=None, dtype=np.float32):
        rng = rng if rng is not None else np.random.default_rng(0)
        c_in = 2 * channels + (n_classes if conditional else 0) + 1       # + a constant map: the time
        self.conditional, self.n_classes = conditional, n_classes
        self.params = {"W1": (rng.standard_normal((hidden, c_in, kernel, kernel)) *
                              np.sqrt(2.0 / (c_in * kernel * kernel))).astype(dtype),
                       "b1": np.zeros(hidden, dtype),
                       "W2": np.zeros((2 * channels, hidden, kernel, kernel), dtype),   # starts as truncated BPTT
                       "b2": np.zeros(2 * channels, dtype)}

    def inputs(self, h, c, y, when=0.0):
        """(N, 2Ch [+ classes] + 1, H, W): the state, conditionally the label as constant maps, and
        ``when`` (the boundary's place in the sequence, 0…1: one model serves every boundary)."""
        parts = [h, c, np.full((h.shape[0], 1) + h.shape[2:], when, h.dtype)]
        if self.conditional:
            n, _, H, W = h.shape
            maps = np.zeros((n, self.n_classes, H, W), h.dtype)
            maps[np.arange(n), y] = 1
            parts.append(maps)
        return np.concatenate(parts, axis=1)

    def forward(self, x):
        z, c1 = conv_forward(x, self.params["W1"], self.params["b1"])
        a = np.maximum(z, 0)
        out, c2 = conv_forward(a, self.params["W2"], self.params["b2"])
        return out, (c1, z > 0, c2)

    def backward(self, dout, cache):
        c1, mask, c2 = cache
        da, dW2, db2 = conv_backward(dout, c2)
        _, dW1, db1 = conv_backward(da * mask, c1, need_dx=False)
        return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def chunk_backward(caches, dh, dc, t0, t1, L):
    """BPTT of the stacked ConvLSTM over frames [t0, t1) from the state gradients (dh, dc per layer)
    at t1: -> per-layer weight gradients, and (dh, dc) per layer at t0."""
    dh, dc = list(dh), list(dc)
    grads = [None] * L
    for t in reversed(range(t0, t1)):
        from_above = None
        for l in reversed(range(L)):
            g = dh[l] if from_above is None else dh[l] + from_above
            dx, dh[l], dc[l], dWx, dWh, db = convlstm_step_backward(g, dc[l], caches[l][t], need_dx=l > 0)
            if grads[l] is None:
                grads[l] = {"Wx": dWx, "Wh": dWh, "b": db}
            else:
                grads[l]["Wx"] += dWx
                grads[l]["Wh"] += dWh
                grads[l]["b"] += db
            from_above = dx
    return grads, dh, dc


class SyntheticGradients:
    """The predictors of one network (one per layer, shared over time) and their optimizer."""

    def __init__(self, layers, frames, lr, n_classes=2, k=1, conditional=True, hidden=16, kernel=3, rng=None):
        self.k, self.frames = max(1, int(k)), frames
        self.models = [GradientModel(ch, n_classes, conditional, hidden, kernel, rng) for ch in layers]
        self.opt = Adam(lr=lr)
        self.cosines = None          # per boundary, the last cosine similarity with the true gradient
        self.target_norm = np.full(len(layers), np.nan)  # per layer: running norm of the targets seen

    @property
    def boundaries(self):
        return list(range(self.k, self.frames, self.k))

    def train_step(self, net, opts, head_opt, xs, y, check_finite, compare=False):
        """One decoupled update of ``net`` (a ConvLSTMClassifier) on xs (T, N, C, H, W): returns
        scores, cost, per-layer (hs, caches) for previews, and {"sg_loss"} (+ "sg_cosine/t<b>")."""
        T, L = xs.shape[0], len(net.layers)
        n, _, H, W = xs.shape[1:]
        scale = np.float32(n * H * W)            # the predictors work in per-pixel units of the summed loss
        hs = [np.zeros((n, ch, H, W), np.float32) for ch in net.layers]
        cs = [np.zeros_like(h) for h in hs]
        caches = [[None] * T for _ in range(L)]
        outs = [[None] * T for _ in range(L)]
        pending, sg_loss, preds = None, [], {}
        sg_grads = [None] * L
        edges = [0] + self.boundaries + [T]
        scores = cost = None
        for t0, t1 in zip(edges[:-1], edges[1:]):
            for t in range(t0, t1):
                inp = xs[t]
                for l in range(L):
                    p = net.params[l]
                    hs[l], cs[l], caches[l][t] = convlstm_step_forward(inp, hs[l], cs[l], p["Wx"], p["Wh"], p["b"])
                    outs[l][t] = hs[l]
                    inp = hs[l]
            if t1 == T:                                   # the true gradient, from the head
                scores, hc = net.head_forward(hs[-1])
                cost, dscores = net.cost(scores, y)
                check_finite(cost=cost)
                dh_top, hgrads = net.head_backward(dscores, hc)
                dh_end = [np.zeros_like(h) for h in hs[:-1]] + [dh_top]
                dc_end = [np.zeros_like(c) for c in cs]
                head_opt.update(net.head, hgrads)
                made = None
            else:                                         # the synthetic gradient of the state at t1
                made = []
                dh_end, dc_end = [], []
                for l, m in enumerate(self.models):
                    x_sg = m.inputs(hs[l], cs[l], y, t1 / T)
                    out, cache = m.forward(x_sg)
                    ch = net.layers[l]
                    used = self._bounded(out, l)
                    dh_end.append(used[:, :ch] / scale)
                    dc_end.append(used[:, ch:] / scale)
                    made.append((out, cache))
                preds[t1] = made
            grads, dh0, dc0 = chunk_backward(caches, dh_end, dc_end, t0, t1, L)
            for l in range(L):
                opts[l].update(net.params[l], grads[l])   # this chunk's layers update now
            if pending is not None:                       # the previous boundary's target has arrived
                for l, (out, cache) in enumerate(pending):
                    target = np.concatenate([dh0[l], dc0[l]], axis=1) * scale
                    norm = float(np.linalg.norm(target))
                    tn = self.target_norm
                    tn[l] = norm if np.isnan(tn[l]) else 0.9 * tn[l] + 0.1 * norm
                    err = out - target
                    sg_loss.append(float(np.mean(err * err)))
                    g = self.models[l].backward(err * np.float32(2.0 / err.size), cache)
                    sg_grads[l] = g if sg_grads[l] is None else {k: sg_grads[l][k] + g[k] for k in g}
            pending = made
        for l, m in enumerate(self.models):
            if sg_grads[l] is not None:
                self.opt.update({f"{l}.{k}": v for k, v in m.params.items()},
                                {f"{l}.{k}": v for k, v in sg_grads[l].items()})
        extra = {"sg_loss": float(np.mean(sg_loss)) if sg_loss else 0.0}
        if compare and preds:
            extra.update(self._cosines(net, y, caches, preds, scale))
        layers = [(np.stack(outs[l]), caches[l]) for l in range(L)]
        return scores, cost, layers, extra

    def _bounded(self, out, l):
        """The prediction a chunk backpropagates, never longer than the gradients its predictor has
        been shown (a running norm of its targets): once the net fits, the true gradients shrink, and a
        predictor that lags behind them would otherwise push the weights on its own, until the run
        falls apart (seen: 100 % test accuracy, then back to chance). The predictor learns on ``out``."""
        bound = self.target_norm[l]
        norm = float(np.linalg.norm(out))
        if np.isnan(bound) or norm <= bound or norm == 0.0:
            return out
        return out * np.float32(bound / norm)

    def _cosines(self, net, y, caches, preds, scale):
        """The true gradient at each boundary (full BPTT of this minibatch through the caches it
        ran with) against the prediction made there: cosine similarity over h and c, all layers."""
        T, L = len(caches[0]), len(caches)
        scores, hc = net.head_forward(self._last_h(caches, L, T))
        _, dscores = net.cost(scores, y)
        dh_top, _ = net.head_backward(dscores, hc)
        dh = [np.zeros_like(caches[l][T - 1][2]) for l in range(L - 1)] + [dh_top]
        dc = [np.zeros_like(d) for d in dh]
        out, end = {}, T
        for b in reversed(self.boundaries):
            _, dh, dc = chunk_backward(caches, dh, dc, b, end, L)
            true = np.concatenate([np.concatenate([dh[l], dc[l]], axis=1).ravel() for l in range(L)])
            pred = np.concatenate([o.ravel() for o, _ in preds[b]]) / scale
            denom = float(np.linalg.norm(true) * np.linalg.norm(pred))
            out[f"sg_cosine/t{b}"] = float(true @ pred / denom) if denom > 0 else 0.0
            end = b
        out["sg_cosine"] = float(np.mean(list(out.values())))
        self.cosines = out
        return out

    @staticmethod
    def _last_h(caches, L, T):
        """The top layer's last hidden state, rebuilt from its step cache (h = o · tanh(c))."""
        cache = caches[L - 1][T - 1]
        o, tc = cache[4], cache[7]
        return o * tc

    def state_dict(self):
        return {"sg_models": [m.params for m in self.models], "sg_opt": self.opt.state_dict(),
                "sg_target_norm": self.target_norm.copy()}

    def load_state_dict(self, st):
        if "sg_models" not in st:          # a checkpoint of the earlier linear predictors: start afresh
            return
        for m, p in zip(self.models, st["sg_models"]):
            m.params = {k: np.array(v, np.float32) for k, v in p.items()}
        self.opt.load_state_dict(st["sg_opt"])
        if "sg_target_norm" in st:
            self.target_norm = np.array(st["sg_target_norm"], float)
