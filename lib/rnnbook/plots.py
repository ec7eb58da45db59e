"""Figures for the book, drawn with matplotlib in one colour-blind-safe style.

Figures keep a white face so they stay legible on the website's dark theme too.
Sequential data uses ``cividis`` and signed data ``PuOr``; both are readable with the
common colour-vision deficiencies. Lines use the Okabe-Ito palette.
"""

import matplotlib.pyplot as plt
import numpy as np

#: Okabe & Ito's palette for colour-vision deficiencies (black omitted).
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]

STYLE = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.prop_cycle": plt.cycler(color=OKABE_ITO),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "figure.dpi": 100,
}

#: What each traced quantity is called on the page, and whether it lives in [0, 1].
TRACE_LABELS = {
    "i": ("input gate $i_t$", True), "f": ("forget gate $f_t$", True),
    "o": ("output gate $o_t$", True), "z": ("update gate $z_t$", True),
    "r": ("reset gate $r_t$", True), "candidate": ("candidate", False),
    "c": ("cell state $c_t$", False), "h": ("hidden state $h_t$", False),
}
TRACE_ORDER = ["i", "f", "o", "z", "r", "candidate", "c", "h"]


def use_book_style():
    """Apply the book's figure style to matplotlib (call once, at the top of a chapter)."""
    plt.rcParams.update(STYLE)


def gate_heatmaps(traced, sample=0, title=None, shared_signed_scale=False):
    """Heat maps of every traced quantity over time, one row of panels per quantity.

    Parameters
    ----------
    traced : dict from :func:`rnnbook.reference.trace`, arrays ``(samples, timesteps, units)``.
    sample : which sample to draw.
    shared_signed_scale : if True, the signed panels (candidate and states) share one colour
        scale, symmetric about zero, so their colours compare across panels; by default each
        has its own. Gates always use [0, 1].

    Returns
    -------
    matplotlib.figure.Figure. Units run down each panel (the first and last are labelled),
    time steps across.
    """
    keys = [k for k in TRACE_ORDER if k in traced]
    timesteps, units = traced[keys[0]].shape[1:]
    signed = [k for k in keys if not TRACE_LABELS[k][1]]
    shared = max([float(np.nanmax(np.abs(traced[k][sample]))) for k in signed] + [1e-12])
    fig, axes = plt.subplots(len(keys), 1, sharex=True, squeeze=False,
                             figsize=(6.4, 0.45 * len(keys) * max(units, 2) ** 0.5 + 0.8),
                             layout="constrained")
    for ax, key in zip(axes[:, 0], keys, strict=True):
        label, unit_interval = TRACE_LABELS[key]
        values = traced[key][sample].T  # units down, time across
        if unit_interval:
            image = ax.imshow(values, aspect="auto", cmap="cividis", vmin=0, vmax=1,
                              interpolation="nearest")
        else:
            limit = shared if shared_signed_scale else max(float(np.nanmax(np.abs(values))),
                                                           1e-12)
            image = ax.imshow(values, aspect="auto", cmap="PuOr", vmin=-limit, vmax=limit,
                              interpolation="nearest")
        ticks = [0, units - 1] if units > 1 else [0]
        ax.set_yticks(ticks, [f"unit {u}" for u in ticks], fontsize=7)
        ax.set_ylabel(label, rotation=0, ha="right", va="center")
        fig.colorbar(image, ax=ax, fraction=0.04, pad=0.01)
    axes[-1, 0].set_xlabel("time step $t$")
    axes[-1, 0].set_xticks(range(timesteps))
    if title:
        fig.suptitle(title)
    return fig
