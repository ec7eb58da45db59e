"""Keras 2's recurrent defaults in NumPy (rnnbook.keras2) against Keras 3."""

import keras
import numpy as np
from conftest import make_layer

from rnnbook import keras2
from rnnbook.verify import compare


def test_hard_sigmoids():
    x = np.array([-3.0, -2.5, 0.0, 1.0, 2.5, 3.0])
    np.testing.assert_allclose(keras2.hard_sigmoid_keras2(x), [0, 0, 0.5, 0.7, 1, 1])
    np.testing.assert_allclose(np.asarray(keras.activations.hard_sigmoid(x)),
                               np.clip(x / 6 + 0.5, 0, 1))
    gap, where = keras2.hard_sigmoid_gap()
    assert abs(gap - 1 / 12) < 1e-12 and where == 2.5


def test_lstm_outputs_match_keras_with_its_own_hard_sigmoid():
    x = np.random.default_rng(0).normal(size=(2, 6, 3)).astype("float32")
    layer = make_layer("LSTM", 4, 3, recurrent_activation="hard_sigmoid", return_sequences=True)
    ours = keras2.lstm_outputs(x, *layer.get_weights(),
                               recurrent_activation=lambda v: np.clip(v / 6 + 0.5, 0, 1))
    assert compare(ours, layer(x)).ok
    keras2_style = keras2.lstm_outputs(x, *layer.get_weights(),
                                       recurrent_activation=keras2.hard_sigmoid_keras2)
    assert not compare(keras2_style, layer(x)).ok
