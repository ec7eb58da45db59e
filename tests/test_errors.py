"""Every bad input gets a clear error from the library itself, naming expected and given."""

import re

import keras
import numpy as np
import pytest
from conftest import make_layer

from rnnbook import activations, params, reference, shapes


@pytest.fixture
def lstm(rng):
    return make_layer("LSTM", 4, 3, rng=rng)


def test_two_dimensional_input_names_the_three_axes(lstm):
    with pytest.raises(ValueError, match=r"\(samples, timesteps, input_dim\)") as error:
        reference.forward(lstm, np.zeros((5, 3)))
    assert "(5, 3)" in str(error.value) and "x[np.newaxis]" in str(error.value)


def test_two_dimensional_word_indices_suggest_a_feature_axis(rng):
    layer = make_layer("SimpleRNN", 4, 1, rng=rng)
    with pytest.raises(ValueError, match=r"x\[\.\.\., np\.newaxis\] has shape \(10, 49, 1\)"):
        reference.forward(layer, np.zeros((10, 49)))


@pytest.mark.parametrize("shape", [(), (7,), (2, 3, 4, 3)])
def test_other_ranks(lstm, shape):
    with pytest.raises(ValueError, match=rf"3-D input of shape \(samples, timesteps, input_dim\); "
                                         rf"got a {len(shape)}-D array"):
        reference.forward(lstm, np.zeros(shape))


def test_wrong_input_dim(lstm):
    with pytest.raises(ValueError, match=r"expects input_dim = 3 .* got inputs of shape "
                                         r"\(samples, timesteps, input_dim\) = \(2, 5, 4\)"):
        reference.forward(lstm, np.zeros((2, 5, 4)))


def test_no_timesteps(lstm):
    with pytest.raises(ValueError, match="at least one time step"):
        reference.forward(lstm, np.zeros((2, 0, 3)))


def test_ragged_and_non_numeric_inputs(lstm):
    with pytest.raises(ValueError, match="pad_sequences"):
        reference.forward(lstm, [[[0.0] * 3], [[0.0] * 3, [1.0] * 3]])
    with pytest.raises(TypeError, match="expects numbers"):
        reference.forward(lstm, np.array([[["a", "b", "c"]]]))
    with pytest.raises(TypeError, match="real numbers"):
        reference.forward(lstm, np.zeros((1, 2, 3), complex))


@pytest.mark.parametrize("mask_shape", [(2, 4), (3, 5), (2,), (2, 5, 2)])
def test_mask_of_the_wrong_shape(lstm, mask_shape):
    expected = (re.escape("mask must have shape (samples, timesteps) = (2, 5)") + ".*"
                + re.escape(f"got a mask of shape {mask_shape}"))
    with pytest.raises(ValueError, match=expected):
        reference.forward(lstm, np.zeros((2, 5, 3)), mask=np.ones(mask_shape, bool))


def test_mask_of_strings(lstm):
    with pytest.raises(TypeError, match="mask must hold booleans"):
        reference.forward(lstm, np.zeros((1, 2, 3)), mask=np.array([["y", "n"]]))


def test_initial_state_count(lstm):
    with pytest.raises(ValueError, match=r"must hold 2 array\(s\), \[h, c\]; got 1"):
        reference.forward(lstm, np.zeros((2, 5, 3)), initial_state=[np.zeros((2, 4))])


def test_initial_state_count_bidirectional(rng):
    layer = make_layer("GRU", 4, 3, bidirectional=True, rng=rng)
    with pytest.raises(ValueError, match=r"must hold 2 array\(s\), \[h\] for the forward layer, "
                                         r"then \[h\] for the backward layer; got 1"):
        reference.forward(layer, np.zeros((2, 5, 3)), initial_state=[np.zeros((2, 4))])


def test_initial_state_shape(lstm):
    with pytest.raises(ValueError, match=r"\(samples, units\) = \(2, 4\); got \(2, 3\)"):
        reference.forward(lstm, np.zeros((2, 5, 3)), initial_state=[np.zeros((2, 3))] * 2)


@pytest.mark.parametrize("layer", [keras.layers.Dense(3), keras.layers.ConvLSTM1D(2, 3),
                                   keras.layers.RNN(keras.layers.StackedRNNCells(
                                       [keras.layers.LSTMCell(2), keras.layers.LSTMCell(2)]))])
def test_unsupported_layer_lists_the_supported_ones(layer):
    with pytest.raises(TypeError, match=r"unsupported layer .* supports keras\.layers\.SimpleRNN, "
                                        r"keras\.layers\.LSTM, keras\.layers\.GRU"):
        reference.forward(layer, np.zeros((1, 2, 3)))


def test_not_a_layer():
    with pytest.raises(TypeError, match="unsupported layer ndarray"):
        reference.forward(np.zeros(3), np.zeros((1, 2, 3)))


def test_stateful_layer_says_to_pass_initial_state():
    layer = keras.layers.LSTM(2, stateful=True)
    layer.build((1, 3, 2))
    with pytest.raises(ValueError, match="stateful.*pass the state you want to start from as "
                                         "initial_state"):
        reference.forward(layer, np.zeros((1, 3, 2)))


def test_unbuilt_layer():
    with pytest.raises(ValueError, match="not built"):
        reference.forward(keras.layers.GRU(2), np.zeros((1, 3, 2)))


def test_unsupported_activations_say_why(rng):
    layer = make_layer("SimpleRNN", 2, 2, rng=rng, activation="sparsemax")
    with pytest.raises(TypeError, match="sparsemax.*do not sum to 1"):
        reference.forward(layer, np.zeros((1, 3, 2)))
    with pytest.raises(TypeError, match="unsupported activation"):
        activations.get(lambda x: x)


@pytest.mark.parametrize("kind", ["rnn", "Transformer", "", "lstm2"])
def test_unknown_kind(kind):
    with pytest.raises(ValueError, match=r"unknown kind .* expected one of 'SimpleRNN', 'LSTM', "
                                         r"'GRU'"):
        params.count_params(kind, 4, 3)
    with pytest.raises(ValueError, match="unknown kind"):
        shapes.output_shapes(kind, (None, 5, 3), 4)


def test_kind_of_the_wrong_type():
    with pytest.raises(TypeError, match="kind must be a string"):
        params.count_params(None, 4, 3)


@pytest.mark.parametrize("name", ["units", "input_dim"])
@pytest.mark.parametrize("value,error", [(0, ValueError), (-3, ValueError), (2.5, TypeError),
                                         (4.0, TypeError), ("8", TypeError), (True, TypeError),
                                         (None, TypeError)])
def test_sizes_must_be_positive_integers(name, value, error):
    sizes = {"units": 4, "input_dim": 3, name: value}
    with pytest.raises(error, match=f"{name} must be a positive integer; got"):
        params.count_params("GRU", sizes["units"], sizes["input_dim"])
    with pytest.raises(error, match=f"{name} must be a positive integer"):
        shapes.output_shapes("GRU", (None, 5, sizes["input_dim"]), sizes["units"])


def test_numpy_integers_are_sizes():
    assert params.count_params("LSTM", np.int64(4), np.int32(3)) == 4 * 4 * (3 + 4 + 1)


def test_output_shapes_input_shape_and_merge_mode():
    with pytest.raises(ValueError, match=r"input_shape must be \(samples, timesteps, input_dim\)"):
        shapes.output_shapes("LSTM", (5, 3), 4)
    with pytest.raises(ValueError, match="merge_mode must be"):
        shapes.output_shapes("LSTM", (None, 5, 3), 4, bidirectional=True, merge_mode="max")
