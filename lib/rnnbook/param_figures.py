"""A figure of how a recurrent layer's size and per-step work grow with units and input_dim."""

import matplotlib.pyplot as plt
import numpy as np

from rnnbook import params
from rnnbook.plots import OKABE_ITO

#: One colour and marker per cell type, from the Okabe-Ito palette.
CELL_STYLES = {"SimpleRNN": (OKABE_ITO[0], "o"), "GRU": (OKABE_ITO[4], "s"),
               "LSTM": (OKABE_ITO[5], "^")}


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


def growth_figure(units_values=(8, 16, 32, 64, 128, 256), input_dim_values=(1, 32, 64, 128,
                                                                            256, 512),
                  *, fixed_units=32, fixed_input_dim=256):
    """Four panels: parameters (top) and multiply-adds per time step (bottom) against
    units (left, input_dim fixed) and input_dim (right, units fixed), one line per cell type.
    The parameter axes carry float32 memory on their right.

    Returns
    -------
    matplotlib.figure.Figure
    """
    curves = growth_curves(units_values, input_dim_values, fixed_units=fixed_units,
                           fixed_input_dim=fixed_input_dim)
    fig, axes = plt.subplots(2, 2, figsize=(8, 6), sharex="col", layout="constrained")
    for kind, (colour, marker) in CELL_STYLES.items():
        c = curves[kind]
        style = {"color": colour, "marker": marker, "label": kind}
        axes[0, 0].plot(units_values, c["params_by_units"], **style)
        axes[1, 0].plot(units_values, c["macs_by_units"], **style)
        axes[0, 1].plot(input_dim_values, c["params_by_input"], **style)
        axes[1, 1].plot(input_dim_values, c["macs_by_input"], **style)
    for ax in axes.flat:
        ax.ticklabel_format(axis="y", style="sci", scilimits=(0, 0))
        ax.grid(alpha=0.3)
    axes[0, 0].set_title(f"growing units n (input_dim m = {fixed_input_dim})")
    axes[0, 1].set_title(f"growing input_dim m (units n = {fixed_units})")
    axes[0, 0].set_ylabel("parameters")
    axes[1, 0].set_ylabel("multiply-adds per step")
    axes[1, 0].set_xlabel("units n")
    axes[1, 1].set_xlabel("input_dim m")
    for ax in axes[0]:
        memory = ax.secondary_yaxis("right", functions=(lambda p: 4 * p / 2**20,
                                                        lambda mib: mib * 2**20 / 4))
        memory.set_ylabel("MiB in float32")
    axes[0, 0].legend(title="cell (GRU: Keras 3 default)", frameon=False)
    return fig
