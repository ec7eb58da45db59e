"""plots.gate_heatmaps: one panel per traced quantity, units labelled, colour scales as asked."""

import matplotlib
import numpy as np
import pytest
from conftest import make_layer

from rnnbook import plots, reference

matplotlib.use("Agg")


@pytest.fixture
def traced(rng):
    layer = make_layer("LSTM", 5, 3, rng=rng, return_sequences=True)
    return reference.trace(layer, rng.normal(size=(2, 7, 3)).astype("float32"))


def images(fig):
    return [ax.images[0] for ax in fig.axes if ax.images]


def test_one_panel_per_quantity_with_the_units_labelled(traced):
    fig = plots.gate_heatmaps(traced, sample=1)
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 6
    for ax in panels:
        assert [t.get_text() for t in ax.get_yticklabels()] == ["unit 0", "unit 4"]
    np.testing.assert_array_equal(panels[-1].images[0].get_array(), traced["h"][1].T)
    matplotlib.pyplot.close(fig)


def test_gates_use_the_unit_interval_and_signed_panels_their_own_scale(traced):
    fig = plots.gate_heatmaps(traced)
    limits = [image.get_clim() for image in images(fig)]
    assert limits[:3] == [(0, 1)] * 3
    for (low, high), key in zip(limits[3:], ["candidate", "c", "h"], strict=True):
        assert high == -low == pytest.approx(np.abs(traced[key][0]).max())
    matplotlib.pyplot.close(fig)


def test_a_shared_signed_scale_is_the_largest_of_the_signed_panels(traced):
    fig = plots.gate_heatmaps(traced, shared_signed_scale=True)
    limits = [image.get_clim() for image in images(fig)][3:]
    largest = max(np.abs(traced[key][0]).max() for key in ["candidate", "c", "h"])
    assert all(high == -low == pytest.approx(largest) for low, high in limits)
    matplotlib.pyplot.close(fig)
