"""LSTM equations as printed in the seed articles, next to the ones Keras computes.

Seed 001 ("Implementation of RNN, LSTM, and GRU") writes the cell state as
``C_t = sigma(f_t * C_{t-1} + i_t * C~_t)`` and its gates without a bias. This module runs
those variants over a sequence in Keras' weight layout (see :mod:`rnnbook.cells`), so a
chapter can show numerically where they part from ``keras.layers.LSTM``.

Shapes: inputs ``(samples, timesteps, input_dim)``; ``kernel`` ``(input_dim, 4 * units)``;
``recurrent_kernel`` ``(units, 4 * units)``; ``bias`` ``(4 * units,)`` or ``None``; gate
blocks side by side in Keras' order i, f, c, o.
"""

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
    matplotlib.figure.Figure; the band marks the interval (0, 1).
    """
    import matplotlib.pyplot as plt

    values = {label: np.ravel(traced["c"]) for label, traced in traces.items()}
    low = min(-1.0, *(v.min() for v in values.values()))
    high = max(1.0, *(v.max() for v in values.values()))
    edges = np.linspace(low, high, bins + 1)
    fig, ax = plt.subplots(figsize=(6.4, 2.8), layout="constrained")
    ax.axvspan(0, 1, color="0.85", zorder=0, label="(0, 1)")
    for label, v in values.items():
        ax.hist(v, bins=edges, histtype="step", linewidth=2, label=label)
    ax.set_xlabel("cell state value $c_t$ (all samples, steps and units)")
    ax.set_ylabel("count")
    ax.legend(frameon=False)
    return fig
