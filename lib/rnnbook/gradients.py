"""Backpropagation through time for the simple RNN, and gradient norms against the lag.

Layout (Keras' row-vector convention): one sequence's state is a row ``h_t`` of shape
``(units,)`` and

    a_t = x_t W + h_{t-1} U + b,    h_t = phi(a_t),

with ``W = kernel`` ``(input_dim, units)``, ``U = recurrent_kernel`` ``(units, units)`` and
``b = bias`` ``(units,)``. Jacobians are written the usual way, rows = outputs:
``(dh_t/dh_{t-1})[i, j] = d h_t[i] / d h_{t-1}[j] = phi'(a_t[i]) U[j, i]``, i.e.

    dh_t/dh_{t-1} = diag(phi'(a_t)) U^T,      dh_t/dx_t = diag(phi'(a_t)) W^T,

(the transpose because Keras multiplies the row ``h_{t-1}`` from the left), and by the
chain rule ``dh_T/dh_t = J_T J_{T-1} ... J_{t+1}``. The *lag* is ``T - t``.

Steps are numbered as on the page: inputs ``x_1 .. x_T`` are ``x[0] .. x[T-1]``, states
``h_0`` (the initial state) ``.. h_T``.
"""

import numpy as np

from rnnbook import backend, svg

ACTIVATIONS = {
    "tanh": (np.tanh, lambda a: 1.0 - np.tanh(a) ** 2),
    "relu": (lambda a: np.maximum(a, 0.0), lambda a: (a > 0).astype(float)),
    "linear": (lambda a: a, np.ones_like),
}


def _activation(name):
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}: expected one of "
                         f"{', '.join(repr(k) for k in ACTIVATIONS)}")
    return ACTIVATIONS[name]


def scaled_orthogonal(units, spectral_radius, seed=0):
    """A random orthogonal matrix times ``spectral_radius``, shape ``(units, units)``.

    Keras' default ``recurrent_initializer`` is orthogonal (spectral radius 1); scaling it
    sets every eigenvalue's modulus *and* every singular value to ``spectral_radius``.
    """
    if spectral_radius < 0:
        raise ValueError(f"spectral_radius must be >= 0, got {spectral_radius!r}")
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(units, units)))
    return spectral_radius * q * np.sign(np.diag(r))


def simple_rnn_forward(kernel, recurrent_kernel, bias, x, activation="tanh",
                       initial_state=None):
    """Run a simple RNN over one sequence.

    Parameters
    ----------
    kernel : ``(input_dim, units)``; recurrent_kernel : ``(units, units)``; bias : ``(units,)``.
    x : ``(timesteps, input_dim)``, one sequence (no sample axis).
    initial_state : ``(units,)``, default zeros.

    Returns
    -------
    states : ``(timesteps + 1, units)``, ``h_0 .. h_T``.
    preactivations : ``(timesteps, units)``, ``a_1 .. a_T``.
    """
    phi, _ = _activation(activation)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != np.shape(kernel)[0]:
        raise ValueError(f"x must be (timesteps, input_dim={np.shape(kernel)[0]}), "
                         f"got shape {x.shape}")
    units = np.shape(recurrent_kernel)[0]
    h = np.zeros(units) if initial_state is None else np.asarray(initial_state, float)
    states, preactivations = [h], []
    for x_t in x:
        a = x_t @ kernel + h @ recurrent_kernel + bias
        h = phi(a)
        preactivations.append(a)
        states.append(h)
    return np.array(states), np.array(preactivations)


def state_jacobians(recurrent_kernel, preactivations, activation="tanh"):
    """``dh_T/dh_t`` for ``t = 0 .. T``, each the product of ``diag(phi'(a_s)) U^T``.

    Returns ``(timesteps + 1, units, units)``; entry ``t`` is ``dh_T/dh_t`` (lag ``T - t``),
    so the last entry is the identity.
    """
    _, derivative = _activation(activation)
    preactivations = np.asarray(preactivations, dtype=np.float64)
    timesteps, units = preactivations.shape
    product = np.eye(units)
    result = [product]
    for t in range(timesteps - 1, -1, -1):  # s = T, T-1, ..., 1 in the page's numbering
        step = derivative(preactivations[t])[:, None] * recurrent_kernel.T  # diag(phi') U^T
        product = product @ step
        result.append(product)
    return np.array(result[::-1])


def input_jacobians(kernel, recurrent_kernel, preactivations, activation="tanh"):
    """``dh_T/dx_t`` for ``t = 1 .. T``: ``dh_T/dh_t diag(phi'(a_t)) W^T``.

    Returns ``(timesteps, units, input_dim)``; entry ``t - 1`` belongs to ``x_t``.
    """
    _, derivative = _activation(activation)
    through_state = state_jacobians(recurrent_kernel, preactivations, activation)[1:]
    local = derivative(np.asarray(preactivations))[:, :, None] * np.asarray(kernel).T
    return through_state @ local


def gradient_norms(kernel, recurrent_kernel, bias, x, activation="tanh"):
    """Spectral norms of ``dh_T/dh_{T-lag}`` and ``dh_T/dx_{T-lag}`` against the lag.

    Returns a dict of ``lag`` ``(timesteps,)`` = 0 .. T-1, ``state`` and ``input`` norms
    ``(timesteps,)`` indexed by lag, and ``states`` ``(timesteps + 1, units)``.
    """
    states, pre = simple_rnn_forward(kernel, recurrent_kernel, bias, x, activation)
    timesteps = len(pre)
    by_state = state_jacobians(recurrent_kernel, pre, activation)
    by_input = input_jacobians(kernel, recurrent_kernel, pre, activation)
    lag = np.arange(timesteps)
    return {"lag": lag,
            "state": np.linalg.norm(by_state[timesteps - lag], ord=2, axis=(1, 2)),
            "input": np.linalg.norm(by_input[timesteps - 1 - lag], ord=2, axis=(1, 2)),
            "states": states}


# ---- the same quantities from Keras, by the backend's automatic differentiation -----------

def _rows_of_jacobian(last):
    """Sum of ``last[k, k % units]``: its gradient by a batch of ``units`` identical copies
    of the input holds, in copy ``k``, row ``k`` of the Jacobian (no ``pfor`` tracing)."""
    import keras

    samples, units = last.shape
    dtype = keras.backend.standardize_dtype(last.dtype)
    pick = np.eye(units, dtype=dtype)[np.arange(samples) % units]
    return keras.ops.sum(keras.ops.multiply(last, pick))


def keras_state_jacobians(layer, x):
    """``dh_T/dh_t`` for ``t = 0 .. T-1`` from a built ``keras.layers.SimpleRNN``.

    For each ``t`` the layer is run from ``h_t`` (its own state, from ``return_sequences``)
    over ``x_{t+1} .. x_T`` and the backend (TensorFlow, JAX or PyTorch:
    :func:`rnnbook.backend.gradient`) differentiates ``h_T`` by that initial state.
    ``x``: ``(timesteps, input_dim)``. Returns ``(timesteps, units, units)``.
    """
    import keras

    backend.require_differentiable("rnnbook.gradients.keras_state_jacobians")
    x = np.asarray(backend.to_numpy(x), dtype=np.float32)[None]
    timesteps, units = x.shape[1], layer.units
    trace = keras.layers.SimpleRNN(units, activation=layer.activation, return_sequences=True)
    trace.build(x.shape)
    trace.set_weights(layer.get_weights())
    states = np.concatenate([np.zeros((1, 1, units), np.float32),
                             backend.to_numpy(trace(x))], axis=1)  # h_0 .. h_T
    copies = np.repeat(x, units, axis=0)                             # one copy per row
    result = []
    for t in range(timesteps):
        def last_rows(start, rest=copies[:, t:]):
            return _rows_of_jacobian(layer(rest, initial_state=[start]))
        result.append(backend.gradient(last_rows, np.repeat(states[:, t], units, axis=0)))
    return np.array(result)


def keras_input_jacobians(layer, x):
    """``dh_T/dx_t`` for every sample and ``t = 1 .. T``, any Keras recurrent layer.

    ``x``: ``(samples, timesteps, input_dim)``. One compiled gradient pass
    (:func:`rnnbook.backend.gradient`: ``tf.GradientTape`` in a ``tf.function``, ``jax.grad``
    under ``jax.jit``, or ``torch.autograd``) over ``units`` copies of each sample.
    Returns ``(samples, timesteps, units, input_dim)``.
    """
    backend.require_differentiable("rnnbook.gradients.keras_input_jacobians")
    x = np.asarray(backend.to_numpy(x), dtype=np.float32)
    samples, units = x.shape[0], layer.units
    grad = backend.gradient(lambda copies: _rows_of_jacobian(layer(copies)),
                            np.repeat(x, units, axis=0), compile=True)
    return np.moveaxis(grad.reshape(samples, units, *x.shape[1:]), 1, 2)


def keras_input_gradient_norms(layer, x):
    """Mean over samples of ``||dh_T/dx_{T-lag}||_2`` for any Keras recurrent layer.

    ``x``: ``(samples, timesteps, input_dim)``. Returns ``(timesteps,)`` for lag 0 .. T-1.
    """
    norms = np.linalg.norm(keras_input_jacobians(layer, x), ord=2, axis=(2, 3))
    return norms.mean(axis=0)[::-1]


# ---- the explorer -------------------------------------------------------------------------

EXPLORER_UNITS = 16
EXPLORER_INPUT_DIM = 2
RADII = [0.5, 0.8, 0.9, 1.0, 1.1, 1.5, 2.0]
LENGTHS = [10, 30, 60]


def explorer_run(spectral_radius=1.0, activation="tanh", timesteps=30, seed=0):
    """A 16-unit simple RNN with orthogonal recurrent weights of the given spectral radius.

    Kernel ``N(0, 0.5^2)`` on 2 inputs, zero bias, inputs ``N(0, 1)``; all drawn from
    ``seed``. Returns :func:`gradient_norms`' dict plus the weights and inputs.
    """
    if int(timesteps) != timesteps or timesteps < 1:
        raise ValueError(f"timesteps must be a positive integer, got {timesteps!r}")
    rng = np.random.default_rng(seed)
    kernel = rng.normal(0.0, 0.5, (EXPLORER_INPUT_DIM, EXPLORER_UNITS))
    x = rng.normal(0.0, 1.0, (int(timesteps), EXPLORER_INPUT_DIM))
    recurrent_kernel = scaled_orthogonal(EXPLORER_UNITS, spectral_radius, seed=seed + 1)
    bias = np.zeros(EXPLORER_UNITS)
    result = gradient_norms(kernel, recurrent_kernel, bias, x, activation)
    result.update(kernel=kernel, recurrent_kernel=recurrent_kernel, bias=bias, x=x)
    return result


def explorer_view(spectral_radius=1.0, activation="tanh", timesteps=30):
    """The explorer's view: log10 gradient norm against lag, and four units' states."""
    r = explorer_run(spectral_radius, activation, timesteps)
    log_norm = np.log10(np.maximum(r["state"], 1e-30))
    low = min(-8.0, float(np.floor(log_norm.min())))
    high = max(2.0, float(np.ceil(log_norm.max())))
    gradient = svg.line_panel({"log10 norm": log_norm}, title="gradient norm against lag",
                              ylim=(max(low, -30.0), min(high, 30.0)), xlabel="lag")
    states = r["states"][1:, :4]
    limit = max(1.0, float(np.ceil(np.abs(states).max())))
    trajectory = svg.line_panel({f"h[{i}]": states[:, i] for i in range(4)},
                                title="hidden state, units 0-3",
                                ylim=(-limit, limit), xlabel="step t - 1")
    chart = svg.stack([gradient, trajectory], label=(
        f"Simple RNN, spectral radius {spectral_radius:g}, {activation}, T = {timesteps}: "
        "log gradient norm against lag (top), hidden state over time (bottom)."))
    last = r["state"][-1]
    return (f"{chart}<p>||dh<sub>T</sub>/dh<sub>1</sub>|| = {last:.2e} at lag {timesteps - 1}"
            f"; largest |h| = {np.abs(r['states']).max():.3g}.</p>")


def explorer():
    """Spectral radius, activation and length of a simple RNN against its gradient norms."""
    from rnnbook.explorer import Choice, Explorer, Slider

    return Explorer(explorer_view, [
        Slider("spectral_radius", "spectral radius of U:", RADII, default=1.0,
               live_step=0.05),
        Choice("activation", "activation:", {"tanh": "tanh", "relu": "relu",
                                             "linear": "linear"}),
        Slider("timesteps", "sequence length T:", LENGTHS, default=30, live_step=1),
    ], title="Vanishing and exploding: a simple RNN's gradient norm against the lag")


# ---- gradient norm against lag for Keras layers, and its figure ---------------------------

def keras_layer_for_lag_curve(kind, units=32, input_dim=2, spectral_radius=None, seed=0):
    """A built Keras layer with Keras' default initialisers (LSTM forget bias 1, i.e.
    ``unit_forget_bias=True``), seeded; for SimpleRNN the recurrent kernel is replaced by
    :func:`scaled_orthogonal` of ``spectral_radius`` (Keras' default is radius 1)."""
    import keras

    classes = {"SimpleRNN": keras.layers.SimpleRNN, "LSTM": keras.layers.LSTM,
               "GRU": keras.layers.GRU}
    if kind not in classes:
        raise ValueError(f"unknown kind {kind!r}: expected one of {', '.join(classes)}")
    keras.utils.set_random_seed(seed)
    layer = classes[kind](units)
    layer.build((None, None, input_dim))
    if kind == "SimpleRNN" and spectral_radius is not None:
        kernel, _, bias = layer.get_weights()
        recurrent = scaled_orthogonal(units, spectral_radius, seed=seed).astype(np.float32)
        layer.set_weights([kernel, recurrent, bias])
    return layer


def lag_curves(timesteps=100, radii=(0.5, 0.9, 1.0, 1.5, 3.0), units=32, samples=8, seed=0):
    """Mean ``||dh_T/dx_{T-lag}||_2`` against lag for Keras layers with Keras' default
    initialisers: SimpleRNN at each spectral radius (by the NumPy BPTT of this module, which
    the tests check against ``tf.GradientTape``), LSTM and GRU by ``tf.GradientTape``.
    Inputs ``N(0, 1)``, ``(samples, timesteps, 2)``, from ``seed``.
    Returns dict of label -> ``(timesteps,)``."""
    x = np.random.default_rng(seed).normal(size=(samples, timesteps, 2))
    curves = {}
    for rho in radii:
        layer = keras_layer_for_lag_curve("SimpleRNN", units, spectral_radius=rho, seed=seed)
        weights = [w.astype(np.float64) for w in layer.get_weights()]
        curves[f"SimpleRNN, radius {rho:g}"] = np.mean(
            [gradient_norms(*weights, sequence)["input"] for sequence in x], axis=0)
    for kind in ("LSTM", "GRU"):
        curves[kind] = keras_input_gradient_norms(keras_layer_for_lag_curve(kind, units,
                                                                            seed=seed), x)
    return curves


def plot_lag_curves(curves, title=None):
    """Log-scale figure of :func:`lag_curves`: gated layers solid, SimpleRNN dashed."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.8), layout="constrained")
    for label, values in curves.items():
        style = "-" if label in ("LSTM", "GRU") else "--"
        ax.semilogy(np.arange(len(values)), np.maximum(values, 1e-30), style, label=label,
                    linewidth=2 if style == "-" else 1.5)
    ax.set_xlabel("lag $T - t$")
    ax.set_ylabel(r"mean $\|\partial h_T / \partial x_t\|_2$")
    ax.legend(fontsize=8, ncol=2)
    if title:
        ax.set_title(title)
    return fig
