"""A marker-and-recall task and a one-unit LSTM whose weights are set by hand to solve it.

Each input step carries three numbers ``x_t = [value, write, read]``: a noisy value, a
write marker (1 at the step whose value must be stored) and a read cue (1 at the step where
it must be recalled). The hand-set LSTM writes when the marker opens its input gate, keeps
the value with a forget gate near 1, and reads it out when the cue opens its output gate:
the three things an LSTM's gates are for, each visible in a trace.

The chapter's explorer (:func:`memory_explorer`) lets the reader change those weights and
switch to seed 001's squashed cell state (:mod:`rnnbook.lstm_variants`).
"""

import matplotlib.pyplot as plt
import numpy as np

from rnnbook import lstm_variants, svg
from rnnbook.explorer import Choice, Explorer, Slider

#: Input channels, in order.
CHANNELS = ("value", "write", "read")

#: The hand-set weights (one unit, so each is a number). Gate order i, f, c, o.
VALUE_WEIGHT = 1.5     # value -> candidate: c~_t = tanh(1.5 value)
WRITE_WEIGHT = 8.0     # write marker -> input gate: opens it
INPUT_BIAS = -4.0      # input gate closed otherwise: sigma(-4) = 0.018
CLEAR_WEIGHT = -8.0    # write marker -> forget gate: clears the old content as it writes
FORGET_BIAS = 4.0      # keep: sigma(4) = 0.982 per step
READ_WEIGHT = 8.0      # read cue -> output gate: opens it
OUTPUT_BIAS = -4.0     # output gate closed otherwise

#: The explorer's input: values -0.8 written at t = 2, 0.6 written at t = 8, read at t = 13.
EXPLORER_TIMESTEPS = 14
EXPLORER_WRITES = {2: -0.8, 8: 0.6}


def marker_sequences(samples, timesteps, *, write_steps=None, seed=0):
    """Noisy values with one write marker per sample and a read cue at the last step.

    Parameters
    ----------
    samples, timesteps : int; ``timesteps >= 3``.
    write_steps : sequence of ``samples`` ints in ``[0, timesteps - 1)``, optional; drawn at
        random from the first half of the sequence by default.
    seed : int, for the values (and the write steps when drawn).

    Returns
    -------
    x : float32 array ``(samples, timesteps, 3)``, channels :data:`CHANNELS`.
    stored : float32 array ``(samples,)``, the value at each sample's write step.
    """
    if timesteps < 3:
        raise ValueError(f"timesteps must be at least 3 (write, keep, read); got {timesteps}")
    rng = np.random.default_rng(seed)
    values = rng.uniform(-1, 1, (samples, timesteps))
    if write_steps is None:
        write_steps = rng.integers(0, max(1, timesteps // 2), samples)
    write_steps = np.asarray(write_steps)
    if write_steps.shape != (samples,):
        raise ValueError(f"write_steps must hold one step per sample, shape ({samples},); "
                         f"got shape {write_steps.shape}")
    if (write_steps < 0).any() or (write_steps >= timesteps - 1).any():
        raise ValueError(f"write steps must lie in [0, {timesteps - 1}) so the value is "
                         f"written before the read cue at t = {timesteps - 1}; got "
                         f"{write_steps.tolist()}")
    x = np.zeros((samples, timesteps, 3))
    x[..., 0] = values
    x[np.arange(samples), write_steps, 1] = 1.0
    x[:, -1, 2] = 1.0
    return x.astype("float32"), values[np.arange(samples), write_steps].astype("float32")


def memory_lstm_weights(*, forget_bias=FORGET_BIAS, write_weight=WRITE_WEIGHT,
                        output_bias=OUTPUT_BIAS):
    """The hand-set one-unit LSTM's weights in Keras' layout.

    Returns
    -------
    ``[kernel (3, 4), recurrent_kernel (1, 4), bias (4,)]``, gate order i, f, c, o; ready for
    ``layer.set_weights``. The recurrent kernel is zero: every gate reads only ``x_t``.
    """
    kernel = np.array([
        # i             f             c             o
        [0.0,           0.0,          VALUE_WEIGHT, 0.0],          # value
        [write_weight,  CLEAR_WEIGHT, 0.0,          0.0],          # write marker
        [0.0,           0.0,          0.0,          READ_WEIGHT],  # read cue
    ], dtype="float32")
    bias = np.array([INPUT_BIAS, forget_bias, 0.0, output_bias], dtype="float32")
    return [kernel, np.zeros((1, 4), dtype="float32"), bias]


def memory_heatmaps(x, traced, *, title=None):
    """Heat maps of the input value and the traced gates and states, samples down, time across.

    Parameters
    ----------
    x : array ``(samples, timesteps, 3)`` from :func:`marker_sequences`.
    traced : dict of arrays ``(samples, timesteps, 1)`` (``i``, ``f``, ``o``, ``c``, ``h``),
        e.g. from :func:`rnnbook.reference.trace`.

    Returns
    -------
    matplotlib.figure.Figure; white circles mark each sample's write step, the read cue is
    the last step; rows are sequences (``fig.supylabel``).
    """
    rows = [("input value $x_t$", x[..., 0], False),
            ("input gate $i_t$", traced["i"][..., 0], True),
            ("forget gate $f_t$", traced["f"][..., 0], True),
            ("cell state $c_t$", traced["c"][..., 0], False),
            ("output gate $o_t$", traced["o"][..., 0], True),
            ("hidden state $h_t$", traced["h"][..., 0], False)]
    samples, timesteps = x.shape[:2]
    sample_index, write_step = np.nonzero(x[..., 1])
    fig, axes = plt.subplots(len(rows), 1, sharex=True, figsize=(6.4, 1.0 + 0.16 * samples * 6),
                             layout="constrained")
    for ax, (label, values, unit_interval) in zip(axes, rows, strict=True):
        if unit_interval:
            # white to dark blue: no yellow, and its lightness alone reads in greyscale
            image = ax.imshow(values, aspect="auto", cmap="Blues", vmin=0, vmax=1,
                              interpolation="nearest")
        else:
            image = ax.imshow(values, aspect="auto", cmap="PuOr", vmin=-1, vmax=1,
                              interpolation="nearest")
        # white rings with a thin black edge stay visible on dark and light cells alike
        ax.scatter(write_step, sample_index, s=26, facecolors="none", edgecolors="black",
                   linewidths=2.2)
        ax.scatter(write_step, sample_index, s=26, facecolors="none", edgecolors="white",
                   linewidths=1.2)
        ax.set_yticks([0, samples - 1])
        ax.set_ylabel(label, rotation=0, ha="right", va="center")
        fig.colorbar(image, ax=ax, fraction=0.04, pad=0.01)
    # the panels' own labels name the quantity; one axis label names the rows
    fig.supylabel("sequence (one row each)", fontsize="small")
    axes[-1].set_xlabel(f"time step $t$ (read cue at $t = {timesteps - 1}$)")
    axes[-1].set_xticks(range(0, timesteps, 2))
    if title:
        fig.suptitle(title)
    return fig


# ---- the explorer -----------------------------------------------------------------------------

def explorer_input():
    """The explorer's one input sequence, ``(1, EXPLORER_TIMESTEPS, 3)``: two writes, one read."""
    x, _ = marker_sequences(1, EXPLORER_TIMESTEPS, write_steps=[0], seed=3)
    x[0, :, 0] *= 0.5  # quieter distractors between the writes
    x[0, :, 1] = 0.0
    for step, value in EXPLORER_WRITES.items():
        x[0, step, :2] = value, 1.0
    return x


def memory_lstm(cell_update="keras", forget_bias=FORGET_BIAS, write_weight=WRITE_WEIGHT,
                output_bias=OUTPUT_BIAS):
    """Run the hand-set LSTM (or seed 001's variant of it) on :func:`explorer_input`.

    Returns
    -------
    dict of 1-D arrays over time ``(timesteps,)``: ``value``, ``write``, ``read`` and ``i``,
    ``f``, ``o``, ``candidate``, ``c``, ``h``; plus ``weights`` (Keras' three arrays).
    """
    weights = memory_lstm_weights(forget_bias=forget_bias, write_weight=write_weight,
                                  output_bias=output_bias)
    x = explorer_input()
    traced = lstm_variants.trace_variant(x, *weights, cell_update=cell_update)
    result = {key: value[0, :, 0] for key, value in traced.items()}
    result.update({name: x[0, :, k] for k, name in enumerate(CHANNELS)})
    result["weights"] = weights
    return result


def memory_view(cell_update="keras", forget_bias=FORGET_BIAS, write_weight=WRITE_WEIGHT,
                output_bias=OUTPUT_BIAS):
    """The explorer's view: gates, input and states over time, and what was recalled."""
    r = memory_lstm(cell_update, forget_bias, write_weight, output_bias)
    last_write = max(EXPLORER_WRITES)
    gates = svg.line_panel({"i (write)": r["i"], "f (keep)": r["f"], "o (read)": r["o"]},
                           title="gates", ylim=(0, 1), highlight=last_write)
    limit = max(1.0, float(np.ceil(np.max(np.abs(r["c"])))))
    states = svg.line_panel({"x value": r["value"], "c (cell state)": r["c"],
                             "h (hidden state)": r["h"]}, title="input value and states",
                            ylim=(-limit, limit), dashed=("x value",), highlight=last_write)
    update = lstm_variants.CELL_UPDATES[cell_update]
    chart = svg.stack([gates, states], label=(
        f"Hand-set one-unit LSTM with {update}, forget bias {forget_bias:g}, write weight "
        f"{write_weight:g}, output bias {output_bias:g}: gates (top); input value, cell state "
        "and hidden state (bottom). The band marks the last write, at t = 8."))
    first, end = min(EXPLORER_WRITES), EXPLORER_TIMESTEPS - 1
    return (f"{chart}<p>Update {update}. Write marker at t = {first} (x = "
            f"{EXPLORER_WRITES[first]:g}): "
            f"c = {r['c'][first]:.3f}, and c = {r['c'][last_write - 1]:.3f} at t = "
            f"{last_write - 1}. Write marker at t = {last_write} (x = "
            f"{EXPLORER_WRITES[last_write]:g}): "
            f"c = {r['c'][last_write]:.3f}; at the read cue (t = {end}) c = {r['c'][end]:.3f} "
            f"and h = {r['h'][end]:.3f}, while before the cue |h| &le; "
            f"{np.abs(r['h'][:-1]).max():.2f}. Over the sequence c stays in "
            f"[{r['c'].min():.2f}, {r['c'].max():.2f}].</p>")


def memory_explorer():
    """The chapter's explorer: write, keep and read weights of the hand-set LSTM."""
    return Explorer(memory_view, [
        Choice("cell_update", "cell-state update:", {
            "Keras (correct): c = f*c + i*c~": "keras",
            "seed 001 (wrong): c = sigmoid(f*c + i*c~)": "seed001"}),
        Slider("forget_bias", "forget-gate bias b_f (keep):", [0, 2, 4, 6], default=4,
               live_step=0.1),
        Slider("write_weight", "write marker -> input gate weight (write):", [0, 4, 8],
               default=8, live_step=0.5),
        Slider("output_bias", "output-gate bias b_o (read):", [-4, 4], default=-4,
               live_step=0.5),
    ], title="Write, keep, read: set a one-unit LSTM's gates on a marker-and-recall input")
