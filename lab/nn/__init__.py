"""Layers and models with hand-written forward and backward passes, in NumPy.

The contract (CS231n's layer pairs, micrograd's plainness), which every new layer follows:

- **A layer is a pair of functions** in the module of its family (``dense``, ``conv``, ``pool``,
  ``norm``, ``highway``, ``recurrent``, ``whitening``, ``activations``, ``losses``)::

      out, cache = x_forward(x, *params, **options)     # shapes in the docstring
      dx, *dparams = x_backward(dout, cache)            # same order as the forward's params

  Backward unpacks the cache on its first line. Gradients of a value used twice add up (``+=``).
  ``need_dx=False`` lets a first layer skip its input gradient. Activations are named pairs:
  ``ACTIVATIONS[name].forward / .backward``. Losses return ``(loss, dscores)``.
- **A model is a small class** holding a ``params`` dict (name -> float32 array) and never
  optimising itself (an optimizer from ``lab.optim`` updates ``params`` from the gradients)::

      out, cache = model.forward(x)
      dx, grads = model.backward(dout, cache)            # grads keyed like params; dx may be None

  A layer with state beyond its parameters (running statistics) is a class with the same
  ``forward``/``backward`` and a ``state_dict``/``load_state_dict``. A recurrent cell
  (``rnn_cells``) is a small class whose ``forward``/``backward`` take one time step and the state;
  ``sequence_forward``/``sequence_backward`` run it through time.
- Training runs in float32; every backward pass has a float64 gradient check in ``tests/lab``
  (``gradcheck.eval_numerical_gradient_array`` + ``rel_error``).
"""

from .memory import keep_freed_memory  # noqa: E402

FREED_MEMORY_KEPT = keep_freed_memory()   # the engine's temporaries reused, not re-mapped every step (memory)
