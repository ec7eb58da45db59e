"""Keras 2's recurrent defaults in NumPy (rnnbook.keras2) against Keras 3."""

import keras
import numpy as np
import pytest
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


def test_hard_sigmoid_activation_is_keras2s_inside_a_keras_layer():
    x = np.random.default_rng(1).normal(size=(2, 6, 3)).astype("float32")
    layer = make_layer("LSTM", 4, 3, recurrent_activation=keras2.hard_sigmoid_activation,
                       return_sequences=True, scale=1.0)
    ours = keras2.lstm_outputs(x, *layer.get_weights(),
                               recurrent_activation=keras2.hard_sigmoid_keras2)
    assert compare(ours, layer(x)).ok
    points = np.array([-3.0, -2.5, 0.0, 1.0, 2.5], dtype="float32")
    np.testing.assert_allclose(np.asarray(keras2.hard_sigmoid_activation(points)),
                               keras2.hard_sigmoid_keras2(points), atol=1e-7)


def test_keras2_accuracy_rule():
    assert keras2.accuracy_metric("binary_crossentropy", (None, 256, 10)) == "binary_accuracy"
    assert keras2.accuracy_metric("mse", (None, 1)) == "binary_accuracy"
    assert keras2.accuracy_metric("categorical_crossentropy", (None, 46)) == \
        "categorical_accuracy"
    assert keras2.accuracy_metric("sparse_categorical_crossentropy", (None, 46)) == \
        "sparse_categorical_accuracy"


def test_keras2_and_keras3_part_on_multi_label_outputs():
    from keras.src.trainers.compile_utils import get_metric

    y_multi = np.zeros((4, 5, 10), "float32")
    y_onehot = np.eye(46, dtype="float32")[[0, 3, 5, 7]]
    keras3 = {name: type(get_metric("accuracy", y, y)).__name__
              for name, y in (("multi", y_multi), ("onehot", y_onehot))}
    assert keras3 == {"multi": "CategoricalAccuracy", "onehot": "CategoricalAccuracy"}
    assert keras2.accuracy_metric("binary_crossentropy", y_multi.shape) == "binary_accuracy"
    assert keras2.accuracy_metric("categorical_crossentropy", y_onehot.shape) == \
        "categorical_accuracy"


def test_accuracy_rule_refuses_bad_input():
    with pytest.raises(TypeError, match="loss name"):
        keras2.accuracy_metric(keras.losses.BinaryCrossentropy(), (None, 10))
    with pytest.raises(ValueError, match="output size"):
        keras2.accuracy_metric("binary_crossentropy", ())
