"""Seed 000's Reuters preprocessing and models, and the better models, against Keras."""

import numpy as np
import pytest

import rnnbook  # noqa: F401  (before keras: keeps TensorFlow quiet)
from rnnbook import params, reuters


@pytest.fixture(scope="module")
def data():
    return reuters.article_data()


def test_article_shapes_49_timesteps_and_46_classes(data):
    assert data["x_train"].shape == (1395, 49, 1) and data["x_test"].shape == (599, 49, 1)
    assert data["y_train"].shape == (1395, 46) and data["y_test"].shape == (599, 46)
    assert data["x_train"].dtype == np.float32
    np.testing.assert_array_equal(data["y_train"].argmax(1), data["labels_train"])
    np.testing.assert_array_equal(data["y_test"].argmax(1), data["labels_test"])
    np.testing.assert_array_equal(data["x_train"][..., 0], data["tokens_train"])


def test_padding_is_post_the_word_index_is_the_input(data):
    tokens = data["tokens_train"]
    lengths = (tokens > 0).sum(1)
    # post-padding: every wire's words come first, the zeros after them
    for row, n in zip(tokens[:50], lengths[:50], strict=True):
        assert np.all(row[:n] > 0) and np.all(row[n:] == 0)
    assert tokens.max() < reuters.NUM_WORDS and lengths.max() == 49


def test_pad_post_toy_and_error():
    np.testing.assert_array_equal(reuters.pad_post([[1, 2, 3], [4]]), [[1, 2, 3], [4, 0, 0]])
    with pytest.raises(ValueError, match="no sequences"):
        reuters.pad_post([])


def test_concatenate_then_split_keeps_columns_when_a_set_lacks_the_last_topic():
    train, test = reuters.article_labels([0, 3, 1], [45, 2])
    assert train.shape == (3, 46) and test.shape == (2, 46)
    assert test[0, 45] == 1 and train.sum() == 3
    with pytest.raises(ValueError, match="does not fit"):
        reuters.article_labels([0, 46], [1])


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM"])
def test_article_model_parameters_match_rnnbook_params(kind):
    model = reuters.article_model(kind)
    expected = params.count_params(kind, 50, 1) + params.dense_params(46, 50)
    assert model.count_params() == expected
    assert model.output_shape == (None, 46)
    assert model.optimizer.learning_rate.numpy() == pytest.approx(0.001)


def test_article_model_rejects_other_cells():
    with pytest.raises(ValueError, match="SimpleRNN' or 'LSTM"):
        reuters.article_model("GRU")


@pytest.mark.parametrize("kind,recurrent", [
    ("Embedding+LSTM", params.count_params("LSTM", 50, 32) + params.dense_params(46, 50)),
    ("Embedding+GRU", params.count_params("GRU", 50, 32) + params.dense_params(46, 50)),
    ("Embedding+BiLSTM", params.count_params("LSTM", 50, 32, bidirectional=True)
     + params.dense_params(46, 100)),
])
def test_better_model_parameters_match_rnnbook_params(kind, recurrent):
    model = reuters.better_model(kind)
    assert model.count_params() == params.embedding_params(30000, 32) + recurrent


def test_bag_of_words_parameters():
    model = reuters.better_model("Bag of words+Dense")
    assert model.count_params() == params.dense_params(64, 30000) + params.dense_params(46, 64)


def test_mask_zero_makes_padding_invisible():
    padded = reuters.better_model("Embedding+GRU", timesteps=6)
    short = reuters.better_model("Embedding+GRU", timesteps=3)
    short.set_weights(padded.get_weights())
    words = np.array([[5, 17, 2]])
    with_zeros = np.array([[5, 17, 2, 0, 0, 0]])
    np.testing.assert_allclose(padded.predict(with_zeros, verbose=0),
                               short.predict(words, verbose=0), atol=1e-6)


def test_better_model_rejects_unknown_kind():
    with pytest.raises(ValueError, match="unknown kind"):
        reuters.better_model("Transformer")


def test_majority_accuracy():
    assert reuters.majority_accuracy([3, 3, 1], [3, 1, 3, 0]) == 0.5
