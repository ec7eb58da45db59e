"""The derived list of what a step keeps suffices for backpropagation: gradients from it alone
equal Keras' own, and TensorFlow keeps the same values (the GRU one more)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from rnnbook import loop_graph, training_memory
from rnnbook.verify import compare, randomize_weights

KINDS = ("SimpleRNN", "LSTM", "GRU")


def keras_gradients(layer, x, d_outputs):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) * d_outputs)   # dloss/doutputs = d_outputs
    return [g.numpy() for g in tape.gradient(loss, layer.trainable_weights)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("units,input_dim", [(1, 1), (3, 5), (8, 2)])
def test_gradients_from_the_cache_alone_equal_keras(kind, units, input_dim):
    rng = np.random.default_rng(units)
    layer = getattr(keras.layers, kind)(units, return_sequences=True)
    layer.build((None, 6, input_dim))
    randomize_weights(layer, seed=input_dim)
    x = rng.normal(size=(3, 6, input_dim)).astype("float32")
    d_outputs = rng.normal(size=(3, 6, units)).astype("float32")
    outputs, cache = training_memory.forward_with_cache(kind, *layer.get_weights(), x)
    assert compare(outputs, layer(x)).ok
    assert set(cache) == {name for name, _ in training_memory.SAVED[kind]}
    kernel, recurrent_kernel, _ = layer.get_weights()
    ours = training_memory.backward_from_cache(kind, kernel, recurrent_kernel, cache, d_outputs)
    assert compare(ours, keras_gradients(layer, x, d_outputs)).ok


def test_a_cache_without_one_value_is_refused():
    layer = keras.layers.LSTM(2, return_sequences=True)
    layer.build((None, 3, 2))
    x = np.ones((1, 3, 2), "float32")
    _, cache = training_memory.forward_with_cache("LSTM", *layer.get_weights(), x)
    del cache["f_t"]
    with pytest.raises(KeyError, match="cache lacks f_t"):
        training_memory.backward_from_cache("LSTM", *layer.get_weights()[:2], cache,
                                            np.ones((1, 3, 2)))


def test_saved_and_new_floats_per_step():
    assert training_memory.saved_per_step("LSTM", 32, 256) == {
        "x_t": 256, "h_{t-1}": 32, "c_{t-1}": 32, "i_t": 32, "f_t": 32, "c~_t": 32, "o_t": 32,
        "tanh(c_t)": 32}
    assert sum(training_memory.saved_per_step("GRU", 4, 3).values()) == 3 + 5 * 4
    assert [training_memory.new_per_step(k, 10) for k in KINDS] == [10, 70, 50]
    assert training_memory.activation_floats("LSTM", 32, 256, 32) == 256 * 32 * 7 * 32


def test_training_bytes():
    parts = training_memory.training_bytes(100, 1000)
    assert parts == {"weights": 400, "gradients": 400, "optimizer": 800, "activations": 4000,
                     "total": 5600}
    assert training_memory.training_bytes(10, 0, optimizer_slots=0, dtype="float64")[
        "total"] == 160


@pytest.mark.parametrize("kind", KINDS)
def test_tensorflow_keeps_the_derived_values(kind):
    """The values TensorFlow's gradient records per step, summed per sample, against the
    derivation: equal for SimpleRNN and LSTM; the GRU also keeps 1 - z (its `sub`)."""
    units, input_dim = 3, 5
    layer = getattr(keras.layers, kind)(units, return_sequences=True)
    layer.build((None, 7, input_dim))
    (kept,) = loop_graph.kept_per_step(layer, (7, input_dim)).values()
    activations = [k for k in kept if k.role == "activation"]
    derived = sum(training_memory.saved_per_step(kind, units, input_dim).values())
    extra = [k.name.rsplit("/", 1)[-1] for k in activations if k.op_type == "Sub"]
    assert sum(k.floats for k in activations) == derived + units * len(extra)
    assert extra == (["sub"] if kind == "GRU" else [])


def test_errors():
    with pytest.raises(ValueError, match=r"expected GRU weights .* bias \(2, 6\) "
                                         r"\(reset_after=True\); got"):
        training_memory.forward_with_cache("GRU", np.ones((2, 6)), np.ones((2, 6)),
                                           np.ones(6), np.ones((1, 1, 2)))
    with pytest.raises(ValueError, match=r"inputs must be \(samples, timesteps, input_dim\) "
                                         r"with input_dim 2; got shape \(1, 2\)"):
        training_memory.forward_with_cache("SimpleRNN", np.ones((2, 1)), np.ones((1, 1)),
                                           np.ones(1), np.ones((1, 2)))
    with pytest.raises(ValueError, match="parameters must be a non-negative integer"):
        training_memory.training_bytes(-1, 0)
    with pytest.raises(ValueError, match="batch must be a positive integer; got 0"):
        training_memory.activation_floats("LSTM", 3, 4, 0)
