"""Parameter counts from the weight shapes, against Keras' own count_params()."""

import itertools

import keras
import numpy as np
import pytest

from rnnbook import params

LAYERS = {"SimpleRNN": keras.layers.SimpleRNN, "LSTM": keras.layers.LSTM,
          "GRU": keras.layers.GRU}


def keras_layer(kind, units, input_dim, *, use_bias, reset_after, bidirectional):
    options = {"use_bias": use_bias}
    if kind == "GRU":
        options["reset_after"] = reset_after
    layer = LAYERS[kind](units, **options)
    if bidirectional:
        layer = keras.layers.Bidirectional(layer)
    layer.build((None, 7, input_dim))
    return layer


@pytest.mark.parametrize("kind,units,input_dim,use_bias,reset_after,bidirectional", list(
    itertools.product(LAYERS, [1, 3, 32], [1, 5, 256], [True, False], [True, False],
                      [False, True])))
def test_count_params_equals_keras(kind, units, input_dim, use_bias, reset_after, bidirectional):
    layer = keras_layer(kind, units, input_dim, use_bias=use_bias, reset_after=reset_after,
                        bidirectional=bidirectional)
    ours = params.count_params(kind, units, input_dim, use_bias=use_bias,
                               reset_after=reset_after, bidirectional=bidirectional)
    assert ours == layer.count_params()


@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("reset_after", [True, False])
def test_weight_shapes_equal_get_weights(kind, reset_after):
    layer = keras_layer(kind, 6, 4, use_bias=True, reset_after=reset_after, bidirectional=False)
    expected = [w.shape for w in layer.get_weights()]
    assert list(params.weight_shapes(kind, 6, 4, reset_after=reset_after).values()) == expected


# The seed article 001's two-layer models on (256, 256) inputs: its model.summary() tables
# list these counts for the first (input_dim 256) and second (input_dim 32) recurrent layer.
SEED_TABLE = [("SimpleRNN", True, 9248, 2080), ("LSTM", True, 36992, 8320),
              ("GRU", False, 27744, 6240),    # the article's numbers: Keras 2's reset_after=False
              ("GRU", True, 27840, 6336)]     # Keras 3's default


@pytest.mark.parametrize("kind,reset_after,first,second", SEED_TABLE)
def test_seed_article_counts(kind, reset_after, first, second):
    for input_dim, expected in ((256, first), (32, second)):
        assert params.count_params(kind, 32, input_dim, reset_after=reset_after) == expected
        layer = keras_layer(kind, 32, input_dim, use_bias=True, reset_after=reset_after,
                            bidirectional=False)
        assert layer.count_params() == expected


@pytest.mark.parametrize("kind,gates", [("SimpleRNN", 1), ("LSTM", 4), ("GRU", 3)])
def test_closed_forms(kind, gates):
    for n, m in itertools.product([1, 2, 7, 50], [1, 3, 49]):
        extra = n * gates if kind == "GRU" else 0  # reset_after's second bias row
        assert params.count_params(kind, n, m) == gates * n * (m + n + 1) + extra
        assert params.count_params(kind, n, m, reset_after=False) == gates * n * (m + n + 1)
        assert params.count_params(kind, n, m, use_bias=False) == gates * n * (m + n)


@pytest.mark.parametrize("spelling", ["SimpleRNN", "simple_rnn", "SIMPLERNN", "simple-rnn",
                                      "simplernn"])
def test_kind_spellings(spelling):
    assert params.normalize_kind(spelling) == "SimpleRNN"
    assert params.count_params(spelling, 32, 256) == 9248


def test_breakdown_rows_follow_keras_gate_order_and_slices():
    rows = params.breakdown("LSTM", 64, 10, bidirectional=True)
    assert [r.gate[0] for r in rows[:12:3]] == ["i", "f", "c", "o"]
    assert {r.direction for r in rows} == {"forward", "backward"}
    assert sum(r.count for r in rows) == 2 * 4 * 64 * (10 + 64 + 1)
    gru = params.breakdown("GRU", 4, 3)
    assert [r.weight for r in gru[:4]] == ["kernel", "recurrent_kernel", "bias", "recurrent bias"]


def test_breakdown_sums_match_keras_weight_sizes():
    layer = keras_layer("GRU", 5, 3, use_bias=True, reset_after=True, bidirectional=False)
    kernel, recurrent, bias = layer.get_weights()
    rows = params.breakdown("GRU", 5, 3)
    by_weight = {}
    for row in rows:
        by_weight[row.weight] = by_weight.get(row.weight, 0) + row.count
    assert by_weight["kernel"] == kernel.size
    assert by_weight["recurrent_kernel"] == recurrent.size
    assert by_weight["bias"] + by_weight["recurrent bias"] == bias.size


def test_dense_params():
    dense = keras.layers.Dense(46)
    dense.build((None, 50))
    assert params.dense_params(46, 50) == dense.count_params() == 2346
    assert params.dense_params(46, 50, use_bias=False) == 2300
    assert np.isscalar(params.dense_params(1, 1))
