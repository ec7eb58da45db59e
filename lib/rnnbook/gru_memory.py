"""Hand-set GRUs (and an LSTM to compare) that remember a marker, and the one-unit GRU explorer.

Every function runs the reference engine (:func:`rnnbook.reference.trace_weights`), so what it
shows is what Keras computes for the same weights; the tests check that against Keras.
Weights are in Keras' layout (GRU gate order z, r, h; LSTM i, f, c, o) and Keras' GRU
convention: ``h_t = z * h_{t-1} + (1 - z) * candidate``, so ``z = 1`` keeps the state.
"""

import numpy as np

from rnnbook import plots, reference, svg
from rnnbook.explorer import Choice, Explorer, Slider
from rnnbook.one_unit import SEQUENCES, input_sequence
from rnnbook.plots import OKABE_ITO

# ---- the one-unit GRU explorer --------------------------------------------------------------

#: The one-unit GRU's kernel, gate order z, r, h: the input closes the update gate
#: (w_z = -6, so a pulse lets the candidate in) and is what the candidate writes (w_h = 2);
#: the reset gate is set by its bias alone (w_r = 0).
GRU_KERNEL = np.array([[-6.0, 0.0, 2.0]])
#: Its recurrent kernel: only the candidate sees h_{t-1} (u_h = 1), through the reset gate.
GRU_RECURRENT_KERNEL = np.array([[0.0, 0.0, 1.0]])


def one_unit_gru(sequence="pulse", update_bias=2.0, reset_bias=0.0):
    """Run the hand-set one-unit GRU (``reset_after=True``) on a named input sequence.

    ``sequence`` is one of the values of :data:`rnnbook.one_unit.SEQUENCES`.

    Returns
    -------
    dict of 1-D arrays over time, ``(timesteps,)``: ``x``, ``z``, ``r``, ``candidate``, ``h``,
    and ``weights``: the Keras ``kernel``, ``recurrent_kernel`` and ``bias (2, 3)`` used.
    """
    x = input_sequence(sequence)
    bias = np.array([[update_bias, reset_bias, 0.0], [0.0, 0.0, 0.0]])
    traced = reference.trace_weights("GRU", GRU_KERNEL, GRU_RECURRENT_KERNEL, bias,
                                     x.reshape(1, -1, 1), reset_after=True)
    result = {key: value[0, :, 0] for key, value in traced.items()}
    result["x"] = x
    result["weights"] = {"kernel": GRU_KERNEL, "recurrent_kernel": GRU_RECURRENT_KERNEL,
                         "bias": bias}
    return result


def retention(update_bias, reset_bias):
    """The fraction of a small ``h`` kept per step while the input is 0.

    With ``x = 0`` the gates are ``z = sigmoid(b_z)`` and ``r = sigmoid(b_r)`` and the candidate
    is ``tanh(r h) ~ r h``, so ``h_t ~ (z + (1 - z) r) h_{t-1}``. Returns ``(z, r, kept)``.
    """
    z = 1 / (1 + np.exp(-update_bias))
    r = 1 / (1 + np.exp(-reset_bias))
    return float(z), float(r), float(z + (1 - z) * r)


def gru_view(sequence="pulse", update_bias=2.0, reset_bias=0.0):
    """The one-unit GRU explorer's view: gates and state over time, and what they mean."""
    result = one_unit_gru(sequence, update_bias, reset_bias)
    z, r, kept = retention(update_bias, reset_bias)
    limit = max(1.0, float(np.ceil(np.max(np.abs([result["x"], result["h"]])))))
    gates = svg.line_panel({"z (update gate)": result["z"], "r (reset gate)": result["r"]},
                           title="gates", ylim=(0, 1))
    states = svg.line_panel({"x (input)": result["x"], "candidate": result["candidate"],
                             "h (hidden state)": result["h"]}, title="input and state",
                            ylim=(-limit, limit), dashed=("x (input)",),
                            colors={"candidate": OKABE_ITO[5], "h (hidden state)": OKABE_ITO[4]})
    chart = svg.stack([gates, states], label=(
        f"One-unit GRU on '{sequence}' with update bias {update_bias:g} and reset bias "
        f"{reset_bias:g}: gates (top) and input, candidate and hidden state (bottom)."))
    return (f"{chart}<p>While x<sub>t</sub> = 0: z = &sigma;(b<sub>z</sub>) = {z:.2f}, "
            f"r = &sigma;(b<sub>r</sub>) = {r:.2f}, so a small h keeps about "
            f"z + (1 &minus; z) r = {100 * kept:.0f}% of itself per step; "
            f"h at the last step = {result['h'][-1]:.3f}.</p>")


def gru_explorer():
    """The chapter's explorer: a one-unit GRU's update-gate and reset-gate biases."""
    return Explorer(gru_view, [
        Choice("sequence", "input x_t:", dict(SEQUENCES)),
        Slider("update_bias", "update-gate bias b_z:", [-2, 0, 2, 3, 4], default=2,
               live_step=0.1),
        Slider("reset_bias", "reset-gate bias b_r:", [-4, 0, 4], default=0, live_step=0.1),
    ], title="A one-unit GRU: set the gate biases, watch the state remember or forget")


# ---- a marker to remember: a two-unit GRU and a two-unit LSTM --------------------------------

MARKER_STEP = 2


def marker_input(timesteps=16):
    """One sequence of two channels, ``(1, timesteps, 2)``: a marker (1 at step 2, else 0)
    and a distractor (uniform noise in [-1, 1], the explorers' "noise")."""
    marker = input_sequence("pulse", timesteps)
    noise = input_sequence("noise", timesteps)
    return np.stack([marker, noise], axis=-1)[None].astype("float32")


def memory_gru_weights():
    """Keras ``GRU(2, reset_after=True)`` weights: unit 0 stores the marker, unit 1 follows
    the noise.

    Unit 0: ``z = sigmoid(4 - 8 m)`` keeps the state (0.98) except at the marker, where the
    candidate ``tanh(3 m + 0.5 noise + r h)`` is let in. Unit 1: ``z = sigmoid(-3)`` takes the
    candidate ``tanh(2 noise + 0.5 r h)`` almost entirely; the noise drives its reset gate.

    Returns ``[kernel (2, 6), recurrent_kernel (2, 6), bias (2, 6)]``.
    """
    kernel = np.zeros((2, 6))          # rows: marker, noise; columns z0 z1 r0 r1 h0 h1
    kernel[0, 0] = -8.0                # marker closes unit 0's update gate
    kernel[1, 3] = 2.0                 # noise drives unit 1's reset gate
    kernel[0, 4], kernel[1, 4] = 3.0, 0.5
    kernel[1, 5] = 2.0
    recurrent = np.zeros((2, 6))
    recurrent[0, 4], recurrent[1, 5] = 1.0, 0.5
    bias = np.zeros((2, 6))
    bias[0, :2] = [4.0, -3.0]          # update-gate biases
    return [kernel.astype("float32"), recurrent.astype("float32"), bias.astype("float32")]


def memory_lstm_weights():
    """Keras ``LSTM(2)`` weights doing the same job: unit 0 stores the marker, unit 1 follows
    the noise.

    Unit 0: ``i = sigmoid(8 m - 4)``, ``f = sigmoid(4)``, candidate ``tanh(3 m + 0.5 noise)``.
    Unit 1: ``i = sigmoid(3)``, ``f = sigmoid(-3)``, candidate ``tanh(2 noise)``. Both output
    gates ``sigmoid(2)``. Returns ``[kernel (2, 8), recurrent_kernel (2, 8), bias (8,)]``.
    """
    kernel = np.zeros((2, 8))          # columns i0 i1 f0 f1 c0 c1 o0 o1
    kernel[0, 0] = 8.0
    kernel[0, 4], kernel[1, 4] = 3.0, 0.5
    kernel[1, 5] = 2.0
    recurrent = np.zeros((2, 8))
    bias = np.array([-4.0, 3.0, 4.0, -3.0, 0.0, 0.0, 2.0, 2.0])
    return [kernel.astype("float32"), recurrent.astype("float32"), bias.astype("float32")]


#: Each plotted quantity's colour, marker and line style. Colours follow the job a quantity
#: does, not its name: the GRU's z keeps the state as the LSTM's f does, and its 1 - z writes
#: the candidate as the LSTM's i does, so z shares f's colour and 1 - z shares i's.
SIDE_BY_SIDE_STYLE = {
    "i": (r"input gate $i_t$ (write)", OKABE_ITO[0], "^", "-"),
    "f": (r"forget gate $f_t$ (keep)", OKABE_ITO[1], "s", "-"),
    "o": (r"output gate $o_t$", OKABE_ITO[2], "D", "-"),
    "1-z": (r"$1 - z_t$ (write)", OKABE_ITO[0], "^", "--"),
    "z": (r"update gate $z_t$ (keep)", OKABE_ITO[1], "s", "-"),
    "r": (r"reset gate $r_t$", OKABE_ITO[6], "o", ":"),
    "c": (r"cell state $c_t$", OKABE_ITO[4], "o", "-"),
    "h": (r"hidden state $h_t$", OKABE_ITO[5], "s", "-"),
    "candidate": (r"candidate $\tilde h_t$", "dimgrey", "x", ":"),
}


def plot_lstm_vs_gru(x, lstm_trace, gru_trace, unit=0):
    """LSTM and GRU for one unit of the first sample, four panels stacked (so the figure stays
    legible on a phone): LSTM gates, GRU gates, LSTM states, GRU state.

    The GRU's update gate is drawn twice, as ``z`` (keep, in the forget gate's colour) and as
    ``1 - z`` (write, in the input gate's colour); see :data:`SIDE_BY_SIDE_STYLE`.

    Parameters
    ----------
    x : ``(1, timesteps, 2)`` from :func:`marker_input` (channel 0 is drawn dashed).
    lstm_trace, gru_trace : dicts from :func:`rnnbook.reference.trace`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    steps = np.arange(x.shape[1])
    gru = {**gru_trace, "1-z": 1 - gru_trace["z"]}
    fig, axes = plots.panels(4, height=1.75)
    shown = [(axes[0], "LSTM gates", lstm_trace, ("i", "f", "o")),
             (axes[1], "GRU gates", gru, ("1-z", "z", "r")),
             (axes[2], "LSTM states", lstm_trace, ("c", "h")),
             (axes[3], "GRU state", gru, ("candidate", "h"))]
    for index, (ax, title, traced, keys) in enumerate(shown):
        for key in keys:
            label, color, marker, linestyle = SIDE_BY_SIDE_STYLE[key]
            ax.plot(steps, traced[key][0, :, unit], color=color, marker=marker, markersize=4,
                    linestyle=linestyle, label=label)
        if index >= 2:
            ax.plot(steps, x[0, :, 0], color="black", linestyle="--", linewidth=1,
                    label="marker $x_t$")
            ax.set_ylim(-1.1, 1.1)
        else:
            ax.set_ylim(-0.05, 1.05)
        ax.set_title(title)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        ax.set_xticks(steps[::2])
    axes[-1].set_xlabel("time step $t$")
    return fig


def plot_gate_trace(traced, sample=0, title=None):
    """:func:`rnnbook.plots.gate_heatmaps` for a small GRU, labelled to be read on its own.

    Each row is named (``unit 0``, ``unit 1``, ...), each cell carries its value to one decimal
    (so the figure reads in greyscale too), colour bars have three ticks, and the figure is a
    fifth taller than the shared helper draws it. The gates use the sequential map ``Blues``
    (white to dark blue, no yellow); signed quantities keep the helper's ``PuOr``.
    """
    fig = plots.gate_heatmaps(traced, sample=sample, title=title)
    width, height = fig.get_size_inches()
    fig.set_size_inches(width, 1.2 * height)
    for ax in fig.axes:
        if not ax.images or not hasattr(ax.images[0], "colorbar") or ax.images[0].colorbar is None:
            continue
        image = ax.images[0]
        if image.get_cmap().name == "cividis":
            image.set_cmap("Blues")
            image.colorbar.update_normal(image)
        values = image.get_array()
        units = values.shape[0]
        ax.set_yticks(range(units), [f"unit {u}" for u in range(units)], fontsize=8)
        low, high = image.get_clim()
        if low < 0:   # signed: round the end ticks inwards to one decimal
            end = np.floor(high * 10) / 10
            image.colorbar.set_ticks([-end, 0.0, end])
        else:
            image.colorbar.set_ticks([low, (low + high) / 2, high])
        image.colorbar.ax.tick_params(labelsize=8)
        for (row, column), value in np.ndenumerate(values):
            shade = image.cmap(image.norm(value))
            dark = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2] < 0.5
            ax.text(column, row, f"{value:.1f}".replace("-0.0", "0.0"), ha="center",
                    va="center", fontsize=6.5, color="white" if dark else "black")
    return fig
