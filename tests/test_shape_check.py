"""Shape tables through stacks of layers: the arithmetic of rnnbook.shapes against Keras."""

import itertools

import keras
import numpy as np
import pytest

from rnnbook.shape_check import keras_error_line, keras_layer, keras_stack_shapes, wrap_message
from rnnbook.shapes import LayerSpec, layer_tensors, stack_shapes

SINGLE = [LayerSpec(kind, 4, seq, state, bidi, merge)
          for kind, seq, state, (bidi, merge) in itertools.product(
              ["SimpleRNN", "LSTM", "GRU"], [False, True], [False, True],
              [(False, "concat"), (True, "concat"), (True, "sum"), (True, "ave"), (True, "mul"),
               (True, None)])]
STACKS = [
    [LayerSpec("LSTM", 6, return_sequences=True), LayerSpec("LSTM", 3)],
    [LayerSpec("GRU", 5, return_sequences=True), LayerSpec("Dense", 2)],
    [LayerSpec("SimpleRNN", 5, return_sequences=True),
     LayerSpec("TimeDistributed(Dense)", 7)],
    [LayerSpec("LSTM", 4, return_sequences=True, bidirectional=True),
     LayerSpec("GRU", 3, return_sequences=True, bidirectional=True, merge_mode="ave"),
     LayerSpec("SimpleRNN", 2, return_state=True), LayerSpec("Dense", 5)],
]


@pytest.mark.parametrize("spec", SINGLE, ids=lambda s: s.label())
@pytest.mark.parametrize("samples", [3, None])
def test_one_layer_equals_keras(spec, samples):
    assert stack_shapes((samples, 5, 2), [spec]) == keras_stack_shapes((samples, 5, 2), [spec])


@pytest.mark.parametrize("specs", STACKS, ids=range(len(STACKS)))
def test_stacks_equal_keras(specs):
    assert stack_shapes((2, 7, 3), specs) == keras_stack_shapes((2, 7, 3), specs)


def test_labels_are_keras_expressions():
    spec = LayerSpec("lstm", 8, return_sequences=True, bidirectional=True, merge_mode="sum")
    assert spec.label() == "Bidirectional(LSTM(8, return_sequences=True), merge_mode='sum')"
    assert LayerSpec("TimeDistributed(Dense)", 3).label() == "TimeDistributed(Dense(3))"
    layer = keras_layer(spec)
    assert isinstance(layer, keras.layers.Bidirectional) and layer.merge_mode == "sum"


def test_last_step_only_before_a_second_rnn_is_explained():
    with pytest.raises(ValueError, match=r"layer 2, LSTM\(4\), reads a sequence .* 2-D tensor "
                                         r"of shape \(None, 8\): layer 1, LSTM\(8\), returns only "
                                         r"its last step. Give it return_sequences=True"):
        stack_shapes((None, 20, 80), [LayerSpec("LSTM", 8), LayerSpec("LSTM", 4)])
    with pytest.raises(ValueError, match=r"layer 2, TimeDistributed\(Dense\(2\)\), reads a "
                                         r"sequence"):
        stack_shapes((None, 20, 80), [LayerSpec("GRU", 8), LayerSpec("TimeDistributed(Dense)",
                                                                     2)])


def test_two_direction_outputs_cannot_feed_a_layer():
    with pytest.raises(ValueError, match="returns two tensors .* Use merge_mode"):
        stack_shapes((None, 5, 3), [LayerSpec("GRU", 4, True, bidirectional=True,
                                              merge_mode=None), LayerSpec("GRU", 2)])


def test_unknown_kind_and_not_a_spec():
    with pytest.raises(ValueError, match="layer 1: unknown kind 'Conv1D'"):
        stack_shapes((None, 5, 3), [LayerSpec("Conv1D", 4)])
    with pytest.raises(TypeError, match="layer 1 must be a LayerSpec"):
        stack_shapes((None, 5, 3), [("LSTM", 4)])
    with pytest.raises(TypeError, match="spec must be a LayerSpec"):
        keras_layer("LSTM")


@pytest.mark.parametrize("kind,states", [("LSTM", ["h", "c"]), ("GRU", ["h"])])
def test_layer_tensors_names_every_tensor(kind, states):
    result = layer_tensors(10, 6, 3, 4, kind, return_sequences=True, return_state=True,
                           bidirectional=True, merge_mode=None)
    names = [name for name, _ in result["tensors"]]
    assert names == (["input", "output (forward)", "output (backward)"]
                     + [f"{s} (forward)" for s in states] + [f"{s} (backward)" for s in states])
    assert result["tensors"][0] == ("input", (10, 6, 3))
    layer = keras_layer(LayerSpec(kind, 4, True, True, True, None))
    outputs = layer(np.zeros((10, 6, 3), "float32"))
    assert [shape for _, shape in result["tensors"][1:]] == [tuple(o.shape) for o in outputs]
    assert result["params"] == layer.count_params()


def test_keras_error_line_skips_the_wrapper_line():
    model = keras.Sequential([keras.Input((20, 80)), keras.layers.LSTM(4)])
    line = keras_error_line(model.predict, np.zeros((20, 80)), verbose=0)
    assert line.startswith("ValueError: Invalid input shape") and "\n" not in line
    assert "\x1b" not in line
    assert keras_error_line(lambda: None) == "no error"
    short = keras_error_line(model.predict, np.zeros((20, 80)), verbose=0, max_chars=41)
    assert short == "ValueError: Invalid input shape for input ..."
    assert keras_error_line(lambda: 1 / 0) == "ZeroDivisionError: division by zero"


def test_keras_error_line_keeps_the_whole_first_line():
    """TensorFlow's shape errors end in the useful part ("with input shapes: ...")."""
    model = keras.Sequential([keras.Input((5, 8)), keras.layers.LSTM(4)])
    full = keras_error_line(model.predict, np.zeros((6, 5, 3), "float32"), verbose=0)
    assert full.startswith("ValueError: Dimensions must be equal, but are 3 and 8")
    assert full.endswith("with input shapes: [6,3], [8,16].")

def test_wrap_message_keeps_every_word_within_the_width():
    text = "ValueError: " + " ".join(f"word{i}" for i in range(40))
    wrapped = wrap_message("Keras:   ", text, width=50)
    lines = wrapped.splitlines()
    assert len(lines) > 1 and all(len(line) <= 50 for line in lines)
    assert lines[0].startswith("Keras:   ValueError:")
    assert all(line.startswith(" " * 9) for line in lines[1:])
    assert " ".join(wrapped.split()) == "Keras: " + text
    assert wrap_message("a: ", "short") == "a: short"
    with pytest.raises(ValueError, match="width must leave room"):
        wrap_message("a long label: ", "text", width=20)
