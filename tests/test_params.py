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


# ---- whole models: summarize() against Keras' model.summary() numbers --------------------

from rnnbook.param_calculator import keras_model  # noqa: E402
from rnnbook.params import LayerSpec  # noqa: E402


def seed_001_stack(kind, reset_after=True):
    """The seed article's models: two recurrent layers of 32, TimeDistributed(Dense(32)),
    Dropout, TimeDistributed(Dense(10)), sigmoid."""
    return [LayerSpec(kind, 32, reset_after=reset_after, return_sequences=True),
            LayerSpec(kind, 32, reset_after=reset_after, return_sequences=True),
            LayerSpec("TimeDistributed(Dense)", 32), LayerSpec("Dropout"),
            LayerSpec("TimeDistributed(Dense)", 10), LayerSpec("Activation")]


STACKS = [
    ((256, 256), seed_001_stack("SimpleRNN")),
    ((256, 256), seed_001_stack("LSTM")),
    ((256, 256), seed_001_stack("GRU")),
    ((256, 256), seed_001_stack("GRU", reset_after=False)),
    ((49, 1), [LayerSpec("SimpleRNN", 50), LayerSpec("Dense", 46), LayerSpec("Activation")]),
    ((49, 1), [LayerSpec("LSTM", 50), LayerSpec("Dense", 46)]),
    ((12,), [LayerSpec("Embedding", 8, vocabulary=100),
             LayerSpec("LSTM", 6, bidirectional=True, return_sequences=True),
             LayerSpec("GRU", 5, bidirectional=True, merge_mode="sum", return_sequences=True),
             LayerSpec("SimpleRNN", 4, use_bias=False, bidirectional=True, merge_mode="ave"),
             LayerSpec("Dense", 3, use_bias=False)]),
    ((None, 7), [LayerSpec("GRU", 4, reset_after=False, bidirectional=True, merge_mode="mul",
                           return_sequences=True),
                 LayerSpec("Dense", 9), LayerSpec("Dropout"),
                 LayerSpec("TimeDistributed(Dense)", 2, use_bias=False)]),
]


@pytest.mark.parametrize("input_shape,layers", STACKS)
def test_summarize_equals_keras_model_layer_by_layer(input_shape, layers):
    model = keras_model(input_shape, layers)
    rows = params.summarize(input_shape, layers)
    assert [r.count for r in rows] == [layer.count_params() for layer in model.layers]
    assert [r.output_shape for r in rows] == [tuple(layer.output.shape) for layer in model.layers]
    assert params.total_params(input_shape, layers) == model.count_params()


@pytest.mark.parametrize("kind,reset_after,expected", [
    ("SimpleRNN", True, [9248, 2080, 1056, 0, 330, 0]),
    ("LSTM", True, [36992, 8320, 1056, 0, 330, 0]),
    ("GRU", False, [27744, 6240, 1056, 0, 330, 0]),
    ("GRU", True, [27840, 6336, 1056, 0, 330, 0])])
def test_seed_001_summaries(kind, reset_after, expected):
    rows = params.summarize((256, 256), seed_001_stack(kind, reset_after))
    assert [r.count for r in rows] == expected


def test_formula_strings_evaluate_to_the_count():
    for kind, n, m, bias, reset_after, bidirectional in itertools.product(
            LAYERS, [1, 32], [1, 256], [True, False], [True, False], [True, False]):
        text = params.formula(kind, n, m, use_bias=bias, reset_after=reset_after,
                              bidirectional=bidirectional)
        value = eval(text.replace("·", "*").replace("×", "*"))  # plain arithmetic
        assert value == params.count_params(kind, n, m, use_bias=bias, reset_after=reset_after,
                                            bidirectional=bidirectional)
    assert params.formula("LSTM", 32, 256) == "4·32·(256 + 32 + 1)"
    assert params.formula("GRU", 32, 256) == "3·32·(256 + 32 + 2)"
    assert params.formula("SimpleRNN", 50, 1, use_bias=False) == "50·(1 + 50)"


def test_embedding_params_equal_keras():
    layer = keras.layers.Embedding(30000, 50)
    layer.build((None, 49))
    assert params.embedding_params(30000, 50) == layer.count_params() == 1_500_000


@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_multiply_adds_are_the_kernel_sizes(kind, bidirectional):
    """The definition, each weight of the two kernels used once per step, against Keras'
    weight shapes: a consistency check only. tests/test_loop_graph.py checks the count
    against the matrix products TensorFlow's traced loop actually runs."""
    layer = keras_layer(kind, 5, 3, use_bias=True, reset_after=True, bidirectional=bidirectional)
    kernels = [w for w in layer.weights if "bias" not in w.path]
    assert params.multiply_adds(kind, 5, 3, bidirectional=bidirectional) == sum(
        int(np.prod(w.shape)) for w in kernels)


def test_weight_bytes_equal_the_arrays_nbytes():
    layer = keras_layer("LSTM", 32, 256, use_bias=True, reset_after=True, bidirectional=False)
    assert params.weight_bytes(layer.count_params()) == sum(w.nbytes for w in
                                                            layer.get_weights()) == 147_968
    assert params.weight_bytes(10, "float64") == 80
    assert params.weight_bytes(np.int64(0)) == 0


def test_layer_kind_spellings():
    assert params.LayerSpec("time_distributed(dense)", 3).kind == "TimeDistributed(Dense)"
    assert params.LayerSpec("timedistributeddense", 3).kind == "TimeDistributed(Dense)"
    assert params.normalize_layer_kind("simple_rnn") == "SimpleRNN"
    assert params.normalize_layer_kind("DROPOUT") == "Dropout"


# ---- error cases ----------------------------------------------------------------------------

def test_layer_spec_errors():
    with pytest.raises(ValueError, match=r"unknown layer kind 'Conv1D': expected one of "
                                         r"Embedding, SimpleRNN"):
        LayerSpec("Conv1D", 3)
    with pytest.raises(TypeError, match="layer kind must be a string"):
        LayerSpec(None, 3)
    with pytest.raises(ValueError, match="units must be a positive integer; got 0"):
        LayerSpec("Dense", 0)
    with pytest.raises(TypeError, match="units must be a positive integer; got None"):
        LayerSpec("LSTM")
    with pytest.raises(TypeError, match="vocabulary must be a positive integer; got None"):
        LayerSpec("Embedding", 8)
    with pytest.raises(ValueError, match="only SimpleRNN, LSTM and GRU can be bidirectional; "
                                         "got Dense"):
        LayerSpec("Dense", 3, bidirectional=True)
    with pytest.raises(ValueError, match="merge_mode must be one of 'concat', 'sum'"):
        LayerSpec("LSTM", 3, bidirectional=True, merge_mode="max")


def test_summarize_errors():
    with pytest.raises(ValueError, match=r"layer 2 \(GRU\) reads \(samples, timesteps, "
                                         r"input_dim\); got \(None, 4\): .*return_sequences=True"):
        params.summarize((5, 3), [LayerSpec("LSTM", 4), LayerSpec("GRU", 2)])
    with pytest.raises(ValueError, match=r"layer 1 \(Embedding\) reads token indices"):
        params.summarize((5, 3), [LayerSpec("Embedding", 4, vocabulary=10)])
    with pytest.raises(ValueError, match=r"layer 2 \(TimeDistributed\(Dense\)\) reads"):
        params.summarize((5, 3), [LayerSpec("LSTM", 4), LayerSpec("TimeDistributed(Dense)", 2)])
    with pytest.raises(TypeError, match="layer 1 must be a LayerSpec"):
        params.summarize((5, 3), ["LSTM"])


@pytest.mark.parametrize("count", [-1, 2.5, True, "4"])
def test_weight_bytes_errors(count):
    with pytest.raises(ValueError, match="count must be a non-negative integer"):
        params.weight_bytes(count)


# ---- PyTorch's counts ---------------------------------------------------------------------

@pytest.mark.parametrize("kind,gates", [("SimpleRNN", 1), ("LSTM", 4), ("GRU", 3)])
def test_pytorch_closed_forms(kind, gates):
    for n, m in itertools.product([1, 7, 64], [1, 5, 100]):
        assert params.pytorch_count_params(kind, n, m) == gates * n * (m + n + 2)
        assert params.pytorch_count_params(kind, n, m, bias=False) == gates * n * (m + n)
        # one more bias vector per gate block than Keras' single bias row
        assert params.pytorch_count_params(kind, n, m) == params.count_params(
            kind, n, m, reset_after=False) + gates * n
    assert params.pytorch_count_params("LSTM", 64, 100) == 42_496
    assert params.count_params("LSTM", 64, 100) == 42_240


@pytest.mark.parametrize("n,m", [(1, 1), (4, 3), (32, 256)])
def test_pytorch_gru_count_equals_keras_reset_after_gru(n, m):
    layer = keras_layer("GRU", n, m, use_bias=True, reset_after=True, bidirectional=False)
    assert params.pytorch_count_params("GRU", n, m) == layer.count_params()


@pytest.mark.parametrize("kind", LAYERS)
def test_pytorch_shapes_equal_the_keras_to_pytorch_map(kind):
    """rnnbook.conventions maps Keras' weights to PyTorch's names: the same shapes."""
    from rnnbook import conventions

    layer = keras_layer(kind, 6, 4, use_bias=True, reset_after=True, bidirectional=False)
    mapped = conventions.keras_to_pytorch(kind, *layer.get_weights())
    assert {name: a.shape for name, a in mapped.items()} == params.pytorch_weight_shapes(
        kind, 6, 4)


def test_pytorch_stacks_and_directions():
    shapes = params.pytorch_weight_shapes("LSTM", 8, 5, num_layers=2, bidirectional=True)
    assert list(shapes)[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                "weight_ih_l0_reverse"]
    assert shapes["weight_ih_l1"] == shapes["weight_ih_l1_reverse"] == (32, 16)
    assert params.pytorch_count_params("LSTM", 8, 5, num_layers=2, bidirectional=True) == (
        2 * 4 * 8 * (5 + 8 + 2) + 2 * 4 * 8 * (16 + 8 + 2))
    assert "bias_ih_l0" not in params.pytorch_weight_shapes("GRU", 3, 2, bias=False)
    assert params.pytorch_formula("LSTM", 64, 100) == "4·64·(100 + 64 + 2)"
    assert params.pytorch_formula("SimpleRNN", 3, 2, bias=False) == "3·(2 + 3)"
    with pytest.raises(ValueError, match="num_layers must be a positive integer; got 0"):
        params.pytorch_weight_shapes("GRU", 3, 2, num_layers=0)
    with pytest.raises(ValueError, match="unknown kind 'Conv1D'"):
        params.pytorch_count_params("Conv1D", 3, 2)


@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("num_layers,bidirectional,bias", [(1, False, True), (1, False, False),
                                                            (2, True, True), (3, False, True)])
def test_torch_counts(kind, num_layers, bidirectional, bias):
    """Where PyTorch is installed, its own modules hold exactly these parameters."""
    torch = pytest.importorskip("torch")
    from rnnbook import claims

    module = getattr(torch.nn, params.PYTORCH_MODULES[kind])(
        100, 64, num_layers=num_layers, bidirectional=bidirectional, bias=bias)
    theirs = {name: tuple(p.shape) for name, p in module.named_parameters()}
    ours = params.pytorch_weight_shapes(kind, 64, 100, bias=bias, num_layers=num_layers,
                                        bidirectional=bidirectional)
    assert list(theirs.items()) == list(ours.items())
    count = params.pytorch_count_params(kind, 64, 100, bias=bias, num_layers=num_layers,
                                        bidirectional=bidirectional)
    assert sum(p.numel() for p in module.parameters()) == count
    claims.demonstrate("pytorch-two-bias-vectors-per-block", claims.holds_if(
        ours == theirs and (not bias or "bias_hh_l0" in theirs)))
