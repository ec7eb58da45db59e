"""One-unit cells with hand-set weights, small enough to watch every gate move.

The explorers in the chapters drive these: the reader sets a bias or picks an input, and
sees the gates and the state change. Each cell is run by the reference engine, so what an
explorer shows is what Keras computes for the same weights (the tests check that).
"""

import numpy as np

from rnnbook import reference, svg
from rnnbook.explorer import Choice, Explorer, Slider
from rnnbook.plots import OKABE_ITO

TIMESTEPS = 16
SEQUENCES = {
    "one pulse at t = 2": "pulse",
    "+1 at t = 2, -1 at t = 9": "two pulses",
    "a step up at t = 4": "step",
    "noise": "noise",
}

#: The one-unit LSTM's input weights, in Keras' gate order i, f, c, o: the input opens the
#: input gate (w_i = 4) and is what the candidate writes (w_c = 2); the forget gate is set
#: by its bias alone (w_f = 0); the output gate is mostly open (w_o = 0, b_o = 2). The
#: recurrent kernel is zero, so every gate depends only on x_t and its bias.
LSTM_KERNEL = np.array([[4.0, 0.0, 2.0, 0.0]])
LSTM_OUTPUT_BIAS = 2.0

#: The states panel's colours, none of them a gate's (the gates panel takes the palette's
#: first three): an input drawn in the input gate's orange would read as that gate.
STATE_COLORS = {"x (input)": OKABE_ITO[6], "c (cell state)": OKABE_ITO[4],
                "h (hidden state)": OKABE_ITO[5]}


def input_sequence(name, timesteps=TIMESTEPS):
    """One of the explorers' input sequences, shape ``(timesteps,)``."""
    x = np.zeros(timesteps)
    if name == "pulse":
        x[2] = 1.0
    elif name == "two pulses":
        x[2], x[9] = 1.0, -1.0
    elif name == "step":
        x[4:] = 1.0
    elif name == "noise":
        x = np.random.default_rng(7).uniform(-1, 1, timesteps)
    else:
        raise ValueError(f"unknown sequence {name!r}: expected one of "
                         f"{', '.join(repr(v) for v in SEQUENCES.values())}")
    return x


def one_unit_lstm(sequence="pulse", forget_bias=1.0, input_bias=0.0):
    """Run the hand-set one-unit LSTM on a named input sequence.

    Returns
    -------
    dict of 1-D arrays over time, ``(timesteps,)``: ``x`` and the gates and states
    ``i``, ``f``, ``o``, ``candidate``, ``c``, ``h``, plus the scalar weights used.
    """
    x = input_sequence(sequence)
    bias = np.array([input_bias, forget_bias, 0.0, LSTM_OUTPUT_BIAS])
    traced = reference.trace_weights("LSTM", LSTM_KERNEL, np.zeros((1, 4)), bias,
                                     x.reshape(1, -1, 1))
    result = {key: value[0, :, 0] for key, value in traced.items()}
    result["x"] = x
    result["weights"] = {"kernel": LSTM_KERNEL, "recurrent_kernel": np.zeros((1, 4)),
                         "bias": bias}
    return result


def lstm_view(sequence="pulse", forget_bias=1.0, input_bias=0.0):
    """The one-unit LSTM explorer's view: gates and states over time, and what they mean."""
    r = one_unit_lstm(sequence, forget_bias, input_bias)
    f = float(r["f"][0])  # w_f = 0 and U = 0: the forget gate is sigma(b_f) at every step
    limit = max(1.0, float(np.ceil(np.max(np.abs([r["x"], r["c"], r["h"]])))))
    gates = svg.line_panel({"i (input gate)": r["i"], "f (forget gate)": r["f"],
                            "o (output gate)": r["o"]}, title="gates", ylim=(0, 1))
    states = svg.line_panel({"x (input)": r["x"], "c (cell state)": r["c"],
                             "h (hidden state)": r["h"]}, title="input and states",
                            ylim=(-limit, limit), dashed=("x (input)",), colors=STATE_COLORS)
    chart = svg.stack([gates, states], label=(
        f"One-unit LSTM on '{sequence}' with forget bias {forget_bias:g} and input bias "
        f"{input_bias:g}: gates (top) and input, cell state and hidden state (bottom)."))
    keep = (f"so c<sub>t</sub> keeps {100 * f:.0f}% of c<sub>t-1</sub> each step "
            f"(half-life {np.log(0.5) / np.log(f):.1f} steps)" if 0 < f < 1 else "")
    return (f"{chart}<p>f<sub>t</sub> = &sigma;(b<sub>f</sub>) = {f:.2f} at every step, "
            f"{keep}; c at the last step = {r['c'][-1]:.3f}.</p>")


def lstm_explorer():
    """The explorer of the first chapter: a one-unit LSTM's input and gate biases."""
    return Explorer(lstm_view, [
        Choice("sequence", "input x_t:", {label: value for label, value in SEQUENCES.items()}),
        Slider("forget_bias", "forget-gate bias b_f:", [-2, -1, 0, 1, 2, 3, 4], default=1,
               live_step=0.1),
        Slider("input_bias", "input-gate bias b_i:", [-2, 0, 2], default=0, live_step=0.1),
    ], title="A one-unit LSTM: set the gate biases, watch the cell remember or forget")
