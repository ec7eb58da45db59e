"""Backpropagation through time for the simple RNN, and gradient norms against the lag.

Layout (Keras' row-vector convention): one sequence's state is a row ``h_t`` of shape
``(units,)`` and

    a_t = x_t W + h_{t-1} U + b,    h_t = phi(a_t),

with ``W = kernel`` ``(input_dim, units)``, ``U = recurrent_kernel`` ``(units, units)`` and
``b = bias`` ``(units,)``. Steps are zero-based like the arrays: ``x_t = x[t]`` for
``t = 0 .. T-1``, the initial state is ``h_{-1}`` (zeros unless given) and the last output
is ``h_{T-1}``. Jacobians are written the usual way, rows = outputs:
``(dh_t/dh_{t-1})[i, j] = d h_t[i] / d h_{t-1}[j] = phi'(a_t[i]) U[j, i]``, i.e.

    dh_t/dh_{t-1} = diag(phi'(a_t)) U^T,      dh_t/dx_t = diag(phi'(a_t)) W^T,

(the transpose because Keras multiplies the row ``h_{t-1}`` from the left), and by the
chain rule ``dh_{T-1}/dh_t = J_{T-1} J_{T-2} ... J_{t+1}``. The *lag* of ``h_t`` or ``x_t``
is ``T - 1 - t``: the number of steps between it and the last output.
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
    initial_state : ``(units,)``, the state ``h_{-1}``; default zeros.

    Returns
    -------
    states : ``(timesteps + 1, units)``, ``h_{-1}, h_0 .. h_{T-1}`` (row ``k`` is
        ``h_{k-1}``).
    preactivations : ``(timesteps, units)``, ``a_0 .. a_{T-1}``.
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
    """``dh_{T-1}/dh_t``, t = -1 .. T-1: products of ``diag(phi'(a_s)) U^T``.

    ``preactivations``: ``(timesteps, units)``, ``a_0 .. a_{T-1}``.
    Returns ``(timesteps + 1, units, units)``; entry ``k`` is
    ``dh_{T-1}/dh_{k-1}`` (lag ``T - k``): entry 0 belongs to the initial
    state ``h_{-1}``, and the last, ``dh_{T-1}/dh_{T-1}``, is the identity.
    """
    _, derivative = _activation(activation)
    preactivations = np.asarray(preactivations, dtype=np.float64)
    timesteps, units = preactivations.shape
    product = np.eye(units)
    result = [product]
    for t in range(timesteps - 1, -1, -1):  # the factor J_t, t = T-1, ..., 0
        # diag(phi'(a_t)) U^T, as a row scaling of U^T
        step = derivative(preactivations[t])[:, None] * recurrent_kernel.T
        product = product @ step
        result.append(product)
    return np.array(result[::-1])


def input_jacobians(kernel, recurrent_kernel, preactivations, activation="tanh"):
    """``dh_{T-1}/dx_t`` for ``t = 0 .. T-1``: ``dh_{T-1}/dh_t diag(phi'(a_t)) W^T``.

    Returns ``(timesteps, units, input_dim)``; entry ``t`` belongs to ``x_t``.
    """
    _, derivative = _activation(activation)
    through_state = state_jacobians(recurrent_kernel, preactivations, activation)[1:]
    local = derivative(np.asarray(preactivations))[:, :, None] * np.asarray(kernel).T
    return through_state @ local


def gradient_norms(kernel, recurrent_kernel, bias, x, activation="tanh"):
    """Spectral norms of ``dh_{T-1}/dh_{T-1-lag}`` and ``dh_{T-1}/dx_{T-1-lag}`` by lag.

    Returns a dict of ``lag`` ``(timesteps,)`` = 0 .. T-1, ``state`` and ``input`` norms
    ``(timesteps,)`` indexed by lag (``state`` at lag ``T-1`` is ``dh_{T-1}/dh_0``), and
    ``states`` ``(timesteps + 1, units)``, ``h_{-1} .. h_{T-1}``.
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


def recurrent_kernel_gradient_terms(kernel, recurrent_kernel, bias, x, output_gradient,
                                    activation="tanh", initial_state=None):
    """The gradient of a loss by ``recurrent_kernel``, split into one term per step.

    For a loss ``L`` read at the last output, with ``g = dL/dh_{T-1}`` given as
    ``output_gradient`` ``(units,)``, backpropagation through time carries
    ``delta_t = dL/da_t`` back from ``delta_{T-1} = g * phi'(a_{T-1})`` by
    ``delta_t = (delta_{t+1} U^T) * phi'(a_t)``, and ``dL/dU`` is the sum over steps of
    ``outer(h_{t-1}, delta_t)``: the contribution of step ``t``, at lag ``T - 1 - t``.

    Parameters
    ----------
    kernel : ``(input_dim, units)``; recurrent_kernel : ``(units, units)``; bias : ``(units,)``.
    x : ``(timesteps, input_dim)``, one sequence.
    output_gradient : ``(units,)``, ``dL/dh_{T-1}``.

    Returns
    -------
    ``(timesteps, units, units)``; entry ``t`` is step ``t``'s term, and the sum over the
    first axis is ``dL/dU``.
    """
    _, derivative = _activation(activation)
    states, pre = simple_rnn_forward(kernel, recurrent_kernel, bias, x, activation,
                                     initial_state)
    units = np.shape(recurrent_kernel)[0]
    g = np.asarray(output_gradient, dtype=np.float64)
    if g.shape != (units,):
        raise ValueError(f"output_gradient must be (units={units},), got shape {g.shape}")
    terms = np.empty((len(pre), units, units))
    delta = g * derivative(pre[-1])
    for t in range(len(pre) - 1, -1, -1):
        terms[t] = np.outer(states[t], delta)          # states[t] is h_{t-1}
        if t:
            delta = (delta @ np.asarray(recurrent_kernel).T) * derivative(pre[t - 1])
    return terms


def decay_rate(curve, first_lag, last_lag):
    """The per-step factor of a curve that falls (or grows) geometrically with the lag.

    A least-squares line through ``log(curve[lag])`` for ``lag = first_lag .. last_lag``;
    returns ``exp(slope)``: 0.5 means the curve halves at every step. ``curve``:
    ``(lags,)`` of positive values, indexed by lag.
    """
    curve = np.asarray(curve, dtype=np.float64)
    if not 0 <= first_lag < last_lag < len(curve):
        raise ValueError(f"need 0 <= first_lag < last_lag < {len(curve)} (the curve's "
                         f"length), got {first_lag} and {last_lag}")
    lags = np.arange(first_lag, last_lag + 1)
    if np.any(curve[lags] <= 0):
        raise ValueError("the curve must be positive over the lags fitted")
    return float(np.exp(np.polyfit(lags, np.log(curve[lags]), 1)[0]))


def numeric_input_jacobian(layer, x, t, eps=1e-4):
    """``dh_{T-1}/dx_t`` by central differences of the NumPy reference engine in float64.

    A check that shares nothing with the backend's autodiff: the layer's weights are run by
    :func:`rnnbook.reference.forward` on ``x`` with ``x_t`` moved by ``+-eps`` along each
    input channel. ``layer``: a built ``SimpleRNN``, ``LSTM`` or ``GRU`` returning its last
    output; ``x``: ``(timesteps, input_dim)``. Returns ``(units, input_dim)``.
    """
    from rnnbook import reference

    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"x must be (timesteps, input_dim), got shape {x.shape}")
    if not 0 <= t < x.shape[0]:
        raise ValueError(f"t must be a step 0 .. {x.shape[0] - 1}, got {t}")

    def last(sequence):
        out = reference.forward(layer, sequence[None])
        return np.asarray(out[0] if isinstance(out, list) else out)[0]

    columns = []
    for channel in range(x.shape[1]):
        up, down = x.copy(), x.copy()
        up[t, channel] += eps
        down[t, channel] -= eps
        columns.append((last(up) - last(down)) / (2 * eps))
    return np.stack(columns, axis=1)


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
    """``dh_{T-1}/dh_t`` for ``t = -1 .. T-2`` from a built ``keras.layers.SimpleRNN``.

    For each ``t`` the layer is run from ``h_t`` (its own state, from ``return_sequences``;
    ``h_{-1}`` = zeros) over ``x_{t+1} .. x_{T-1}`` and the backend (TensorFlow, JAX or
    PyTorch: :func:`rnnbook.backend.gradient`) differentiates ``h_{T-1}`` by that initial
    state. ``x``: ``(timesteps, input_dim)``. Returns ``(timesteps, units, units)``; entry
    ``k`` is ``dh_{T-1}/dh_{k-1}``, as in :func:`state_jacobians` without its last
    (identity) entry.
    """
    import keras

    backend.require_differentiable("rnnbook.gradients.keras_state_jacobians")
    x = np.asarray(backend.to_numpy(x), dtype=np.float32)[None]
    timesteps, units = x.shape[1], layer.units
    trace = keras.layers.SimpleRNN(units, activation=layer.activation, return_sequences=True)
    trace.build(x.shape)
    trace.set_weights(layer.get_weights())
    states = np.concatenate([np.zeros((1, 1, units), np.float32),
                             backend.to_numpy(trace(x))], axis=1)  # h_{-1} .. h_{T-1}
    copies = np.repeat(x, units, axis=0)                             # one copy per row
    result = []
    for t in range(timesteps):
        def last_rows(start, rest=copies[:, t:]):
            return _rows_of_jacobian(layer(rest, initial_state=[start]))
        result.append(backend.gradient(last_rows, np.repeat(states[:, t], units, axis=0)))
    return np.array(result)


def keras_input_jacobians(layer, x):
    """``dh_{T-1}/dx_t`` for every sample and ``t = 0 .. T-1``, any Keras recurrent layer.

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
    """Mean over samples of ``||dh_{T-1}/dx_{T-1-lag}||_2`` for any Keras recurrent layer.

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


#: The explorer's four state lines: Okabe-Ito colours without the yellow, two dashed.
STATE_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"]


def _round_limits(values, step=10.0, floor=-10.0, ceiling=10.0, bound=30.0):
    """Axis limits at multiples of ``step`` around ``values`` (so the mid tick is round too)."""
    low = min(floor, step * np.floor(float(np.min(values)) / step))
    high = max(ceiling, step * np.ceil(float(np.max(values)) / step))
    return max(low, -bound), min(high, bound)


def explorer_view(spectral_radius=1.0, activation="tanh", timesteps=30):
    """The explorer's view: log10 gradient norm against lag, and four units' states."""
    r = explorer_run(spectral_radius, activation, timesteps)
    with np.errstate(divide="ignore"):
        log_norm = np.log10(r["state"])      # -inf where the norm is exactly 0: drawn at the floor
    finite = log_norm[np.isfinite(log_norm)]
    gradient = svg.line_panel(
        {"log10 norm": log_norm},
        title="log10 ||dh(T-1)/dh(T-1-lag)|| (vertical) against the lag",
        ylim=_round_limits(finite if finite.size else [0.0]), xlabel="lag")
    states = r["states"][1:, :4]
    limit = max(1.0, float(np.ceil(np.abs(states).max())))
    labels = [f"h[{i}]" for i in range(4)]
    trajectory = svg.line_panel({label: states[:, i] for i, label in enumerate(labels)},
                                title="hidden state h_t, units 0-3 (vertical) against t",
                                ylim=(-limit, limit), xlabel="step t",
                                colors=dict(zip(labels, STATE_COLORS, strict=True)),
                                dashed=labels[1::2])
    chart = svg.stack([gradient, trajectory], label=(
        f"Simple RNN, spectral radius {spectral_radius:g}, {activation}, T = {timesteps}: "
        "log10 gradient norm against lag (top), hidden state over time (bottom)."))
    last = r["state"][-1]
    return (f"{chart}<p>||dh<sub>T-1</sub>/dh<sub>0</sub>|| = {last:.2e} at lag "
            f"{timesteps - 1}; largest |h| = {np.abs(r['states']).max():.3g}.</p>")


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
    """Mean ``||dh_{T-1}/dx_{T-1-lag}||_2`` against lag for Keras layers with Keras' default
    initialisers: SimpleRNN at each spectral radius (by the NumPy BPTT of this module, which
    the tests check against the backend's autodiff), LSTM and GRU by the backend's autodiff
    (:func:`rnnbook.backend.gradient`).
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


def plot_lag_curves(curves, title=None, ylim=(1e-20, 1e14)):
    """Log-scale figure of :func:`lag_curves`: SimpleRNN dashed in a blue ramp by radius,
    LSTM and GRU solid in their own colours, each line with its own marker.

    Values are drawn as they are (no clamp): a curve that falls below ``ylim`` leaves the
    chart there instead of flattening into a false floor.
    """
    import matplotlib.pyplot as plt

    from rnnbook.plots import MAX_WIDTH_INCHES

    fig, ax = plt.subplots(figsize=(MAX_WIDTH_INCHES, 3.8), layout="constrained")
    radii = [label for label in curves if label not in ("LSTM", "GRU")]
    ramp = plt.get_cmap("Blues")(np.linspace(0.45, 1.0, max(len(radii), 1)))
    markers = iter("osv^Dp*h")
    gated = {"LSTM": ("#D55E00", "X"), "GRU": ("#009E73", "P")}
    for label, values in curves.items():
        lags = np.arange(len(values))
        if label in gated:
            color, marker = gated[label]
            style = dict(linestyle="-", linewidth=2.2)
        else:
            color, marker = ramp[radii.index(label)], next(markers)
            style = dict(linestyle="--", linewidth=1.5)
        ax.semilogy(lags, values, color=color, marker=marker, markevery=10, markersize=5,
                    label=label, **style)
    ax.set_ylim(*ylim)
    ax.set_xlabel(r"lag $\ell = T - 1 - t$")
    ax.set_ylabel(r"mean $\|\partial h_{T-1} / \partial x_t\|_2$")
    fig.legend(loc="outside right center", fontsize=9, frameon=False)
    if title:
        ax.set_title(title)
    return fig
