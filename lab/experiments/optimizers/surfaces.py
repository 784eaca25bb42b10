"""Two-dimensional test surfaces for optimizers (Rosenbrock, Beale, a saddle, a noisy quadratic)
and the trajectories of any optimizer from ``lab.optim`` on them: the picture users of optimizer
visualisations expect beside the network race."""

import numpy as np

SURFACES = {
    # name: (f(x, y), gradient, start, (xmin, xmax, ymin, ymax), minimum or None)
    "rosenbrock": (lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
                   lambda x, y: np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]),
                   (-1.5, 1.5), (-2.0, 2.0, -1.0, 3.0), (1.0, 1.0)),
    "beale": (lambda x, y: (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y ** 3) ** 2,
              lambda x, y: np.array([
                  2 * (1.5 - x + x * y) * (y - 1) + 2 * (2.25 - x + x * y * y) * (y * y - 1)
                  + 2 * (2.625 - x + x * y ** 3) * (y ** 3 - 1),
                  2 * (1.5 - x + x * y) * x + 2 * (2.25 - x + x * y * y) * 2 * x * y
                  + 2 * (2.625 - x + x * y ** 3) * 3 * x * y * y]),
              (1.0, 1.4), (-0.5, 4.0, -1.5, 2.0), (3.0, 0.5)),
    "saddle": (lambda x, y: x * x - y * y,
               lambda x, y: np.array([2 * x, -2 * y]),
               (-1.5, 1e-3), (-2.0, 2.0, -2.0, 2.0), None),
    "noisy-quadratic": (lambda x, y: 0.5 * (x * x + 10 * y * y),
                        lambda x, y: np.array([x, 10 * y]),
                        (-2.5, 1.5), (-3.0, 3.0, -2.0, 2.0), (0.0, 0.0)),
}


def surface_grid(name, n=120):
    """(xs, ys, Z) on the surface's box, Z log-scaled for contours (log(1 + f - min))."""
    f, _, _, (x0, x1, y0, y1), _ = SURFACES[name]
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    X, Y = np.meshgrid(xs, ys)
    Z = f(X, Y)
    return xs, ys, np.log1p(Z - Z.min())


def trajectory(name, optimizer, steps, rng=None, noise=0.5):
    """The path (steps + 1, 2) of ``optimizer`` (a lab.optim optimizer, or a noise wrapper) from
    the surface's start; the noisy quadratic adds N(0, noise^2) to each gradient component. A
    path that leaves the finite numbers stops there (the rest repeats its last point)."""
    f, grad, start, box, _ = SURFACES[name]
    rng = rng if rng is not None else np.random.default_rng(0)
    p = {"xy": np.array(start, np.float64)}
    path = np.empty((steps + 1, 2))
    path[0] = p["xy"]
    for t in range(1, steps + 1):
        g = grad(*p["xy"])
        if name == "noisy-quadratic":
            g = g + noise * rng.standard_normal(2)
        optimizer.update(p, {"xy": g})
        if not np.all(np.isfinite(p["xy"])) or np.abs(p["xy"]).max() > 1e6:
            path[t:] = path[t - 1]
            break
        path[t] = p["xy"]
    return path
