"""LSTM variants next to the one Keras computes: the seed articles' and two classic ones.

Seed 001 ("Implementation of RNN, LSTM, and GRU") writes the cell state as
``C_t = sigma(f_t * C_{t-1} + i_t * C~_t)`` and its gates without a bias. This module runs
those variants over a sequence in Keras' weight layout (see :mod:`rnnbook.cells`), so a
chapter can show numerically where they part from ``keras.layers.LSTM``.

It also holds two variants Keras 3 does not ship, as a NumPy step and as a Keras cell
(:class:`VariantLSTMCell`, for ``keras.layers.RNN``): **peephole** connections, where the
gates also read the cell state through diagonal weights (i and f read ``c_{t-1}``, o reads
``c_t``, as TensorFlow 2's former ``PeepholeLSTMCell`` did), and the **coupled** input and
forget gate, ``i_t = 1 - f_t``, which drops the input gate's weights.

Shapes: inputs ``(samples, timesteps, input_dim)``; ``kernel`` ``(input_dim, k * units)``;
``recurrent_kernel`` ``(units, k * units)``; ``bias`` ``(k * units,)`` or ``None``; gate
blocks side by side in Keras' order i, f, c, o (``k = 4``), or f, c, o for the coupled cell
(``k = 3``); ``peephole`` ``(3 * units,)`` for i, f, o, or ``(2 * units,)`` for f, o when
coupled.
"""

import keras
import numpy as np

from rnnbook import cells
from rnnbook.activations import sigmoid
from rnnbook.shapes import validate_input

#: Keras' order of the four gate blocks in ``kernel``, ``recurrent_kernel`` and ``bias``.
GATE_ORDER = ("i", "f", "c", "o")

#: The cell-state updates this module can run: the correct one, and seed 001's.
CELL_UPDATES = {
    "keras": "c_t = f_t * c_{t-1} + i_t * c~_t",
    "seed001": "c_t = sigmoid(f_t * c_{t-1} + i_t * c~_t)",
}


def gate_blocks(weights):
    """Split a Keras LSTM weight array into its four gate blocks along the last axis.

    Parameters
    ----------
    weights : array ``(..., 4 * units)``: ``kernel``, ``recurrent_kernel`` or ``bias``.

    Returns
    -------
    dict ``{"i": ..., "f": ..., "c": ..., "o": ...}`` of arrays ``(..., units)``.
    """
    weights = np.asarray(weights)
    if weights.shape[-1] % 4:
        raise ValueError(f"an LSTM weight array has 4 * units columns; got shape {weights.shape}, "
                         f"whose last axis {weights.shape[-1]} is not a multiple of 4")
    return dict(zip(GATE_ORDER, np.split(weights, 4, axis=-1), strict=True))


def seed001_lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias=None):
    """One step of seed 001's LSTM: the gates as in Keras, but ``c_t = sigmoid(f c + i c~)``.

    Returns ``h_t``, ``c_t`` (each ``(samples, units)``) and the gates, like
    :func:`rnnbook.cells.lstm_step`.
    """
    z = x_t @ kernel + h_prev @ recurrent_kernel
    if bias is not None:
        z = z + bias
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
    i, f, candidate, o = sigmoid(z_i), sigmoid(z_f), np.tanh(z_c), sigmoid(z_o)
    c = sigmoid(f * c_prev + i * candidate)  # the seed's error: a squashed cell state
    h = np.tanh(c) * o
    return h, c, {"i": i, "f": f, "o": o, "candidate": candidate, "c": c, "h": h}


def trace_variant(inputs, kernel, recurrent_kernel, bias=None, *, cell_update="keras",
                  initial_state=None):
    """Run an LSTM variant over a sequence and record every gate at every step.

    Parameters
    ----------
    inputs : array ``(samples, timesteps, input_dim)``.
    kernel, recurrent_kernel, bias : Keras' layout; ``bias=None`` runs the gates without a
        bias, as seed 001 writes them.
    cell_update : ``"keras"`` or ``"seed001"`` (see :data:`CELL_UPDATES`).
    initial_state : ``[h_0, c_0]``, each ``(samples, units)``; zeros by default.

    Returns
    -------
    dict of arrays ``(samples, timesteps, units)``: ``i``, ``f``, ``o``, ``candidate``,
    ``c``, ``h`` (the keys of :func:`rnnbook.reference.trace`), computed in float64.
    """
    if cell_update not in CELL_UPDATES:
        raise ValueError(f"unknown cell_update {cell_update!r}: expected one of "
                         f"{', '.join(repr(k) for k in CELL_UPDATES)}")
    kernel = np.asarray(kernel, dtype=np.float64)
    recurrent_kernel = np.asarray(recurrent_kernel, dtype=np.float64)
    units = recurrent_kernel.shape[0]
    if kernel.ndim != 2 or recurrent_kernel.shape != (units, 4 * units) \
            or kernel.shape[1] != 4 * units:
        raise ValueError(f"expected kernel (input_dim, 4 * units) and recurrent_kernel "
                         f"(units, 4 * units); got {kernel.shape} and {recurrent_kernel.shape}")
    if bias is not None:
        bias = np.asarray(bias, dtype=np.float64)
        if bias.shape != (4 * units,):
            raise ValueError(f"bias must have shape (4 * units,) = {(4 * units,)}; "
                             f"got {bias.shape}")
    x = validate_input(inputs, input_dim=kernel.shape[0]).astype(np.float64)
    samples, timesteps, _ = x.shape
    if initial_state is None:
        h, c = np.zeros((samples, units)), np.zeros((samples, units))
    else:
        h, c = (np.asarray(s, dtype=np.float64) for s in initial_state)
        if h.shape != (samples, units) or c.shape != (samples, units):
            raise ValueError(f"initial_state must be [h_0, c_0], each (samples, units) = "
                             f"{(samples, units)}; got {h.shape} and {c.shape}")
    step = cells.lstm_step if cell_update == "keras" else seed001_lstm_step
    recorded = {}
    for t in range(timesteps):
        h, c, internals = step(x[:, t], h, c, kernel, recurrent_kernel, bias)
        for key, value in internals.items():
            recorded.setdefault(key, []).append(value)
    return {key: np.stack(values, axis=1) for key, values in recorded.items()}


def cell_state_histograms(traces, *, bins=40):
    """Histograms of the cell state's values under each update, sharing one axis.

    Parameters
    ----------
    traces : dict of label -> dict with ``"c"`` ``(samples, timesteps, units)``, e.g.
        ``{"Keras": trace_variant(...), "seed 001": trace_variant(..., cell_update="seed001")}``.

    Returns
    -------
    matplotlib.figure.Figure; the band marks the interval (0, 1); the histograms are drawn
    solid, dashed, dotted, ... in the order of ``traces``.
    """
    import matplotlib.pyplot as plt

    values = {label: np.ravel(traced["c"]) for label, traced in traces.items()}
    low = min(-1.0, *(v.min() for v in values.values()))
    high = max(1.0, *(v.max() for v in values.values()))
    edges = np.linspace(low, high, bins + 1)
    fig, ax = plt.subplots(figsize=(6.4, 2.8), layout="constrained")
    ax.axvspan(0, 1, color="0.85", zorder=0, label="(0, 1)")
    # line styles keep the histograms apart in greyscale; colours from plots.OKABE_ITO,
    # without its yellow
    styles = [("solid", "#0072B2"), ("dashed", "#D55E00"), ("dotted", "#009E73"),
              ("dashdot", "#CC79A7")]
    for (label, v), (style, colour) in zip(values.items(), styles * len(values), strict=False):
        ax.hist(v, bins=edges, histtype="step", linewidth=2, linestyle=style, color=colour,
                label=label)
    ax.set_xlabel("cell state value $c_t$ (all samples, steps and units)")
    ax.set_ylabel("count")
    ax.legend(frameon=False)
    return fig


# ---- peephole connections and the coupled input-forget gate ------------------------------

#: The gate blocks of each variant, in the order its arrays store them.
VARIANT_GATES = {False: ("i", "f", "c", "o"), True: ("f", "c", "o")}


def variant_gates(coupled):
    """Gate blocks stored in ``kernel`` and the gates with a peephole weight, for a variant."""
    blocks = VARIANT_GATES[bool(coupled)]
    return blocks, tuple(g for g in blocks if g != "c")


def variant_lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias=None, peephole=None,
                      *, coupled=False):
    """One step of a peephole and/or coupled LSTM, in NumPy.

    ``i = sigma(x W_i + h U_i + p_i * c_{t-1} + b_i)`` (or ``i = 1 - f`` when coupled),
    ``f = sigma(x W_f + h U_f + p_f * c_{t-1} + b_f)``, ``c~ = tanh(x W_c + h U_c + b_c)``,
    ``c_t = f c_{t-1} + i c~``, ``o = sigma(x W_o + h U_o + p_o * c_t + b_o)``,
    ``h_t = o tanh(c_t)``. ``peephole=None`` means no peepholes.

    Returns ``h_t``, ``c_t`` (each ``(samples, units)``) and the gates.
    """
    blocks, peeped = variant_gates(coupled)
    z = x_t @ kernel + h_prev @ recurrent_kernel
    if bias is not None:
        z = z + bias
    z = dict(zip(blocks, np.split(z, len(blocks), axis=-1), strict=True))
    p = dict(zip(peeped, np.split(peephole, len(peeped)), strict=True)) if peephole is not None \
        else {g: 0.0 for g in peeped}
    f = sigmoid(z["f"] + p["f"] * c_prev)
    i = 1.0 - f if coupled else sigmoid(z["i"] + p["i"] * c_prev)
    candidate = np.tanh(z["c"])
    c = f * c_prev + i * candidate
    o = sigmoid(z["o"] + p["o"] * c)  # the output gate peeks at the new cell state
    h = o * np.tanh(c)
    return h, c, {"i": i, "f": f, "o": o, "candidate": candidate, "c": c, "h": h}


def trace_peephole(inputs, kernel, recurrent_kernel, bias=None, peephole=None, *,
                   coupled=False):
    """Run :func:`variant_lstm_step` over ``(samples, timesteps, input_dim)`` from zero states.

    Returns a dict of float64 arrays ``(samples, timesteps, units)`` (keys as
    :func:`trace_variant`).
    """
    blocks, peeped = variant_gates(coupled)
    k = len(blocks)
    kernel = np.asarray(kernel, dtype=np.float64)
    recurrent_kernel = np.asarray(recurrent_kernel, dtype=np.float64)
    units = recurrent_kernel.shape[0]
    if kernel.ndim != 2 or kernel.shape[1] != k * units or recurrent_kernel.shape != (
            units, k * units):
        raise ValueError(f"expected kernel (input_dim, {k} * units) and recurrent_kernel "
                         f"(units, {k} * units) for {'coupled' if coupled else 'four'} gate "
                         f"blocks; got {kernel.shape} and {recurrent_kernel.shape}")
    for name, array, size in (("bias", bias, k), ("peephole", peephole, len(peeped))):
        if array is not None and np.shape(array) != (size * units,):
            raise ValueError(f"{name} must have shape ({size} * units,) = {(size * units,)}; "
                             f"got {np.shape(array)}")
    bias = None if bias is None else np.asarray(bias, dtype=np.float64)
    peephole = None if peephole is None else np.asarray(peephole, dtype=np.float64)
    x = validate_input(inputs, input_dim=kernel.shape[0]).astype(np.float64)
    h = c = np.zeros((x.shape[0], units))
    recorded = {}
    for t in range(x.shape[1]):
        h, c, internals = variant_lstm_step(x[:, t], h, c, kernel, recurrent_kernel, bias,
                                            peephole, coupled=coupled)
        for key, value in internals.items():
            recorded.setdefault(key, []).append(value)
    return {key: np.stack(values, axis=1) for key, values in recorded.items()}


def variant_param_count(units, input_dim, *, peephole=False, coupled=False, use_bias=True):
    """Parameters of a variant LSTM: ``k n (m + n + 1)`` plus ``n`` per peephole gate.

    ``k`` is 4 gate blocks (3 when coupled), ``n`` = units, ``m`` = input_dim.
    """
    blocks, peeped = variant_gates(coupled)
    n, m = int(units), int(input_dim)
    if n <= 0 or m <= 0:
        raise ValueError(f"units and input_dim must be positive integers; got {units}, "
                         f"{input_dim}")
    return len(blocks) * n * (m + n + int(bool(use_bias))) + (len(peeped) * n if peephole
                                                                else 0)


@keras.saving.register_keras_serializable(package="rnnbook")
class VariantLSTMCell(keras.layers.Layer):
    """An LSTM cell with optional peepholes and a coupled input-forget gate, for ``RNN``.

    Weights: ``kernel (input_dim, k * units)``, ``recurrent_kernel (units, k * units)``,
    ``bias (k * units,)`` (forget block 1, the rest 0, as Keras' ``unit_forget_bias``),
    and with ``peephole=True`` ``peephole (g * units,)``, zeros at first; ``k`` and ``g``
    as in :func:`variant_gates`. States ``[h, c]``, each ``(samples, units)``.
    """

    def __init__(self, units, *, peephole=True, coupled=False, **kwargs):
        super().__init__(**kwargs)
        if int(units) <= 0:
            raise ValueError(f"units must be a positive integer; got {units}")
        self.units = int(units)
        self.peephole = bool(peephole)
        self.coupled = bool(coupled)
        self.blocks, self.peeped = variant_gates(self.coupled)
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        k, n = len(self.blocks), self.units
        self.kernel = self.add_weight(shape=(input_shape[-1], k * n), name="kernel",
                                      initializer="glorot_uniform")
        self.recurrent_kernel = self.add_weight(shape=(n, k * n), name="recurrent_kernel",
                                                initializer="orthogonal")
        forget = self.blocks.index("f")
        start = np.zeros(k * n, dtype="float32")
        start[forget * n:(forget + 1) * n] = 1.0
        self.bias = self.add_weight(shape=(k * n,), name="bias",
                                    initializer=keras.initializers.Constant(start))
        self.peephole_weights = self.add_weight(
            shape=(len(self.peeped) * n,), name="peephole", initializer="zeros") \
            if self.peephole else None

    def call(self, inputs, states):
        h_prev, c_prev = states
        ops = keras.ops
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h_prev, self.recurrent_kernel) \
            + self.bias
        z = dict(zip(self.blocks, ops.split(z, len(self.blocks), axis=-1), strict=True))
        if self.peephole:
            p = dict(zip(self.peeped, ops.split(self.peephole_weights, len(self.peeped)),
                         strict=True))
        else:
            p = {g: 0.0 for g in self.peeped}
        f = ops.sigmoid(z["f"] + p["f"] * c_prev)
        i = 1.0 - f if self.coupled else ops.sigmoid(z["i"] + p["i"] * c_prev)
        c = f * c_prev + i * ops.tanh(z["c"])
        o = ops.sigmoid(z["o"] + p["o"] * c)
        h = o * ops.tanh(c)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(), "units": self.units, "peephole": self.peephole,
                "coupled": self.coupled}
