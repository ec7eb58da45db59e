"""The figure's numbers come from the tested counts; the figure draws them."""

import matplotlib

matplotlib.use("Agg")

import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from rnnbook import param_figures, training_memory  # noqa: E402
from rnnbook.plots import OKABE_ITO  # noqa: E402


def test_curves_equal_keras_counts():
    curves = param_figures.growth_curves([4, 8], [1, 16], fixed_units=8, fixed_input_dim=16)
    for kind, c in curves.items():
        for n, count in zip([4, 8], c["params_by_units"], strict=True):
            layer = getattr(keras.layers, kind)(n)
            layer.build((None, None, 16))
            assert count == layer.count_params()
        assert c["params_by_input"][1] == c["params_by_units"][1]  # both n=8, m=16
        assert np.all(c["macs_by_units"] < c["params_by_units"])  # no bias multiply-adds


def test_units_enter_quadratically_and_input_dim_linearly():
    curves = param_figures.growth_curves([10, 20, 30], [10, 20, 30], fixed_units=10,
                                         fixed_input_dim=10)
    for c in curves.values():
        assert np.all(np.diff(c["params_by_input"], 2) == 0)      # linear in m
        assert np.all(np.diff(c["macs_by_units"], 2) > 0)         # convex in n


def test_ratios_approach_the_gate_blocks():
    ratios = param_figures.ratio_curves([1, 32, 4096], input_dim=256)
    assert np.all(ratios["LSTM"] == 1)
    # k n (m + n + rows): 3/4 and 1/4 of the LSTM once n dwarfs the bias rows
    assert abs(ratios["GRU"][-1] - 3 / 4) < 1e-3 and abs(ratios["SimpleRNN"][-1] - 1 / 4) < 1e-3
    assert np.all(ratios["GRU"] > ratios["SimpleRNN"])


def test_memory_curves_grow_with_the_sequence_only_in_their_activations():
    curves = param_figures.memory_curves([10, 20, 40], units=4, input_dim=3, batch=2)
    lstm = curves["LSTM"]
    assert np.all(lstm["fixed"] == lstm["fixed"][0]) and lstm["fixed"][0] == 4 * 4 * 4 * 4 * 8
    assert list(lstm["activations"]) == [4 * training_memory.activation_floats("LSTM", 4, t, 2)
                                         for t in (10, 20, 40)]
    assert lstm["activations"][2] == 4 * lstm["activations"][0]


def test_figure_has_four_panels_and_high_contrast_lines_with_markers():
    fig = param_figures.growth_figure([8, 16], [1, 32], timesteps_values=(4, 8))
    assert len([a for a in fig.axes if a.get_lines()]) == 4
    allowed = set(OKABE_ITO) - {"#F0E442", "#E69F00", "#56B4E9"}   # no yellow, no faint ones
    for ax in fig.axes:
        for line in ax.get_lines():
            assert to_rgb(line.get_color()) in {to_rgb(c) for c in allowed}
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["SimpleRNN", "GRU", "LSTM"]
    assert len({(line.get_marker(), line.get_linestyle()) for line in lines}) == 3
    assert fig.axes[0].yaxis.get_major_formatter()(12000, 0) == "12"   # thousands, no 1e4
    plt.close(fig)


def test_bad_sizes():
    with pytest.raises(ValueError, match="units must be a positive integer"):
        param_figures.growth_curves([0, 8], [1])
    with pytest.raises(ValueError, match="timesteps must be a positive integer"):
        param_figures.memory_curves([0])
