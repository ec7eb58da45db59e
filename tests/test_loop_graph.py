"""Reading TensorFlow's traced loop: the matrix products of a step and what its gradient keeps."""

import keras
import pytest

from rnnbook import loop_graph, params

# The graph read here is TensorFlow's: on another backend the module refuses, by name.
tensorflow_only = pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                                     reason="reads TensorFlow's traced graph; "
                                            "test_other_backends_are_refused runs instead")


def built(kind, units, input_dim, **options):
    layer = getattr(keras.layers, kind)(units, return_sequences=True, **options)
    layer.build((None, 4, input_dim))
    return layer


@tensorflow_only
@pytest.mark.parametrize("kind,options", [("SimpleRNN", {}), ("LSTM", {}), ("GRU", {}),
                                          ("GRU", {"reset_after": False}),
                                          ("LSTM", {"recurrent_dropout": 0.5})])
def test_step_multiply_adds_equal_the_kernel_sizes(kind, options):
    """The forward step's MatMuls do k n (m + n) multiply-adds per sample, however Keras
    splits them; the gradient's step does twice as many (one product for the inputs' and
    states' gradient, one for the weights')."""
    layer = built(kind, 6, 5, **options)
    forward = loop_graph.step_multiply_adds(loop_graph.forward_graph(layer, (4, 5), batch=3),
                                            batch=3)
    (products,) = forward.values()
    assert sum(macs for _, macs in products) == params.multiply_adds(kind, 6, 5)
    gradient = loop_graph.step_multiply_adds(loop_graph.training_graph(layer, (4, 5), batch=3),
                                             batch=3, gradient=True)
    (backward,) = gradient.values()
    assert sum(macs for _, macs in backward) == 2 * params.multiply_adds(kind, 6, 5)


def test_kept_values_know_their_role_and_size():
    assert loop_graph.Kept("Placeholder", "i", (), False).role == "counter"
    assert loop_graph.Kept("Tanh", "t", (2, 3, 4), True).floats == 12
    assert loop_graph.Kept("Split", "s", (5, 3), False).floats == 15


@tensorflow_only
def test_kept_values_are_sorted_into_activations_weights_and_counter():
    layer = built("LSTM", 3, 5)
    (kept,) = loop_graph.kept_per_step(layer, (4, 5), batch=2).values()
    roles = {k.role for k in kept}
    assert roles <= {"activation", "weight"}
    weights = sorted(k.shape for k in kept if k.role == "weight")
    assert weights == [(3, 12), (5, 12)]              # kernel and recurrent_kernel, as read
    assert all(k.shape[0] == 2 for k in kept if k.role == "activation")


@tensorflow_only
def test_two_layers_give_two_loops():
    model = keras.Sequential([keras.Input((4, 5)), keras.layers.GRU(3, return_sequences=True),
                              keras.layers.SimpleRNN(2)])
    assert len(loop_graph.kept_per_step(model, (4, 5))) == 2


@tensorflow_only
def test_errors():
    with pytest.raises(ValueError, match="no while loop"):
        dense = keras.layers.Dense(2)
        dense.build((None, 4, 5))
        loop_graph.kept_per_step(dense, (4, 5))
    with pytest.raises(ValueError, match=r"input_shape must be \(timesteps, input_dim\)"):
        loop_graph.training_graph(built("LSTM", 2, 3), (None, 3))
    with pytest.raises(ValueError, match="batch a positive integer"):
        loop_graph.forward_graph(built("LSTM", 2, 3), (4, 3), batch=0)


@pytest.mark.skipif(keras.backend.backend() == "tensorflow", reason="runs on another backend")
def test_other_backends_are_refused():
    backend = keras.backend.backend()
    for read in (loop_graph.forward_graph, loop_graph.training_graph, loop_graph.kept_per_step):
        with pytest.raises(NotImplementedError, match=f"Keras is running '{backend}'"):
            read(built("LSTM", 2, 3), (4, 3))
