"""The speed workloads W1-W4 of ../shared/bench/WORKLOADS.md, built from NumPy Lab's own layers and
optimizer, timed as that page says; one JSON line per workload:

    {"workload": "W2", "impl": "numpy-lab", "it_per_s": ..., "median_ms": ..., "gflops": ..., "peak_rss_mb": ...}

    python bench/workloads.py [--workload W1|W2|W3|W4] [--seconds S] [--check]

``--check`` compares one iteration's loss and every parameter gradient of the float32 fast path with a
float64 reference of the same network built on the textbook layers (for convolutions the direct
sliding-window form), so a fast wrong kernel cannot pass. ``--peer PYTHON`` compares with the PyTorch
peer in one command (torch in its own virtual environment, never a project dependency): each round,
each workload, torch_ref.py then ours, back to back; per-round ratios, their median, and the sgemm
peak (blas_peak.py) before and after:

    python bench/workloads.py --peer $TORCH_VENV/bin/python [--rounds 3] [--seconds 10]
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
SHARED_BENCH = Path(__file__).resolve().parent.parent.parent / "shared" / "bench"

from lab.nn import conv as conv_mod  # noqa: E402
from lab.nn.activations import ACTIVATIONS, logistic  # noqa: E402
from lab.nn.dense import dense_backward, dense_forward  # noqa: E402
from lab.nn.losses import bce_with_logits, softmax_cross_entropy  # noqa: E402
from lab.nn.conv_stack import ConvStack  # noqa: E402
from lab.nn.data_parallel import DataParallel, batch_parts, default_parts, run_parts, sum_grads  # noqa: E402
from lab.nn.convlstm_rows import convlstm_rows_backward, convlstm_rows_forward  # noqa: E402
from lab.nn.mlp import MLP  # noqa: E402
from lab.optim import Adam  # noqa: E402

FLOPS_EXACT = {"W1": 653.8e6, "W2": 11.06e9, "W3": 2.529e9, "W4": 1.587e9}  # WORKLOADS.md (eigh excluded)


def torch_init(params, rng, dtype):
    """U(-1/sqrt(fan_in), +1/sqrt(fan_in)) for every weight and bias (torch's default)."""
    for k, v in params.items():
        if k.startswith(("W", "b")):
            w_key = "W" + k[1:]
            w = params[w_key]
            fan_in = w.shape[0] if w.ndim == 2 else int(np.prod(w.shape[1:]))
            bound = 1 / np.sqrt(fan_in)
            params[k] = rng.uniform(-bound, bound, v.shape).astype(dtype)
    return params


# ------------------------------------------------------------------------------------------ W1
class W1:
    """GAN MLP: D step on [real; fake], G step through the just-updated D (non-saturating)."""

    def __init__(self, dtype=np.float32, seed=0):
        rng = np.random.default_rng(seed)
        self.dtype, self.rng = dtype, rng
        self.G = MLP([100, 256, 512, 784], hidden="leaky_relu", output="tanh", dtype=dtype)
        self.D = MLP([784, 512, 256, 1], hidden="leaky_relu", output="identity", dtype=dtype)
        torch_init(self.G.params, rng, dtype)
        torch_init(self.D.params, rng, dtype)
        self.og, self.od = Adam(lr=1e-3), Adam(lr=1e-3)
        self.real = rng.uniform(-1, 1, (64, 784)).astype(dtype)
        self.target = np.concatenate([np.ones((64, 1)), np.zeros((64, 1))]).astype(dtype)

    def losses_and_grads(self, z):
        fake, gcache = self.G.forward(z)
        logits, dcache = self.D.forward(np.concatenate([self.real, fake]))
        ld, dl = bce_with_logits(logits, self.target)       # mean over 128 = half the sum of two means
        _, gd = self.D.backward(2 * dl, dcache)
        return 2 * ld, gd, fake, gcache

    def step(self, z=None):
        z = self.rng.standard_normal((64, 100)).astype(self.dtype) if z is None else z
        ld, gd, fake, gcache = self.losses_and_grads(z)
        self.od.update(self.D.params, gd)
        logits, dcache = self.D.forward(fake)               # the updated D on the same fake
        lg, dl = bce_with_logits(logits, np.ones_like(logits))
        dfake, _ = self.D.backward(dl, dcache, need_dx=True, param_grads=False)
        _, gg = self.G.backward(dfake, gcache)
        self.og.update(self.G.params, gg)
        return ld + lg


# ------------------------------------------------------------------------------------------ W2
class W2:
    """Residual conv denoiser: 1->32, 3 x 32->32, 32->1, 3x3 'same', ReLU; loss mean((noisy - net - clean)^2).
    The fast path is the CT tab's own ``ConvStack`` (halves of the batch on both cores, as there); ``conv=(forward, backward)`` builds it layer by
    layer on those functions instead (the float64 reference of ``--check``)."""

    def __init__(self, dtype=np.float32, seed=0, conv=None):
        rng = np.random.default_rng(seed)
        chans = [1, 32, 32, 32, 32, 1]
        self.fwd, self.bwd = conv or (None, None)
        self.stack = None if conv else DataParallel(lambda: ConvStack(chans))
        self.params = {}
        for i, (a, b) in enumerate(zip(chans[:-1], chans[1:])):
            self.params[f"W{i}"] = np.zeros((b, a, 3, 3), dtype)
            self.params[f"b{i}"] = np.zeros(b, dtype)
        torch_init(self.params, rng, dtype)
        self.clean = rng.uniform(0, 1, (16, 1, 64, 64)).astype(dtype)
        self.noisy = (self.clean + 0.1 * rng.standard_normal(self.clean.shape)).astype(dtype)
        self.opt = Adam(lr=1e-3)

    def loss_and_grads(self):
        if self.stack is not None:
            r = self.stack.forward(self.noisy, self.params)
            diff = (self.noisy - r) - self.clean
            _, grads = self.stack.backward(-2 * diff / diff.size)      # d loss / d net
            return float(np.mean(diff * diff)), grads
        h, caches = self.noisy, []
        for i in range(5):
            h, c = self.fwd(h, self.params[f"W{i}"], self.params[f"b{i}"])
            r = None
            if i < 4:
                h, r = ACTIVATIONS["relu"].forward(h)
            caches.append((c, r))
        diff = (self.noisy - h) - self.clean
        loss = float(np.mean(diff * diff))
        d = -2 * diff / diff.size                                     # d loss / d net
        grads = {}
        for i in reversed(range(5)):
            c, r = caches[i]
            if r is not None:
                d = ACTIVATIONS["relu"].backward(d, r)
            d, grads[f"W{i}"], grads[f"b{i}"] = self.bwd(d, c, need_dx=i > 0)
        return loss, grads

    def step(self):
        loss, grads = self.loss_and_grads()
        self.opt.update(self.params, grads)
        return loss


# ------------------------------------------------------------------------------------------ W3
class W3:
    """ConvLSTM, 16 hidden channels, gates = one 3x3 conv over [x_t; h] (17 -> 64, order i, f, g, o);
    head: global mean of h_3 -> Linear 16 -> 2 -> softmax cross-entropy; full BPTT. The fast path is
    the GIF tab's own ``convlstm_rows`` (its gate order i, f, o, g: the same kernels, rows permuted);
    ``conv=(forward, backward)`` builds the cell step by step on those functions instead."""

    ROWS = np.r_[0:32, 48:64, 32:48]          # W3's (i, f, g, o) rows in the layer's order (i, f, o, g)

    def __init__(self, dtype=np.float32, seed=0, conv=None):
        rng = np.random.default_rng(seed)
        self.fwd, self.bwd = conv or (None, None)
        self.params = {"Wg": np.zeros((64, 17, 3, 3), dtype), "bg": np.zeros(64, dtype),
                       "Wh": np.zeros((16, 2), dtype), "bh": np.zeros(2, dtype)}
        fan = 17 * 9
        self.params["Wg"] = rng.uniform(-fan ** -0.5, fan ** -0.5, (64, 17, 3, 3)).astype(dtype)
        self.params["bg"] = rng.uniform(-fan ** -0.5, fan ** -0.5, 64).astype(dtype)
        self.params["Wh"] = rng.uniform(-0.25, 0.25, (16, 2)).astype(dtype)
        self.params["bh"] = rng.uniform(-0.25, 0.25, 2).astype(dtype)
        self.x = rng.uniform(0, 1, (4, 3, 1, 64, 64)).astype(dtype)
        self.y = np.array([0, 1, 0, 1])
        self.opt = Adam(lr=1e-3)

    def head(self, h, y=None):
        """h_3 -> loss, dh_3, head grads (y: the labels of h's samples, default all)"""
        p = self.params
        H, Wd = h.shape[2:]
        feat = h.mean(axis=(2, 3))
        scores, dcache = dense_forward(feat, p["Wh"], p["bh"])
        loss, ds = softmax_cross_entropy(scores, self.y if y is None else y)
        dfeat, dWh, dbh = dense_backward(ds, dcache)
        return loss, np.broadcast_to(dfeat[:, :, None, None] / (H * Wd), h.shape), dWh, dbh

    def loss_and_grads(self):
        if self.fwd is not None:
            return self.loss_and_grads_steps()
        p, r = self.params, self.ROWS
        xs = self.x.transpose(1, 0, 2, 3, 4)                              # (T, B, 1, H, W)
        cell = {"Wx": p["Wg"][r, :1], "Wh": p["Wg"][r, 1:], "b": p["bg"][r]}
        B = len(self.y)
        bounds = batch_parts(B, default_parts())

        def part(i):                                # halves of the batch on both cores, as the GIF tab
            a, e = bounds[i]
            share = (e - a) / B                     # the loss is a mean over the batch
            hs, cache = convlstm_rows_forward(xs[:, a:e], cell, 16)
            loss, dh, dWh, dbh = self.head(hs[-1], self.y[a:e])
            dhs = np.zeros_like(hs)
            dhs[-1] = dh * np.float32(share)
            _, g = convlstm_rows_backward(dhs, cache, need_dx=False)
            return loss * share, (g, dWh * np.float32(share), dbh * np.float32(share))

        res = run_parts(part, len(bounds))
        g, dWh, dbh = sum_grads([gr for _, gr in res])
        dWg, dbg = np.empty_like(p["Wg"]), np.empty_like(p["bg"])
        dWg[r], dbg[r] = np.concatenate([g["Wx"], g["Wh"]], axis=1), g["b"]
        return float(sum(lo for lo, _ in res)), {"Wg": dWg, "bg": dbg, "Wh": dWh, "bh": dbh}

    def loss_and_grads_steps(self):
        p = self.params
        B, T, _, H, Wd = self.x.shape
        h = np.zeros((B, 16, H, Wd), self.x.dtype)
        c = np.zeros_like(h)
        steps = []
        for t in range(T):
            z, cc = self.fwd(np.concatenate([self.x[:, t], h], axis=1), p["Wg"], p["bg"])
            i, f, g, o = logistic(z[:, :16]), logistic(z[:, 16:32]), np.tanh(z[:, 32:48]), logistic(z[:, 48:])
            c_prev = c
            c = f * c_prev + i * g
            tc = np.tanh(c)
            h = o * tc
            steps.append((cc, i, f, g, o, c_prev, tc))
        loss, dh, dWh, dbh = self.head(h)
        dh = dh.copy()
        dc = np.zeros_like(h)
        dWg, dbg = np.zeros_like(p["Wg"]), np.zeros_like(p["bg"])
        for t in reversed(range(T)):
            cc, i, f, g, o, c_prev, tc = steps[t]
            do = dh * tc
            dc = dc + dh * o * (1 - tc * tc)
            dz = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g * g),
                                 do * o * (1 - o)], axis=1)
            dxh, dW, db = self.bwd(dz, cc, need_dx=t > 0)
            dWg += dW                                                   # the same weights at every step
            dbg += db
            dc = dc * f
            if t > 0:
                dh = np.ascontiguousarray(dxh[:, 1:])                   # backprop into h_{t-1}
        return float(loss), {"Wg": dWg, "bg": dbg, "Wh": dWh, "bh": dbh}

    def step(self):
        loss, grads = self.loss_and_grads()
        self.opt.update(self.params, grads)
        return loss


# ------------------------------------------------------------------------------------------ W4
class W4:
    """ZCA of the batch (no gradient) then MLP 784 -> 512 -> 256 -> 10, ReLU, softmax cross-entropy.
    The whitening matrix comes from the thin SVD of the centred batch (128 x 784): rank <= 127, so
    W = V diag(1/sqrt(s^2/n + eps)) V^T + (I - V V^T)/sqrt(eps) is the same matrix as from eigh of
    the 784 x 784 covariance (WORKLOADS.md: "the same W"), at a fraction of the cost; the batch has
    no component in the (I - V V^T) part, so x_w = (xc V) diag(...) V^T."""

    def __init__(self, dtype=np.float32, seed=0, method="svd"):
        rng = np.random.default_rng(seed)
        self.net = MLP([784, 512, 256, 10], hidden="relu", output="identity", dtype=dtype)
        torch_init(self.net.params, rng, dtype)
        self.x = rng.uniform(0, 1, (128, 784)).astype(dtype)
        self.y = rng.integers(0, 10, 128)
        self.opt = Adam(lr=1e-3)
        self.method = method

    def zca(self, eps=1e-5):
        x = self.x
        xc = x - x.mean(axis=0)
        n = x.shape[0]
        if self.method == "eigh":
            C = xc.T @ xc / n
            lam, U = np.linalg.eigh(C)
            W = (U * (1 / np.sqrt(np.maximum(lam, 0) + eps))) @ U.T
            return xc @ W
        _, s, Vt = np.linalg.svd(xc, full_matrices=False)            # thin: (128,), (128, 784)
        # xc @ W = xc V diag(1/sqrt(s^2/n + eps)) V^T: xc has no component outside V's span
        return ((xc @ Vt.T) * (1 / np.sqrt(s * s / n + eps))) @ Vt

    def loss_and_grads(self):
        scores, cache = self.net.forward(self.zca().astype(self.x.dtype))
        loss, ds = softmax_cross_entropy(scores, self.y)
        _, grads = self.net.backward(ds, cache)
        return loss, grads

    def step(self):
        loss, grads = self.loss_and_grads()
        self.opt.update(self.net.params, grads)
        return loss


WORKLOADS = {"W1": W1, "W2": W2, "W3": W3, "W4": W4}


def blas_kernel():
    try:
        from threadpoolctl import threadpool_info
        return next((i.get("architecture") for i in threadpool_info() if i.get("internal_api") == "openblas"), None)
    except ImportError:
        return None


def run(name, seconds, warmup=1.5):
    w = WORKLOADS[name]()
    t0 = time.perf_counter()
    loss0, k = w.step(), 1
    while k < 3 or time.perf_counter() - t0 < warmup:
        w.step()
        k += 1
    times, start = [], time.perf_counter()
    while True:
        s = time.perf_counter()
        loss = w.step()
        times.append(time.perf_counter() - s)
        if time.perf_counter() - start >= seconds:
            break
    wall = time.perf_counter() - start
    it = len(times) / wall
    q = statistics.quantiles(times, n=10) if len(times) >= 10 else [min(times)] * 9
    out = {"workload": name, "impl": "numpy-lab", "it_per_s": round(it, 3),
           "median_ms": round(1e3 * statistics.median(times), 3), "p10_ms": round(1e3 * q[0], 3),
           "p90_ms": round(1e3 * q[-1], 3), "gflops": round(it * FLOPS_EXACT[name] / 1e9, 1),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
           "loss_first": float(loss0), "loss_last": float(loss), "blas_kernel": blas_kernel()}
    if name == "W2":
        out["megapixels_per_s"] = round(it * 16 * 64 * 64 / 1e6, 3)
    return out


def check(name):
    """Float32 fast path against a float64 reference on the textbook layers: loss and gradients."""
    ref_conv = (conv_mod.conv_forward_direct, conv_mod.conv_backward_direct)
    if name == "W1":
        fast, ref = W1(np.float32), W1(np.float64)
        z = np.random.default_rng(5).standard_normal((64, 100))
        lf, gf, _, _ = fast.losses_and_grads(z.astype(np.float32))
        lr_, gr, _, _ = ref.losses_and_grads(z)
    elif name == "W4":
        fast, ref = W4(np.float32), W4(np.float64, method="eigh")
        lf, gf = fast.loss_and_grads()
        lr_, gr = ref.loss_and_grads()
    else:
        cls = WORKLOADS[name]
        fast, ref = cls(np.float32), cls(np.float64, conv=ref_conv)
        lf, gf = fast.loss_and_grads()
        lr_, gr = ref.loss_and_grads()
    worst = max(float(np.max(np.abs(gf[k] - gr[k])) / (np.max(np.abs(gr[k])) + 1e-30)) for k in gr)
    rel_loss = abs(lf - lr_) / abs(lr_)
    ok = rel_loss < 1e-4 and worst < 1e-3
    return {"workload": name, "impl": "numpy-lab", "check": "float32 fast path vs float64 textbook layers",
            "loss_rel_error": rel_loss, "grad_max_rel_error": worst, "ok": bool(ok)}


def _last_json(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def sgemm_peak():
    """The float32 sgemm peak that ../shared/bench/blas_peak.py reports (median, GFLOP/s), or None."""
    script = SHARED_BENCH / "blas_peak.py"
    if not script.exists():
        return None
    got = _last_json([sys.executable, str(script)])
    return next((v.get("peak_median", {}).get("float32") for v in got.get("variants", {}).values()), None)


def against_peer(peer, names, rounds, seconds):
    """Each round, every workload: the peer (torch_ref.py under ``peer``), then ours, each in its own
    process, back to back (a slow minute on a shared machine then costs both). One JSON line per
    round and workload, then per workload the median of the per-round ratios and the ratio of the
    medians, with the machine's sgemm peak measured before and after."""
    peak = [sgemm_peak()]
    got = {n: [] for n in names}
    for r in range(rounds):
        for n in names:
            theirs = _last_json([peer, str(SHARED_BENCH / "torch_ref.py"), "--workload", n, "--seconds", str(seconds)])
            ours = _last_json([sys.executable, __file__, "--workload", n, "--seconds", str(seconds)])
            t, o = theirs.get("it_per_s"), ours.get("it_per_s")
            ratio = o / t if t and o else None
            got[n].append((t, o, ratio))
            print(json.dumps({"workload": n, "round": r + 1, "torch_it_per_s": t, "ours_it_per_s": o,
                              "ratio": ratio}), flush=True)
    peak.append(sgemm_peak())
    ok = True
    for n in names:
        rows = [g for g in got[n] if g[2] is not None]
        if not rows:
            ok = False
            print(json.dumps({"workload": n, "summary": True, "error": "no timing from one side"}), flush=True)
            continue
        med_ratio = statistics.median(g[2] for g in rows)
        ratio_of_medians = statistics.median(g[1] for g in rows) / statistics.median(g[0] for g in rows)
        ok &= med_ratio >= 1.0
        print(json.dumps({"workload": n, "summary": True, "rounds": len(rows), "median_ratio": round(med_ratio, 3),
                          "ratio_of_medians": round(ratio_of_medians, 3), "min_ratio": round(min(g[2] for g in rows), 3),
                          "goal_ratio": 1.0, "met": med_ratio >= 1.0, "sgemm_peak_gflops_before_after": peak}),
              flush=True)
    return 0 if ok else 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", choices=list(WORKLOADS), action="append")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--check", action="store_true", help="compare with a float64 reference instead of timing")
    ap.add_argument("--peer", metavar="PYTHON", help="a Python with torch: time torch_ref.py under it against ours, "
                                                     "round by round, and print the ratios")
    ap.add_argument("--rounds", type=int, default=3, help="with --peer: rounds (default 3)")
    a = ap.parse_args(argv)
    names = a.workload or list(WORKLOADS)
    if a.peer:
        return against_peer(a.peer, names, a.rounds, a.seconds)
    status = 0
    for name in names:
        res = check(name) if a.check else run(name, a.seconds)
        status |= 0 if res.get("ok", True) else 1
        print(json.dumps(res), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
