"""The marker-and-recall task, its hand-set LSTM (checked against Keras) and the explorer."""

import itertools

import keras
import matplotlib
import numpy as np
import pytest
from conftest import ATOL, RTOL

from rnnbook import memory_task, reference
from rnnbook.backend import to_numpy

matplotlib.use("Agg")


def keras_memory_lstm(**settings):
    layer = keras.layers.LSTM(1, return_sequences=True, return_state=True)
    layer.build((None, None, 3))
    layer.set_weights(memory_task.memory_lstm_weights(**settings))
    return layer


def test_marker_sequences_layout():
    x, stored = memory_task.marker_sequences(4, 10, write_steps=[0, 3, 5, 8], seed=1)
    assert x.shape == (4, 10, 3) and x.dtype == np.float32
    assert (x[..., 1].sum(axis=1) == 1).all() and (x[:, -1, 2] == 1).all()
    assert x[..., 2].sum() == 4
    np.testing.assert_array_equal(stored, x[[0, 1, 2, 3], [0, 3, 5, 8], 0])
    assert (np.abs(x[..., 0]) <= 1).all()
    drawn, _ = memory_task.marker_sequences(50, 10, seed=2)
    steps = np.nonzero(drawn[..., 1])[1]
    assert steps.min() >= 0 and steps.max() < 5


def test_marker_sequences_errors():
    with pytest.raises(ValueError, match="timesteps must be at least 3"):
        memory_task.marker_sequences(2, 2)
    with pytest.raises(ValueError, match=r"one step per sample, shape \(2,\)"):
        memory_task.marker_sequences(2, 6, write_steps=[1])
    with pytest.raises(ValueError, match=r"write steps must lie in \[0, 5\)"):
        memory_task.marker_sequences(2, 6, write_steps=[1, 5])


def test_hand_set_lstm_writes_keeps_and_reads():
    x, stored = memory_task.marker_sequences(16, 20, seed=0)
    layer = keras_memory_lstm()
    output, _, c_T = (to_numpy(v) for v in layer(x))
    np.testing.assert_allclose(reference.forward(layer, x)[0], output, atol=ATOL, rtol=RTOL)
    # the readout at the cue carries the stored value's sign, and it is silent before
    assert (np.sign(output[:, -1, 0]) == np.sign(stored)).all()
    assert np.abs(output[:, :-1]).max() < 0.03
    assert np.corrcoef(c_T[:, 0], np.tanh(1.5 * stored))[0, 1] > 0.99


def test_memory_heatmaps_draws_six_panels():
    x, _ = memory_task.marker_sequences(5, 8, seed=0)
    fig = memory_task.memory_heatmaps(x, reference.trace(keras_memory_lstm(), x), title="t")
    assert len([ax for ax in fig.axes if ax.get_ylabel()]) == 6
    assert "sequence" in fig.get_supylabel()
    rings = [c for ax in fig.axes for c in ax.collections]
    assert any((c.get_edgecolor()[:, :3] == 1).all() for c in rings)  # white circles
    matplotlib.pyplot.close(fig)


SETTINGS = list(itertools.product([0, 2, 4, 6], [0, 4, 8], [-4, 4]))


@pytest.mark.parametrize("forget_bias,write_weight,output_bias", SETTINGS)
def test_explorer_lstm_is_what_keras_computes(forget_bias, write_weight, output_bias):
    result = memory_task.memory_lstm("keras", forget_bias, write_weight, output_bias)
    layer = keras_memory_lstm(forget_bias=forget_bias, write_weight=write_weight,
                              output_bias=output_bias)
    output, _, c_T = (to_numpy(v) for v in layer(memory_task.explorer_input()))
    np.testing.assert_allclose(result["h"], output[0, :, 0], atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(result["c"][-1], c_T[0, 0], atol=ATOL, rtol=RTOL)
    seed = memory_task.memory_lstm("seed001", forget_bias, write_weight, output_bias)
    assert ((seed["c"] > 0) & (seed["c"] < 1)).all()


def test_explorer_input():
    x = memory_task.explorer_input()
    assert x.shape == (1, memory_task.EXPLORER_TIMESTEPS, 3)
    assert np.nonzero(x[0, :, 1])[0].tolist() == [2, 8]
    assert x[0, 2, 0] == pytest.approx(-0.8) and x[0, 8, 0] == pytest.approx(0.6)


def test_memory_view_reports_the_recall():
    html = memory_task.memory_view()
    assert "<svg" in html and "(x = -0.8): c = -0.819" in html
    assert "at the read cue (t = 13) c = 0.619 and h = 0.541" in html
    seed = memory_task.memory_view("seed001")
    assert "(x = -0.8): c = 0.308" in seed and "sigmoid" in seed


def test_memory_explorer_grid_is_light():
    explorer = memory_task.memory_explorer()
    assert explorer.grid_size == 2 * len(SETTINGS)
    assert explorer.view(**explorer.defaults) == memory_task.memory_view()
    assert len(explorer.static_html()) < 450_000
