"""Shared helpers: build Keras layers with random weights and compare them with the reference."""

import os

import keras
import numpy as np
import pytest

import rnnbook  # noqa: F401  (before keras: keeps TensorFlow quiet)
from rnnbook.backend import to_numpy
from rnnbook.verify import randomize_weights

# Float32 agreement bar: 1e-5 absolute, as the design asks. Unbounded activations (relu,
# exponential, ...) can reach values where float32's own spacing exceeds 1e-5, so a relative
# 1e-6 (about 8 float32 ulps) is added; for values of order 1 it changes nothing.
ATOL, RTOL = 1e-5, 1e-6

LAYERS = {"SimpleRNN": keras.layers.SimpleRNN, "LSTM": keras.layers.LSTM,
          "GRU": keras.layers.GRU}


def make_layer(kind, units, input_dim, *, bidirectional=False, merge_mode="concat",
               rng=None, scale=0.5, **options):
    """A built layer with random weights. ``kind`` is "SimpleRNN", "LSTM", "GRU"."""
    layer = LAYERS[kind](units, **options)
    if bidirectional:
        layer = keras.layers.Bidirectional(layer, merge_mode=merge_mode)
    layer.build((None, None, input_dim))
    seed = (rng or np.random.default_rng(0)).integers(2**32)
    return randomize_weights(layer, seed=seed, scale=scale)


def as_list(result):
    return [to_numpy(r) for r in result] if isinstance(result, (list, tuple)) \
        else [to_numpy(result)]


def assert_matches_keras(layer, x, **call_args):
    """Run Keras and the reference on the same input; compare every returned tensor."""
    from rnnbook import reference

    theirs = as_list(_tensorflow_masking(layer, x, call_args)(x, **call_args))
    ours_raw = reference.forward(layer, x, **call_args)
    ours = as_list(ours_raw)
    assert isinstance(ours_raw, list) == (len(theirs) > 1)
    assert len(ours) == len(theirs)
    for mine, keras_out in zip(ours, theirs, strict=True):
        assert mine.shape == keras_out.shape
        np.testing.assert_allclose(mine, keras_out, atol=ATOL, rtol=RTOL)
    return ours


def _tensorflow_masking(layer, x, call_args):
    """``layer``, or on JAX where Keras' output at masked steps before the first unmasked one
    is the initial state (the divergence rnnbook.backend.masked_first_step measures and
    tests/test_backend.py pins), the same layer with ``unroll=True``, where JAX outputs zeros
    there as TensorFlow and PyTorch do, and as the reference engine does."""
    inner = getattr(layer, "forward_layer", layer)
    if (keras.backend.backend() != "jax" or call_args.get("mask") is None
            or call_args.get("initial_state") is None or inner.zero_output_for_mask
            or inner.unroll):
        return layer
    config = keras.layers.serialize(layer)
    wrapped = [config["config"].get(k) for k in ("layer", "backward_layer")]
    for part in [p["config"] for p in wrapped if p] or [config["config"]]:
        part["unroll"] = True
    unrolled = keras.layers.deserialize(config)
    unrolled.build(np.shape(x))
    unrolled.set_weights(layer.get_weights())
    return unrolled


def mask_pattern(name, samples, timesteps, rng):
    """Masks of the patterns the reference must handle, ``(samples, timesteps)`` booleans."""
    if name is None:
        return None
    mask = np.ones((samples, timesteps), dtype=bool)
    if name == "gaps":
        mask = rng.random((samples, timesteps)) > 0.4
    elif name == "leading":            # pre-padding: first steps masked
        mask[:, : max(1, timesteps // 2)] = False
    elif name == "trailing":           # post-padding: last steps masked
        mask[:, timesteps // 2:] = False
    elif name == "full_row":           # one row fully masked, others random
        mask = rng.random((samples, timesteps)) > 0.4
        mask[0] = False
    return mask


# ---- Keras on JAX: most unit tests run JAX op by op -------------------------------------
#: On JAX, every eager call of a Keras recurrent layer traces and compiles a fresh lax.scan
#: (keras/src/backend/jax/rnn.py): 80 to 350 ms a call, measured here, against about 10 ms
#: op by op, and the unit tests make thousands of such calls, each with another layer or
#: shape. So under `make test-backends` they run with jax.disable_jit: the same Keras code
#: and the same lax.scan semantics, run as a Python loop of JAX operations (JAX's own
#: fallback), not as one compiled program. The files below train models, where one compiled
#: training step repeated is faster (test_tagging's accuracy test took 604 s op by op, on
#: loaded cores): they run compiled. The compiled path is also checked by
#: tests/test_backend.py::test_keras_on_jax_compiled_agrees_with_the_reference and by every
#: notebook, which tools/backend_verdicts.py runs compiled, as a reader does.
#: RNNBOOK_JAX_JIT=1 runs every unit test compiled.
COMPILED_ON_JAX = {"test_adding_problem.py", "test_articles_experiments.py",
                   "test_language_model.py", "test_language_model_results.py",
                   "test_reuters.py", "test_tagging.py"}


@pytest.fixture(autouse=True, scope="module")
def _jax_op_by_op(request):
    if (keras.backend.backend() != "jax" or os.environ.get("RNNBOOK_JAX_JIT") == "1"
            or request.path.name in COMPILED_ON_JAX):
        yield
        return
    import jax

    with jax.disable_jit():
        yield


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# ---- make test-backends ------------------------------------------------------------------
#: Set by `make test-backends` (to locks/backends-py311.txt): the lock this environment must
#: equal (tests/test_lock.py), and the sign that the run is the backends run.
BACKENDS_LOCK = os.environ.get("RNNBOOK_LOCK")

#: Tests (a file, or ``file::test``) that only make sense in the main environment, skipped
#: under `make test-backends` (which executes every notebook afresh under each backend
#: instead: tools/backend_verdicts.py).
MAIN_ENVIRONMENT_ONLY = {
    "test_notebooks.py": "checks the stored notebooks' outputs, written on TensorFlow by "
                         "make notebooks; make test runs it",
    "test_prose_numbers.py": "checks the stored notebooks' prose; make test runs it",
    "test_appendices.py": "checks the stored appendix pages; make test runs it",
    "test_portability_guard.py": "runs nbval in the main environment on TensorFlow; "
                                 "make test runs it",
    "test_takeaway.py": "runs a chapter in a fresh environment holding a hosted notebook "
                        "service's packages, TensorFlow's Keras only; make test runs it",
}
MAIN_ENVIRONMENT_ONLY.update(dict.fromkeys([
    "test_articles_experiments.py::test_quick_mode_writes_where_told_and_records_its_provenance",
    "test_articles_experiments.py::test_every_loader_the_chapter_calls_accepts_the_quick_file"],
    "runs tools/articles_experiments.py --quick on TensorFlow, as make experiments does (minutes "
    "of it, the same run whatever the backend of the tests); make test runs it"))


#: Tests of what TensorFlow itself does (its tape, its traced graph, its error messages),
#: skipped when Keras runs another backend, with the reason.
TENSORFLOW_ONLY = {
    "test_training_memory.py::test_gradients_from_the_cache_alone_equal_keras":
        "checks the values TensorFlow's tape keeps against tf.GradientTape",
    "test_training_memory.py::test_tensorflow_keeps_the_derived_values":
        "reads what TensorFlow's gradient loop keeps",
    "test_unrolled.py::test_input_gradients_match_gradient_tape_through_the_whole_sequence":
        "its reference is tf.GradientTape (tests/test_gradients.py checks every backend)",
    "test_unrolled.py::test_truncated_input_gradients_match_stateful_chunks_and_stop_at_"
    "the_edge": "its reference is tf.GradientTape over stateful chunks",
    "test_shape_check.py::test_keras_error_line_skips_the_wrapper_line":
        "the error's first line is TensorFlow's wording; JAX and PyTorch word it otherwise",
    "test_shape_check.py::test_keras_error_line_keeps_the_whole_first_line":
        "the error's first line is TensorFlow's wording",
}
TENSORFLOW_ONLY.update(dict.fromkeys([
    "test_benchmark.py::test_split_is_mostly_products_when_large_and_overhead_when_small",
    "test_benchmark.py::test_beside_keras_times_both_calls",
    "test_benchmark.py::test_contestants_at_the_smallest_size",
    "test_benchmark.py::test_the_tool_writes_what_the_appendix_reads",
    "test_benchmark.py::test_reference_beside_keras_at_the_middle_size"],
    "times Keras on TensorFlow, as make bench does: rnnbook.benchmark traces the layer with "
    "tf.function"))


def pytest_collection_modifyitems(config, items):
    if keras.backend.backend() != "tensorflow":
        for item in items:
            reason = TENSORFLOW_ONLY.get(f"{item.path.name}::{item.originalname}")
            if reason:
                item.add_marker(pytest.mark.skip(reason=f"TensorFlow only: {reason}"))
    if not BACKENDS_LOCK:
        return
    for item in items:
        reason = (MAIN_ENVIRONMENT_ONLY.get(item.path.name)
                  or MAIN_ENVIRONMENT_ONLY.get(f"{item.path.name}::{item.originalname}"))
        if reason:
            item.add_marker(pytest.mark.skip(reason=f"main environment only: {reason}"))
