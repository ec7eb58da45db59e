"""The growth figure's numbers come from the tested counts; the figure draws them."""

import matplotlib

matplotlib.use("Agg")

import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnbook import param_figures  # noqa: E402
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


def test_figure_has_four_panels_and_okabe_ito_lines():
    fig = param_figures.growth_figure([8, 16], [1, 32])
    lines = fig.axes[0].get_lines()
    assert len([a for a in fig.axes if a.get_lines()]) == 4
    assert {line.get_color() for line in lines} <= set(OKABE_ITO)
    assert [line.get_label() for line in lines] == ["SimpleRNN", "GRU", "LSTM"]
    plt.close(fig)


def test_bad_sizes():
    with pytest.raises(ValueError, match="units must be a positive integer"):
        param_figures.growth_curves([0, 8], [1])
