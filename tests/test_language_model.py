"""The language model's data windows, parameter matching, perplexity and training loop."""

import keras
import numpy as np
import pytest

from rnnbook import language_model as lm
from rnnbook.verify import compare

SMALL = {"vocabulary": 40, "embedding_dim": 6}


def test_vocabulary_words_follow_keras_index_offset():
    words = lm.vocabulary_words({"the": 1, "of": 2, "rare": 50}, num_words=6)
    assert words == ["<pad>", "<start>", "<oov>", "<unused>", "the", "of"]
    assert lm.decode([1, 4, 5, 2], words) == "<start> the of <oov>"
    assert list(lm.encode("the of rare", words)) == [4, 5, lm.OOV]
    with pytest.raises(ValueError, match="no word for tokens"):
        lm.vocabulary_words({"the": 1}, num_words=6)
    with pytest.raises(ValueError, match="must exceed 3"):
        lm.vocabulary_words({"the": 1}, num_words=3)


def test_windows_shift_by_one_and_do_not_overlap():
    stream = np.arange(23)
    x, y = lm.next_word_windows(stream, timesteps=5)
    assert x.shape == y.shape == (4, 5) and x.dtype == np.int32
    assert (y[:, :-1] == x[:, 1:]).all() and (y[:, -1] == x[:, -1] + 1).all()
    assert list(x[:, 0]) == [0, 5, 10, 15] and y[-1, -1] == 20
    assert lm.next_word_windows(stream, timesteps=5, limit=2)[0].shape == (2, 5)
    with pytest.raises(ValueError, match="holds 4"):
        lm.next_word_windows(stream, timesteps=5, limit=5)
    with pytest.raises(ValueError, match="1-D token stream"):
        lm.next_word_windows(stream.reshape(1, -1))
    with pytest.raises(ValueError, match="no window"):
        lm.next_word_windows(np.arange(3), timesteps=5)


def test_splits_hold_out_the_last_training_wires():
    train = [[1, 4, 5, 6]] * 6 + [[1, 7, 7, 7, 7]] * 3
    test = [[1, 8, 9]] * 4
    parts = lm.splits(train, test, timesteps=3, validation_wires=3, test_windows=2)
    assert parts["train"][0].shape == (7, 3) and set(np.ravel(parts["train"][0])) <= {1, 4, 5, 6}
    assert set(np.ravel(parts["validation"][1])) <= {1, 7}
    assert parts["test"][0].shape == (2, 3)
    assert lm.token_stream([[1, 2], [1]]).tolist() == [1, 2, 1]
    assert lm.oov_fraction([2, 4, 2, 5]) == 0.5
    with pytest.raises(ValueError, match="validation_wires"):
        lm.splits(train, test, validation_wires=9)
    with pytest.raises(ValueError, match="no wires"):
        lm.token_stream([])


@pytest.mark.parametrize("kind", lm.KINDS)
def test_model_params_equal_keras_count_and_matching_picks_the_closest(kind):
    model = lm.build_model(kind, 7, **SMALL)
    assert model.count_params() == lm.model_params(kind, 7, **SMALL)
    target = lm.model_params("LSTM", 9, **SMALL)
    units = lm.matched_units(kind, target, **SMALL)
    gap = abs(lm.model_params(kind, units, **SMALL) - target)
    assert gap <= abs(lm.model_params(kind, units + 1, **SMALL) - target)
    assert gap <= abs(lm.model_params(kind, units - 1, **SMALL) - target)


def test_matched_sizes_stay_within_one_percent_of_the_lstm():
    units = lm.matched_sizes()
    counts = {k: lm.model_params(k, n) for k, n in units.items()}
    assert units["LSTM"] == lm.LSTM_UNITS
    assert max(abs(c / counts["LSTM"] - 1) for c in counts.values()) < 0.01
    with pytest.raises(ValueError, match="as few as"):
        lm.matched_units("GRU", 10)
    with pytest.raises(ValueError, match="kind must be"):
        lm.build_model("Transformer", 4)


def test_cross_entropy_and_perplexity():
    uniform = np.full((2, 3, 8), 1 / 8)
    targets = np.zeros((2, 3), dtype=int)
    assert lm.perplexity(uniform, targets) == pytest.approx(8)
    sure = np.zeros((1, 2, 4))
    sure[0, :, 3] = 1
    assert lm.cross_entropy(sure, np.array([[3, 3]])) == 0
    with pytest.raises(ValueError, match="do not fit"):
        lm.cross_entropy(uniform, targets[:, :2])
    # add-one counts over 5 tokens: token 4 seen 3 times of 4, so p = (3 + 1) / (4 + 5)
    assert lm.unigram_perplexity([4, 4, 4, 1], [4], vocabulary=5) == pytest.approx(9 / 4)


@pytest.mark.parametrize("kind", lm.KINDS)
def test_numpy_probabilities_and_perplexity_match_keras(kind):
    keras.utils.set_random_seed(1)
    model = lm.build_model(kind, 5, **SMALL)
    tokens = np.random.default_rng(0).integers(0, SMALL["vocabulary"], (3, 7))
    targets = np.roll(tokens, -1, axis=1)
    ours = lm.next_word_probabilities(model, tokens)
    theirs = model.predict(tokens, verbose=0)
    assert ours.shape == (3, 7, SMALL["vocabulary"])
    assert compare(ours, theirs).ok
    loss = model.evaluate(tokens, targets, verbose=0)
    assert compare(lm.cross_entropy(ours, targets), loss).ok
    with pytest.raises(ValueError, match="samples, timesteps"):
        lm.next_word_probabilities(model, tokens[0])


def test_epoch_order_depends_on_seed_and_epoch_only():
    a = lm.epoch_order(10, seed=3, epoch=1)
    assert sorted(a) == list(range(10)) and (a == lm.epoch_order(10, 3, 1)).all()
    assert not (a == lm.epoch_order(10, 3, 2)).all()


def test_train_interleaved_records_and_restores_the_best_epoch():
    rng = np.random.default_rng(0)
    x = rng.integers(1, SMALL["vocabulary"], (64, 6)).astype(np.int32)
    y = np.roll(x, -1, axis=1)
    seen = []
    records, models = lm.train_interleaved(
        {"LSTM": 4, "GRU": 4}, (x, y), (x[:16], y[:16]), epochs=3, seed=0, patience=1,
        batch_size=32, progress=lambda kind, epoch, record: seen.append((kind, epoch)),
        **SMALL)
    for kind, record in records.items():
        done = len(record["validation_loss"])
        assert len(record["epoch_seconds"]) == len(record["train_loss"]) == done
        assert record["validation_loss"][record["best_epoch"] - 1] == min(
            record["validation_loss"])
        best = models[kind].evaluate(x[:16], y[:16], batch_size=256, verbose=0)
        assert best == pytest.approx(min(record["validation_loss"]), rel=1e-5)
        assert record["params"] == lm.model_params(kind, 4, **SMALL)
    # the order of the models rotates: GRU is first in epoch 1
    assert seen[:2] == [("LSTM", 0), ("GRU", 0)] and seen[2] == ("GRU", 1)
    assert records["LSTM"]["position"][:2] == [0, 1]


def test_evaluate_is_keras_evaluate_batch_by_batch():
    keras.utils.set_random_seed(5)
    model = lm.build_model("GRU", 3, **SMALL)
    x = np.random.default_rng(1).integers(0, SMALL["vocabulary"], (10, 4))
    y = np.roll(x, -1, axis=1)
    # 10 windows in batches of 4: the last batch holds 2 and weighs half as much
    assert lm.evaluate(model, x, y, batch_size=4) == pytest.approx(
        model.evaluate(x, y, verbose=0), rel=1e-5)
