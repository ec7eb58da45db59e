"""Figures of how a recurrent layer's size grows with units and input_dim, how its training
memory grows with the sequence length, and how the three cells compare."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter

from rnnbook import params, training_memory
from rnnbook.plots import OKABE_ITO

#: Colour, marker and line style per cell type: Okabe-Ito colours with at least 3:1 contrast
#: on white (bluish green, blue, vermilion; no yellow), and a marker and dash of their own
#: so that no line depends on its colour.
CELL_STYLES = {"SimpleRNN": (OKABE_ITO[2], "o", ":"), "GRU": (OKABE_ITO[4], "s", "-"),
               "LSTM": (OKABE_ITO[5], "^", "--")}
MIB = 2**20


def growth_curves(units_values, input_dim_values, *, fixed_units=32, fixed_input_dim=256):
    """Parameters and multiply-adds per step, as units vary (at ``fixed_input_dim``) and as
    input_dim varies (at ``fixed_units``), for SimpleRNN, GRU (Keras 3 default) and LSTM.

    Returns
    -------
    dict kind -> dict with arrays ``params_by_units``, ``macs_by_units`` (same length as
    ``units_values``) and ``params_by_input``, ``macs_by_input`` (as ``input_dim_values``).
    """
    curves = {}
    for kind in CELL_STYLES:
        curves[kind] = {
            "params_by_units": np.array([params.count_params(kind, n, fixed_input_dim)
                                         for n in units_values]),
            "macs_by_units": np.array([params.multiply_adds(kind, n, fixed_input_dim)
                                       for n in units_values]),
            "params_by_input": np.array([params.count_params(kind, fixed_units, m)
                                         for m in input_dim_values]),
            "macs_by_input": np.array([params.multiply_adds(kind, fixed_units, m)
                                       for m in input_dim_values]),
        }
    return curves


def ratio_curves(units_values, *, input_dim=256):
    """Each cell's parameters as a fraction of the LSTM's with the same units and input_dim.

    Returns
    -------
    dict kind -> array (same length as ``units_values``); the LSTM's is all ones.
    """
    lstm = np.array([params.count_params("LSTM", n, input_dim) for n in units_values])
    return {kind: np.array([params.count_params(kind, n, input_dim) for n in units_values])
            / lstm for kind in CELL_STYLES}


def memory_curves(timesteps_values, *, units=32, input_dim=256, batch=32):
    """Training memory of one layer of each cell, in bytes, as the sequence grows.

    Returns
    -------
    dict kind -> dict with ``fixed`` (weights, gradients and Adam's two slots: the same for
    every length, an array like ``timesteps_values``) and ``activations`` (what the backward
    pass keeps, :func:`rnnbook.training_memory.activation_floats`, as bytes).
    """
    curves = {}
    for kind in CELL_STYLES:
        count = params.count_params(kind, units, input_dim)
        rows = [training_memory.training_bytes(
            count, training_memory.activation_floats(kind, units, t, batch))
            for t in timesteps_values]
        curves[kind] = {"fixed": np.array([r["total"] - r["activations"] for r in rows]),
                        "activations": np.array([r["activations"] for r in rows])}
    return curves


def _style(kind):
    colour, marker, dash = CELL_STYLES[kind]
    return {"color": colour, "marker": marker, "linestyle": dash, "label": kind}


def _thousands(ax):
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1000:,.0f}"))


def growth_figure(units_values=(8, 16, 32, 64, 128, 256), input_dim_values=(1, 32, 64, 128,
                                                                            256, 512),
                  *, fixed_units=32, fixed_input_dim=256,
                  timesteps_values=(16, 32, 64, 128, 256, 512), batch=32,
                  ratio_units=(1, 2, 4, 8, 16, 32, 64, 128, 256), ratio_input_dim=1):
    """Four panels: parameters against units (input_dim fixed) and against input_dim (units
    fixed), with float32 MiB on the right; training memory of one layer against the sequence
    length; and each cell's parameters as a fraction of the LSTM's (on ``ratio_input_dim``
    inputs, where the GRU's second bias row shows most).

    Returns
    -------
    matplotlib.figure.Figure
    """
    curves = growth_curves(units_values, input_dim_values, fixed_units=fixed_units,
                           fixed_input_dim=fixed_input_dim)
    fig, axes = plt.subplots(2, 2, figsize=(6.5, 5.6), layout="constrained")
    (by_units, by_input), (by_length, ratios) = axes
    for kind, c in curves.items():
        by_units.plot(units_values, c["params_by_units"], **_style(kind))
        by_input.plot(input_dim_values, c["params_by_input"], **_style(kind))
    for ax, title, label in ((by_units, f"input_dim m = {fixed_input_dim}", "units n"),
                             (by_input, f"units n = {fixed_units}", "input_dim m")):
        _thousands(ax)
        ax.set_title(title)
        ax.set_xlabel(label)
        ax.set_ylabel("parameters (thousands)")
        memory = ax.secondary_yaxis("right", functions=(lambda p: 4 * p / MIB,
                                                        lambda mib: mib * MIB / 4))
        memory.set_ylabel("MiB (float32)")
    by_units.legend(frameon=False)

    memory = memory_curves(timesteps_values, units=fixed_units, input_dim=fixed_input_dim,
                           batch=batch)
    for kind, c in memory.items():
        by_length.plot(timesteps_values, c["activations"] / MIB, **_style(kind))
        by_length.axhline(c["fixed"][0] / MIB, color=CELL_STYLES[kind][0], linewidth=1,
                          linestyle=CELL_STYLES[kind][2])
    by_length.set_title(f"one layer: n = {fixed_units}, m = {fixed_input_dim}, B = {batch}")
    by_length.set_yscale("log")
    by_length.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    by_length.set_xlabel("timesteps T")
    by_length.set_ylabel("MiB (float32, log scale)")
    by_length.text(0.97, 0.04, "markers: activations kept\nlines: weights, gradients, Adam",
                   transform=by_length.transAxes, ha="right", va="bottom", fontsize=8)

    for kind, values in ratio_curves(ratio_units, input_dim=ratio_input_dim).items():
        ratios.plot(ratio_units, values, **_style(kind))
    ratios.set_xscale("log", base=2)
    ratios.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ratios.set_title(f"share of the LSTM's count (m = {ratio_input_dim})")
    ratios.set_xlabel("units n (log scale)")
    ratios.set_ylabel("parameters / LSTM's")
    ratios.set_ylim(0, 1.05)
    for ax in axes.flat:
        ax.grid(alpha=0.3)
    return fig
