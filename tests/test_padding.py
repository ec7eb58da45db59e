"""Padding and masks: the helpers against keras.utils.pad_sequences, Masking and the reference."""

import keras
import numpy as np
import pytest
from conftest import make_layer

from rnnbook import padding, reference
from rnnbook.backend import to_numpy


@pytest.fixture
def sequences(rng):
    return [rng.normal(size=(n, 2)).astype("float32") for n in (3, 6, 1)]


@pytest.mark.parametrize("mode", ["pre", "post"])
def test_pad_equals_keras_pad_sequences(sequences, mode):
    ours = padding.pad(sequences, mode)
    theirs = keras.utils.pad_sequences(sequences, padding=mode, dtype="float32")
    np.testing.assert_array_equal(ours, theirs)


def test_mask_equals_keras_masking_and_embedding(sequences):
    batch = padding.pad(sequences, "post")
    expected = np.asarray(keras.layers.Masking(0.0).compute_mask(batch))
    np.testing.assert_array_equal(padding.padding_mask(batch), expected)
    words = keras.utils.pad_sequences([[4, 7], [1, 2, 3]], padding="pre")
    embedding = keras.layers.Embedding(10, 3, mask_zero=True)
    np.testing.assert_array_equal(padding.padding_mask(words),
                                  np.asarray(embedding.compute_mask(words)))


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_drift_without_mask_and_none_with_it(kind, sequences, rng):
    layer = make_layer(kind, 4, 2, rng=rng)
    for mode in ("pre", "post"):
        drift = padding.final_state_drift(layer, sequences, padding=mode)
        assert drift[1] < 1e-12 and drift[0] > 1e-3 and drift[2] > 1e-3  # longest is unpadded
        masked = padding.final_state_drift(layer, sequences, padding=mode, masked=True)
        assert masked.max() < 1e-12  # masked steps carry the state unchanged


def test_masked_final_state_is_the_last_real_step_bit_for_bit(sequences, rng):
    layer = make_layer("GRU", 4, 2, rng=rng, return_sequences=True)
    batch = padding.pad(sequences, "post")
    unmasked = reference.forward(layer, batch)
    masked = reference.forward(layer, batch, mask=padding.padding_mask(batch))
    for row, sequence in enumerate(sequences):
        last = len(sequence) - 1
        assert np.array_equal(masked[row, -1], unmasked[row, last])


def test_masked_reference_equals_keras(sequences, rng):
    layer = make_layer("LSTM", 4, 2, rng=rng)
    batch = padding.pad(sequences, "post")
    ours = reference.forward(layer, batch, mask=padding.padding_mask(batch))
    theirs = to_numpy(layer(keras.layers.Masking(0.0)(batch)))
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_errors(sequences, rng):
    with pytest.raises(ValueError, match="padding must be 'pre' or 'post'"):
        padding.pad(sequences, "middle")
    with pytest.raises(ValueError, match="non-empty list of 2-D arrays"):
        padding.pad([np.zeros(3)])
    with pytest.raises(ValueError, match=r"same input_dim; got \[2, 3\]"):
        padding.pad([np.zeros((2, 2)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match="batch must be"):
        padding.padding_mask(np.zeros(3))
    layer = make_layer("GRU", 4, 2, rng=rng, return_sequences=True)
    with pytest.raises(ValueError, match="return_sequences=False"):
        padding.final_state_drift(layer, sequences)


def test_state_paths_agree_where_they_must(rng):
    layer = make_layer("LSTM", 3, 2, rng=rng, return_sequences=True)
    sequence = rng.normal(size=(4, 2))
    paths = padding.state_paths(layer, sequence, 7)
    assert set(paths) == {"alone", "post, no mask", "post, mask", "pre, no mask", "pre, mask"}
    np.testing.assert_allclose(paths["post, no mask"][:4], paths["alone"], atol=1e-12)
    np.testing.assert_allclose(paths["post, mask"][-1], paths["alone"][-1], atol=1e-12)
    np.testing.assert_allclose(paths["pre, mask"][-1], paths["alone"][-1], atol=1e-12)
    assert np.abs(paths["post, no mask"][-1] - paths["alone"][-1]).max() > 1e-3
    assert np.abs(paths["pre, no mask"][-1] - paths["alone"][-1]).max() > 1e-3
    assert np.all(paths["pre, mask"][:3] == 0)  # nothing real seen yet: the zero state
    figure = padding.plot_state_paths(paths, unit=1, title="t", layer_name="LSTM(3)")
    assert len(figure.axes) == 2
    assert figure.axes[0].get_ylabel() == "LSTM(3) output $h_t$, unit 1"
    assert figure.axes[0].get_legend() is None and len(figure.legends) == 1  # one, shared
    assert [t.get_text() for t in figure.legends[0].get_texts()] == [
        "padded, no mask", "padded, with mask", "sequence alone"]
    with pytest.raises(ValueError, match="shorter than the sequence"):
        padding.state_paths(layer, sequence, 3)
    with pytest.raises(ValueError, match="return_sequences=True"):
        padding.state_paths(make_layer("GRU", 3, 2, rng=rng), sequence, 5)


def test_buckets_hold_every_sequence_once_and_need_no_padding(rng):
    sequences = [rng.normal(size=(n, 2)) for n in (4, 2, 4, 7, 2)]
    buckets = padding.bucket_by_length(sequences)
    assert [batch.shape for _, batch in buckets] == [(2, 2, 2), (2, 4, 2), (1, 7, 2)]
    assert sorted(i for indices, _ in buckets for i in indices) == list(range(5))
    for indices, batch in buckets:
        for row, index in zip(batch, indices, strict=True):
            np.testing.assert_array_equal(row, sequences[index])
    with pytest.raises(ValueError, match="non-empty list of 2-D arrays"):
        padding.bucket_by_length([])
    with pytest.raises(ValueError, match="non-empty list of 2-D arrays"):
        padding.bucket_by_length([np.zeros(3)])
