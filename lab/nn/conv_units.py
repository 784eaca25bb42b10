"""The units the small conv nets are made of, as forward/backward pairs over a params dict:
convolution (+ batch norm) (+ ReLU), with the parameters of unit ``name`` stored as
``{name}.W`` and ``{name}.b``, or with batch norm ``{name}.W``, ``{name}.gamma``, ``{name}.beta`` (running
statistics in ``state[name]``). Stride 1 uses the GEMM convolution of ``lab.nn.conv``; strides and
1x1 kernels use ``lab.nn.conv_strided``."""

import numpy as np

from .activations import relu_backward, relu_forward
from .conv import conv_backward, conv_forward, inference
from .conv_strided import conv2d_backward, conv2d_forward
from .norm import batchnorm_backward, batchnorm_forward


def init_conv(p, name, c_in, c_out, k, rng, bn=False, dtype=np.float32):
    """He-initialised k x k kernels (F, C, k, k); zero bias, or gamma 1 and beta 0 with batch norm."""
    p[f"{name}.W"] = (rng.standard_normal((c_out, c_in, k, k)) * np.sqrt(2.0 / (c_in * k * k))).astype(dtype)
    if not bn:  # a bias before batch norm is cancelled by its mean: none
        p[f"{name}.b"] = np.zeros(c_out, dtype)
    else:
        p[f"{name}.gamma"] = np.ones(c_out, dtype)
        p[f"{name}.beta"] = np.zeros(c_out, dtype)


def conv_unit_forward(x, p, name, state=None, train=True, stride=1, relu=True):
    """x (N, C, H, W) -> conv (stride, 'same') -> [batch norm if state has ``name``] -> [ReLU]; out, cache.
    ``state`` maps a batch-norm unit's name to its running {"mean", "var"} (updated while training)."""
    W = p[f"{name}.W"]
    b = p[f"{name}.b"] if f"{name}.b" in p else np.zeros(W.shape[0], W.dtype)
    fast = stride == 1 and W.shape[-1] % 2 == 1 and W.shape[-1] > 1
    if fast and not train:                          # evaluation: forward only, the faster GEMM form
        with inference():
            out, cc = conv_forward(x, W, b)
    else:
        out, cc = conv_forward(x, W, b) if fast else conv2d_forward(x, W, b, stride=stride)
    bc = rc = None
    if state is not None and name in state:
        out, bc = batchnorm_forward(out, p[f"{name}.gamma"], p[f"{name}.beta"], state[name], train)
    if relu:
        out, rc = relu_forward(out)
    return out, (name, fast, cc, bc, rc)


def conv_unit_backward(dout, cache, grads, need_dx=True):
    """Adds the unit's parameter gradients to ``grads``; returns dx (or None)."""
    name, fast, cc, bc, rc = cache
    if rc is not None:
        dout = relu_backward(dout, rc)
    if bc is not None:
        dout, grads[f"{name}.gamma"], grads[f"{name}.beta"] = batchnorm_backward(dout, bc)
    dx, grads[f"{name}.W"], db = (conv_backward if fast else conv2d_backward)(dout, cc, need_dx)
    if bc is None:
        grads[f"{name}.b"] = db
    return dx


def new_bn_state(names, channels):
    """Running statistics for the batch-norm units: name -> {"mean": 0, "var": 1} of their channels."""
    return {n: {"mean": np.zeros(c, np.float32), "var": np.ones(c, np.float32)} for n, c in zip(names, channels)}
