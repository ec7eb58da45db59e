"""rnnbook.backend: no backend forced, every backend's tensors read, gradients on each
backend, and the masked-step divergence inside Keras pinned on every installed backend."""

import os
import re
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from conftest import assert_matches_keras, make_layer, mask_pattern

from rnnbook import backend, claims, gradients, reference
from rnnbook.verify import compare

RUNNING = keras.backend.backend()


def test_importing_rnnbook_chooses_no_backend(tmp_path):
    """Keras' own choice stands: ``KERAS_BACKEND`` unset by rnnbook, in this process and in
    the processes it starts, and keras.json read. Checked with another backend where one is
    installed (make test-backends), else with TensorFlow, Keras' default."""
    chosen = next((b for b in ("jax", "torch") if backend.is_installed(b)), "tensorflow")
    (tmp_path / "keras.json").write_text(f'{{"backend": "{chosen}"}}')
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env["KERAS_HOME"] = str(tmp_path)
    code = ("import os, subprocess, sys; import rnnbook, keras; "
            "print(os.environ.get('KERAS_BACKEND'), keras.backend.backend()); "
            "subprocess.run([sys.executable, '-c', "
            "'import os; print(os.environ.get(\"KERAS_BACKEND\"))'])")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True)
    assert done.stdout.split() == ["None", chosen, "None"]


def test_to_numpy_reads_every_kind_of_value():
    layer = make_layer("LSTM", 3, 2, return_sequences=True, return_state=True)
    x = np.random.default_rng(0).normal(size=(2, 4, 2)).astype("float32")
    outputs = layer(x)   # tensors of the running backend (on PyTorch they require grad)
    arrays = [backend.to_numpy(o) for o in outputs]
    assert all(type(a) is np.ndarray for a in arrays)
    assert [a.shape for a in arrays] == [(2, 4, 3), (2, 3), (2, 3)]
    np.testing.assert_array_equal(arrays[0][:, -1], arrays[1])  # the last output is h
    kernel = backend.to_numpy(layer.cell.kernel)                # a keras.Variable
    np.testing.assert_array_equal(kernel, layer.get_weights()[0])
    assert backend.to_numpy(x) is x
    np.testing.assert_array_equal(backend.to_numpy([outputs[1], outputs[2]]),
                                  np.stack(arrays[1:]))
    assert backend.to_numpy([[1, 2.5], [3, 4]]).tolist() == [[1, 2.5], [3, 4]]
    with pytest.raises(ValueError):
        backend.to_numpy([[1, 2], [3]])   # ragged, as np.asarray refuses


def test_to_numpy_reads_torch_tensors_that_require_grad_under_any_backend():
    torch = pytest.importorskip("torch", reason="PyTorch is installed in make test-backends")
    parameter = torch.nn.Parameter(torch.arange(6.0).reshape(2, 3))
    assert parameter.requires_grad
    np.testing.assert_array_equal(backend.to_numpy(parameter), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(backend.to_numpy([parameter * 2]),
                                  [np.arange(6.0).reshape(2, 3) * 2])


def test_the_engine_and_compare_accept_the_backends_tensors_from_other_layers():
    """The chapters' pattern: another layer's outputs as inputs and initial states, and
    ``compare(reference.forward(layer, x), layer(x))``."""
    rng = np.random.default_rng(3)
    embedding = keras.layers.Embedding(10, 3, mask_zero=True)
    # padding after the words: masked steps before the first word are where Keras' backends
    # disagree (see the masked-step tests below)
    tokens = np.array([[4, 2, 7, 0, 0], [1, 5, 9, 3, 0]])
    vectors = embedding(tokens)
    first = make_layer("LSTM", 4, 3, rng=rng, return_state=True)
    second = make_layer("LSTM", 4, 3, rng=rng, return_sequences=True)
    _, h, c = first(vectors)
    mask = embedding.compute_mask(tokens)
    theirs = second(vectors, mask=mask, initial_state=[h, c])
    ours = reference.forward(second, vectors, mask=mask, initial_state=[h, c])
    assert compare(ours, theirs).ok
    assert not compare(ours, second(vectors)).ok    # the states and mask matter


@pytest.mark.skipif(RUNNING != "jax", reason="JAX only: the other unit tests run Keras on JAX "
                    "op by op (tests/conftest.py); this one runs it compiled, as readers do")
@pytest.mark.parametrize("kind,options", [("SimpleRNN", {}), ("LSTM", {"go_backwards": True}),
                                          ("GRU", {"reset_after": False})])
def test_keras_on_jax_compiled_agrees_with_the_reference(kind, options):
    import jax

    rng = np.random.default_rng(8)
    layer = make_layer(kind, 4, 3, rng=rng, return_sequences=True, return_state=True,
                       **options)
    x = rng.normal(size=(3, 6, 3)).astype("float32")
    with jax.disable_jit(False):
        assert not jax.config.jax_disable_jit
        assert_matches_keras(layer, x)
        assert_matches_keras(layer, x, mask=mask_pattern("trailing", 3, 6, rng))


def test_gradient_is_the_derivative_on_the_running_backend():
    w = np.array([[0.5, -2.0, 1.0]])

    def fn(v):
        return keras.ops.sum(keras.ops.multiply(keras.ops.tanh(v), w))

    v = np.random.default_rng(1).normal(size=(4, 3))
    for compile in (False, True):
        got = backend.gradient(fn, v, compile=compile)
        assert got.dtype == np.float64 and got.shape == v.shape
        # float32 arithmetic at worst (JAX without jax_enable_x64)
        np.testing.assert_allclose(got, (1 - np.tanh(v) ** 2) * w, rtol=1e-6)
    unused = backend.gradient(lambda v: keras.ops.sum(keras.ops.ones((2,))), v)
    np.testing.assert_array_equal(unused, np.zeros_like(v))
    assert backend.gradient(fn, np.ones((1, 3), np.float32)).dtype == np.float32


def test_a_backend_without_gradients_is_named_in_the_refusal(monkeypatch):
    monkeypatch.setattr(backend, "name", lambda: "numpy")
    with pytest.raises(NotImplementedError, match="running the 'numpy' backend"):
        backend.gradient(keras.ops.sum, np.ones(3))
    with pytest.raises(NotImplementedError, match="keras_input_jacobians.*'numpy'"):
        gradients.keras_input_jacobians(make_layer("GRU", 2, 2), np.ones((1, 3, 2)))


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_input_jacobians_match_finite_differences_on_every_backend(kind):
    """The backend's autodiff against no autodiff at all: central differences of the
    function the layer computes, evaluated in float64 by the reference engine (which the
    reference tests check against Keras; Keras itself computes in float32 here)."""
    layer = make_layer(kind, 3, 2, scale=0.6)
    x = np.random.default_rng(4).normal(size=(2, 5, 2)).astype(np.float32)
    ours = gradients.keras_input_jacobians(layer, x)       # (samples, T, units, input_dim)
    x64, eps = x.astype(np.float64), 1e-6
    numeric = np.zeros(ours.shape)
    for t in range(x.shape[1]):
        for j in range(x.shape[2]):
            step = np.zeros_like(x64)
            step[:, t, j] = eps
            up, down = (reference.forward(layer, x64 + s) for s in (step, -step))
            numeric[:, t, :, j] = (up - down) / (2 * eps)
    np.testing.assert_allclose(ours, numeric, atol=1e-6)


# ---- the masked-step divergence inside Keras ----------------------------------------------

def test_the_running_backend_outputs_what_its_source_says_at_a_masked_first_step():
    expected = backend.KERAS_MASKED_FIRST_STEP[RUNNING]
    observed = tuple(backend.output_word(backend.masked_first_step(unroll))
                     for unroll in (False, True))
    assert observed == expected
    call = backend.masked_first_step_inputs()
    engine = reference.forward(backend.masked_first_step_layer(), call.pop("inputs"), **call)
    assert backend.output_word(float(engine[0, 0, 0])) == "zeros"   # TensorFlow's choice
    assert backend.KERAS_MASKED_FIRST_STEP["tensorflow"][0] == "zeros"


def test_keras_backends_disagree_on_a_masked_first_step():
    results = backend.masked_first_step_by_backend()
    observed = {b: tuple(backend.output_word(v) for v in outputs)
                for b, outputs in results.items() if outputs is not None}
    assert observed == {b: backend.KERAS_MASKED_FIRST_STEP[b] for b in observed}
    if len({words[0] for words in observed.values()}) < 2:
        pytest.skip(f"only {', '.join(observed)} installed here: both behaviours need JAX or "
                    "Keras' NumPy backend beside TensorFlow or PyTorch (make test-backends)")
    # the comment holds where an output came before, not at the first steps
    every_unrolled_zero = all(words[1] == "zeros" for words in observed.values())
    # the claim itself is demonstrated on the errata page; here its verdict is pinned
    assert claims.claim("keras-masked-step-repeats-previous-output").verdict == (
        "partly" if every_unrolled_zero else "wrong")


def test_the_masked_step_report_names_every_backend_and_the_engine():
    lines = backend.masked_first_step_report(
        {"tensorflow": (0.0, 0.0), "jax": (0.5, 0.0), "torch": None})
    assert lines[1:] == ["tensorflow  zeros           zeros",
                         "jax         initial state   zeros",
                         "torch       not installed here (needs torch)",
                         "rnnbook     zeros (the reference engine: TensorFlow's semantics)"]


def test_every_listed_skip_names_a_test_that_exists():
    """The backend skip lists of tests/conftest.py name real files and tests: a renamed test
    would otherwise drop out of its list and fail (or run) on the other backends unnoticed."""
    from conftest import MAIN_ENVIRONMENT_ONLY, TENSORFLOW_ONLY

    folder = Path(__file__).resolve().parent
    for key in [*MAIN_ENVIRONMENT_ONLY, *TENSORFLOW_ONLY]:
        name, _, test = key.partition("::")
        files = list(folder.rglob(name))             # keyed by file name, in any folder
        assert files, key
        if test:
            assert any(re.search(rf"^def {re.escape(test)}\(", path.read_text(), re.MULTILINE)
                       for path in files), key
