"""The fused loops' own choices: the batch split over threads, and the chunked projection.

`tests/test_reference.py` checks the engine against Keras at sizes where the loop runs in one
thread and projects every step in one chunk; here the same checks run with the batch split
over threads (unevenly) and with chunks of a few steps.
"""

import warnings

import numpy as np
import pytest
from conftest import ATOL, assert_matches_keras, make_layer, mask_pattern

from rnnbook import cells, loops, reference
from rnnbook.backend import to_numpy

VARIANTS = {
    "SimpleRNN": ("SimpleRNN", {}),
    "LSTM": ("LSTM", {}),
    "GRU": ("GRU", {"reset_after": True}),
    "GRU-reset-before": ("GRU", {"reset_after": False}),
}


@pytest.fixture
def split(monkeypatch):
    """Split every batch over ``threads`` threads; optionally project fewer numbers at a time
    (``PROJECTION_CHUNK = 1`` projects one step at a time)."""
    def configure(threads, chunk=None):
        monkeypatch.setattr(loops, "threads_for", lambda *args, **kwargs: threads)
        if chunk is not None:
            monkeypatch.setattr(loops, "PROJECTION_CHUNK", chunk)
    return configure


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("mask_name", [None, "gaps", "full_row"])
@pytest.mark.parametrize("zero_output_for_mask", [False, True])
def test_split_batch_matches_keras(variant, threads, mask_name, zero_output_for_mask, split,
                                   rng):
    split(threads, chunk=1)
    kind, options = VARIANTS[variant]
    layer = make_layer(kind, 5, 3, rng=rng, return_sequences=True, return_state=True,
                       zero_output_for_mask=zero_output_for_mask, **options)
    x = rng.normal(size=(7, 6, 3)).astype("float32")   # 7 samples: parts of 3 and 4, or 2, 2, 3
    assert_matches_keras(layer, x, mask=mask_pattern(mask_name, 7, 6, rng))


@pytest.mark.parametrize("threads,chunk", [(1, None), (1, 4 * 4 * 5 * 7), (3, None)])
def test_split_or_chunked_trace_matches_the_cells(threads, chunk, split, rng):
    # 4 * 4 * 5 * 7: four steps of an LSTM's 4 * 5 gate rows for 7 samples, so the 6 steps
    # are projected as a chunk of 4, then the 2 left
    split(threads, chunk)
    layer = make_layer("LSTM", 5, 3, rng=rng)
    x = rng.normal(size=(7, 6, 3)).astype("float32")
    traced = reference.trace(layer, x)
    kernel, recurrent_kernel, bias = layer.get_weights()
    h = c = np.zeros((7, 5), np.float32)
    for t in range(6):
        h, c, gates = cells.lstm_step(x[:, t], h, c, kernel, recurrent_kernel, bias)
        for name, value in gates.items():
            np.testing.assert_allclose(traced[name][:, t], value, atol=ATOL, err_msg=name)


def test_float64_survives_the_split(split, rng):
    split(2)
    layer = make_layer("GRU", 5, 3, rng=rng)
    x = rng.normal(size=(6, 4, 3))
    ours = reference.forward(layer, x)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, to_numpy(layer(x.astype("float32"))), atol=ATOL)


def test_threads_keep_the_callers_error_handling(split, rng):
    # reference.forward silences overflow (inf propagates, as in Keras); a new thread starts
    # with NumPy's default handling, which would warn
    split(2)
    layer = make_layer("LSTM", 5, 3, rng=rng, activation="exponential")
    x = np.full((4, 3, 3), 1e3, dtype="float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = reference.forward(layer, x)
    assert not np.isfinite(result).all()


def test_an_error_in_a_thread_reaches_the_caller(split, monkeypatch, rng):
    split(2)
    layer = make_layer("SimpleRNN", 5, 3, rng=rng)

    def broken(self, projected_t, states):
        raise RuntimeError("step failed")
    monkeypatch.setattr(loops._Part, "_simple_rnn_step", broken)
    with pytest.raises(RuntimeError, match="step failed"):
        reference.forward(layer, rng.normal(size=(4, 3, 3)).astype("float32"))


def test_threads_for_splits_only_large_products():
    # the book's benchmark sizes: (samples, units) 1 x 16, 64 x 128, 256 x 256
    assert loops.threads_for("LSTM", 1, 16, available=2) == 1
    assert loops.threads_for("LSTM", 256, 256, available=2) == 2
    assert loops.threads_for("LSTM", 256, 256, available=1) == 1
    # the product sets the count: per thread at least MIN_MULTIPLY_ADDS_PER_THREAD
    per_step = 2048 * 128 * 128
    assert loops.threads_for("SimpleRNN", 2048, 128, available=1000) == per_step // (
        loops.MIN_MULTIPLY_ADDS_PER_THREAD)
    # and no thread gets fewer than MIN_SAMPLES_PER_THREAD samples
    assert loops.threads_for("LSTM", 2 * loops.MIN_SAMPLES_PER_THREAD, 4096, available=8) == 2


def test_cores_counts_the_cores_this_process_may_use():
    assert 1 <= loops.cores() <= (__import__("os").cpu_count() or 1)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("mask_name", [None, "gaps", "trailing"])
@pytest.mark.parametrize("timesteps", [5, 6])
@pytest.mark.parametrize("zero_output_for_mask", [False, True])
def test_last_step_only_matches_the_whole_sequences_last_step(
        variant, threads, mask_name, timesteps, zero_output_for_mask, split, rng):
    # without return_sequences the loop keeps two steps' outputs in turn (an odd and an even
    # number of steps end in either row); the last step must be what the whole sequence ends with
    split(threads)
    kind, options = VARIANTS[variant]
    layers = [make_layer(kind, 5, 3, rng=np.random.default_rng(1), return_sequences=sequences,
                         return_state=True, zero_output_for_mask=zero_output_for_mask,
                         **options) for sequences in (False, True)]
    x = rng.normal(size=(7, timesteps, 3)).astype("float32")
    mask = mask_pattern(mask_name, 7, timesteps, rng)
    last, *states = assert_matches_keras(layers[0], x, mask=mask)
    whole, *whole_states = reference.forward(layers[1], x, mask=mask)
    np.testing.assert_array_equal(last, whole[:, -1])
    for state, whole_state in zip(states, whole_states, strict=True):
        np.testing.assert_array_equal(state, whole_state)


def test_last_step_only_does_not_store_every_step(rng):
    # forward's peak memory (NumPy reports its allocations to tracemalloc) for a
    # 64 x 100 x 8 -> 128 LSTM, without and with return_sequences: every step's outputs are
    # 100 * 64 * 128 float32 (3.3 MB), the rest (inputs' copies, buffers) the same in both
    import tracemalloc

    x = rng.normal(size=(64, 100, 8)).astype("float32")
    every_step = 4 * 100 * 64 * 128
    peaks = {}
    for sequences in (False, True):
        layer = make_layer("LSTM", 128, 8, rng=np.random.default_rng(2),
                           return_sequences=sequences)
        reference.forward(layer, x)                  # anything made once is made now
        tracemalloc.start()
        try:
            reference.forward(layer, x)
            peaks[sequences] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peaks[False] < every_step, peaks         # the weights' copies and buffers
    assert peaks[True] - peaks[False] > 0.9 * every_step, peaks
