"""Output shapes from the library's helper, against the shapes Keras produces."""

import itertools

import keras
import numpy as np
import pytest

from rnnbook import shapes

LAYERS = {"SimpleRNN": keras.layers.SimpleRNN, "LSTM": keras.layers.LSTM,
          "GRU": keras.layers.GRU}


@pytest.mark.parametrize("kind,return_sequences,return_state,bidirectional,merge_mode",
                         [c for c in itertools.product(LAYERS, [False, True], [False, True],
                                                       [False, True],
                                                       ["concat", "sum", "ave", "mul", None])
                          if c[3] or c[4] == "concat"])
def test_output_shapes_equal_keras(kind, return_sequences, return_state, bidirectional,
                                   merge_mode):
    layer = LAYERS[kind](6, return_sequences=return_sequences, return_state=return_state)
    if bidirectional:
        layer = keras.layers.Bidirectional(layer, merge_mode=merge_mode)
    out = layer(np.zeros((2, 5, 3), "float32"))
    out = list(out) if isinstance(out, (list, tuple)) else [out]
    predicted = shapes.output_shapes(kind, (2, 5, 3), 6, return_sequences=return_sequences,
                                     return_state=return_state, bidirectional=bidirectional,
                                     merge_mode=merge_mode)
    assert predicted == [tuple(o.shape) for o in out]


def test_symbolic_batch_is_kept():
    assert shapes.output_shapes("LSTM", (None, None, 8), 4, return_sequences=True,
                                return_state=True) == [(None, None, 4), (None, 4), (None, 4)]


def test_validate_input_returns_the_array():
    x = [[[1.0, 2.0]]]
    array = shapes.validate_input(x, input_dim=2)
    assert isinstance(array, np.ndarray) and array.shape == (1, 1, 2)
