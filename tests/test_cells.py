"""The single-step cells in Keras' weight layout, against Keras' own cells."""

import keras
import numpy as np
import pytest
from conftest import ATOL

from rnnbook import cells
from rnnbook.backend import to_numpy


def random_cell(cell, input_dim, rng):
    cell.build((None, input_dim))
    cell.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in cell.get_weights()])
    return cell


def test_simple_rnn_step(rng):
    cell = random_cell(keras.layers.SimpleRNNCell(4), 3, rng)
    x, h = rng.normal(size=(2, 3)).astype("float32"), rng.normal(size=(2, 4)).astype("float32")
    theirs, _ = cell(x, [h])
    ours, internals = cells.simple_rnn_step(x, h, *cell.get_weights())
    np.testing.assert_allclose(ours, to_numpy(theirs), atol=ATOL)
    assert internals["h"] is ours


def test_lstm_step(rng):
    cell = random_cell(keras.layers.LSTMCell(4), 3, rng)
    x = rng.normal(size=(2, 3)).astype("float32")
    h, c = (rng.normal(size=(2, 4)).astype("float32") for _ in range(2))
    _, (h_keras, c_keras) = cell(x, [h, c])
    h_ours, c_ours, gates = cells.lstm_step(x, h, c, *cell.get_weights())
    np.testing.assert_allclose(h_ours, to_numpy(h_keras), atol=ATOL)
    np.testing.assert_allclose(c_ours, to_numpy(c_keras), atol=ATOL)
    assert set(gates) == {"i", "f", "o", "candidate", "c", "h"}


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("use_bias", [True, False])
def test_gru_step(reset_after, use_bias, rng):
    cell = random_cell(keras.layers.GRUCell(4, reset_after=reset_after, use_bias=use_bias), 3, rng)
    x, h = rng.normal(size=(2, 3)).astype("float32"), rng.normal(size=(2, 4)).astype("float32")
    theirs, _ = cell(x, [h])
    ours, gates = cells.gru_step(x, h, *cell.get_weights(), reset_after=reset_after)
    np.testing.assert_allclose(ours, to_numpy(theirs), atol=ATOL)
    # Keras' convention: z weighs the previous state
    np.testing.assert_allclose(ours, gates["z"] * h + (1 - gates["z"]) * gates["candidate"],
                               atol=ATOL)
