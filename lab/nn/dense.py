"""Fully connected layer: ``out = x @ W + b``."""


def dense_forward(x, W, b):
    """Affine layer.

    x: (N, D), W: (D, M), b: (M,)  ->  out: (N, M), cache
    """
    out = x @ W
    out += b
    return out, (x, W)


def dense_backward(dout, cache, need_dx=True):
    """dout: (N, M) -> dx: (N, D) or None, dW: (D, M), db: (M,)

    ``need_dx=False`` skips the input gradient for a first layer (saves one matmul).
    """
    x, W = cache
    dx = dout @ W.T if need_dx else None  # backprop into x
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db
