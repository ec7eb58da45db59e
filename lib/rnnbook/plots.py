"""Figures for the book, drawn with matplotlib in one colour-blind-safe style.

Figures keep a white face so they stay legible on the website's dark theme too.
Sequential data uses ``cividis`` and signed data ``PuOr``; both are readable with the
common colour-vision deficiencies. Lines use Okabe & Ito's hues, each series with its own
line style as well, so that no figure depends on colour alone. In a notebook,
:func:`use_book_style` has figures stored as PNG at twice their display resolution
("retina"), so they stay sharp on high-density screens; nbval does not compare PNG data, so
rounding noise in the plotted values cannot fail a check (the printed numbers are checked).
"""

import matplotlib.pyplot as plt
import numpy as np

#: Okabe & Ito's palette for colour-vision deficiencies (black omitted), as published.
#: Orange, sky blue and yellow have less than 3:1 contrast on white (2.3, 2.3 and 1.3):
#: use them for filled areas only.
OKABE_ITO_ORIGINAL = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00",
                      "#CC79A7"]

#: The book's line colours: Okabe & Ito's, position for position, with orange and sky blue
#: darkened and yellow replaced by grey, so that every colour has at least 3:1 contrast
#: both on white and on the website's dark background (tests/test_plots.py checks it).
OKABE_ITO = ["#B07800", "#2F8FC8", "#009E73", "#777777", "#0072B2", "#D55E00", "#CC79A7"]

#: The order in which a figure's series take colours: the most distinct first.
LINE_COLORS = [OKABE_ITO[i] for i in (4, 5, 2, 6, 0, 1, 3)]
LINE_STYLES = ["-", "--", "-.", ":", (0, (6, 2)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 2))]
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]

STYLE = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    # colour and line style only: markers in the cycle would reach patches (histograms,
    # fills), which have none. Pass marker=MARKERS[i] where points should show.
    "axes.prop_cycle": plt.cycler(color=LINE_COLORS) + plt.cycler(linestyle=LINE_STYLES),
    "lines.linewidth": 1.8,
    "lines.markersize": 4.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 11,
    "legend.fontsize": 10,
    "figure.dpi": 100,
}

#: The widest figure that stays legible on a phone: text in a wider one shrinks below
#: about 7 px at 390 px. Lay out more panels with :func:`panels` (stacked) instead.
MAX_WIDTH_INCHES = 6.5

#: What each traced quantity is called on the page, and whether it lives in [0, 1].
TRACE_LABELS = {
    "i": ("input gate $i_t$", True), "f": ("forget gate $f_t$", True),
    "o": ("output gate $o_t$", True), "z": ("update gate $z_t$", True),
    "r": ("reset gate $r_t$", True), "candidate": ("candidate", False),
    "c": ("cell state $c_t$", False), "h": ("hidden state $h_t$", False),
}
TRACE_ORDER = ["i", "f", "o", "z", "r", "candidate", "c", "h"]


def use_book_style():
    """Apply the book's figure style to matplotlib (call once, at the top of a chapter).

    In an IPython kernel it also stores figures as PNG at twice their display resolution.
    """
    plt.rcParams.update(STYLE)
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # plain Python: nothing is displayed inline
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


def panels(count, *, height=2.4, width=MAX_WIDTH_INCHES, **subplots):
    """``count`` panels stacked in one column, sharing x: a figure that stays legible on a
    phone. Returns ``(figure, axes)`` with ``axes`` a list of length ``count``."""
    if not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a positive int, got {count!r}")
    subplots.setdefault("sharex", True)
    fig, axes = plt.subplots(count, 1, figsize=(width, height * count), squeeze=False,
                             layout="constrained", **subplots)
    return fig, list(axes[:, 0])


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
