"""A hand-set GRU whose reset gate clears the past on a cue, and the figure that shows it.

Cho et al. (2014) motivate the reset gate as letting the hidden state "drop any information
that is found to be irrelevant later in the future". This module builds the smallest GRU
that does that on purpose: a phrase-sum unit whose reset gate a boundary cue closes, beside
an identical unit whose reset gate the cue does not reach. Weights are in Keras' layout
(``GRU(2, reset_after=True)``, gate order z, r, h); the tests check them against Keras.
"""

import matplotlib.pyplot as plt
import numpy as np

from rnnbook.plots import OKABE_ITO

#: The step at which the cue marks the start of a new phrase.
CUE_STEP = 6
TIMESTEPS = 12
#: What the second phrase says, the same after every first phrase.
SECOND_PHRASE = (0.4, -0.3, 0.2, 0.3, -0.4, 0.1)
#: Hand-set gate biases and weights (see :func:`reset_gru_weights`).
UPDATE_BIAS = -20.0
RESET_BIAS = 10.0
CUE_WEIGHT = -30.0


def phrase_input(first_phrase=0.5, timesteps=TIMESTEPS, cue_step=CUE_STEP):
    """Two phrases of word values and a boundary cue, ``(1, timesteps, 2)`` float32.

    Channel 0 holds the words' values: ``first_phrase`` at every step before ``cue_step``,
    then :data:`SECOND_PHRASE`. Channel 1 is the cue: 1 at ``cue_step``, 0 elsewhere.
    """
    if not 0 < cue_step < timesteps or timesteps - cue_step > len(SECOND_PHRASE):
        raise ValueError(f"cue_step must leave 1 to {len(SECOND_PHRASE)} steps for the second "
                         f"phrase of a sequence of {timesteps}; got cue_step={cue_step}")
    values = np.full(timesteps, float(first_phrase))
    values[cue_step:] = SECOND_PHRASE[:timesteps - cue_step]
    cue = np.zeros(timesteps)
    cue[cue_step] = 1.0
    return np.stack([values, cue], axis=-1)[None].astype("float32")


def reset_gru_weights(cue_weight=CUE_WEIGHT, reset_bias=RESET_BIAS, update_bias=UPDATE_BIAS):
    """Keras ``GRU(2, reset_after=True)`` weights: two phrase-sum units, one reset by the cue.

    Both units take the candidate at every step (``z = sigmoid(update_bias)``, about 2e-9),
    so ``h_t`` is the candidate ``tanh(v_t + r_t h_{t-1})``: a squashed running sum of the
    word values ``v_t``. Unit 0's reset gate is ``sigmoid(reset_bias + cue_weight * cue_t)``:
    about 1 inside a phrase, about 2e-9 at the cue, where the candidate is ``tanh(v_t)`` and
    the first phrase is gone. Unit 1's reset gate is ``sigmoid(reset_bias)`` throughout.

    Returns ``[kernel (2, 6), recurrent_kernel (2, 6), bias (2, 6)]``; rows of ``kernel``:
    value, cue; columns: z0 z1 r0 r1 h0 h1.
    """
    kernel = np.zeros((2, 6))
    kernel[0, 4:] = 1.0                 # both candidates read the word value
    kernel[1, 2] = cue_weight           # the cue closes unit 0's reset gate only
    recurrent = np.zeros((2, 6))
    recurrent[0, 4], recurrent[1, 5] = 1.0, 1.0   # each candidate sees its own past
    bias = np.zeros((2, 6))
    bias[0, :2] = update_bias
    bias[0, 2:4] = reset_bias
    return [kernel.astype("float32"), recurrent.astype("float32"), bias.astype("float32")]


UNIT_STYLE = {0: {"color": OKABE_ITO[4], "marker": "o", "label": "unit 0 (cue resets it)"},
              1: {"color": OKABE_ITO[5], "marker": "^", "label": "unit 1 (no reset)"}}
PHRASE_STYLE = {"A": {"linestyle": "-", "fillstyle": "full"},
                "B": {"linestyle": "--", "fillstyle": "none"}}


def plot_reset_trace(inputs, traces, cue_step=CUE_STEP):
    """The inputs, both units' reset gates and their candidates, for several first phrases.

    Parameters
    ----------
    inputs, traces : dicts by phrase name ("A", "B"): ``(1, timesteps, 2)`` inputs from
        :func:`phrase_input` and their :func:`rnnbook.reference.trace` dicts.

    Returns
    -------
    matplotlib.figure.Figure with three panels sharing the time axis.
    """
    names = list(inputs)
    steps = np.arange(next(iter(inputs.values())).shape[1])
    fig, axes = plt.subplots(3, 1, sharex=True, figsize=(6.4, 6.6), layout="constrained",
                             height_ratios=[1, 1, 1.6])
    for name in names:
        axes[0].plot(steps, inputs[name][0, :, 0], color="black", markersize=5,
                     marker="s", label=f"word value $v_t$, first phrase {name}",
                     **PHRASE_STYLE[name])
    axes[0].set_ylabel("input")
    axes[0].set_ylim(-1.2, 0.75)
    for unit, style in UNIT_STYLE.items():
        axes[1].plot(steps, traces[names[0]]["r"][0, :, unit], markersize=5, **style)
        for name in names:
            axes[2].plot(steps, traces[name]["candidate"][0, :, unit], markersize=5,
                         color=style["color"], marker=style["marker"],
                         label=f"{style['label'][:6]}, first phrase {name}",
                         **PHRASE_STYLE[name])
    axes[1].set_ylabel(r"reset gate $r_t$")
    axes[1].set_ylim(-0.05, 1.05)
    axes[2].set_ylabel(r"candidate $\tilde h_t$")
    axes[2].set_ylim(-1.75, 1.05)
    axes[2].set_xlabel("time step $t$")
    axes[2].set_xticks(steps)
    for ax, where in zip(axes, ("lower center", "center left", "lower center"), strict=True):
        ax.axvline(cue_step, color="grey", linestyle=":", linewidth=1.5)
        ax.legend(fontsize=8, loc=where, frameon=False, ncol=2)
    axes[0].annotate("cue", (cue_step, 1.0), xytext=(4, 0), textcoords="offset points",
                     xycoords=("data", "axes fraction"), va="top", color="dimgrey")
    return fig
