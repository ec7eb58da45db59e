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


def test_both_sets_are_padded_to_the_stated_width(data):
    assert data["tokens_train"].shape[1] == data["tokens_test"].shape[1] == reuters.TIMESTEPS
    with pytest.raises(ValueError, match="more than maxlen=2"):
        reuters.pad_post([[1, 2, 3]], maxlen=2)
    np.testing.assert_array_equal(reuters.pad_post([[1, 2], [3]], maxlen=4),
                                  [[1, 2, 0, 0], [3, 0, 0, 0]])


def test_load_data_reserves_padding_start_and_oov(data):
    tokens = data["tokens_train"]
    assert np.all(tokens[:, 0] == reuters.START)             # every wire starts with 1
    assert not np.any(tokens[:, 1:] == reuters.START)        # and 1 marks nothing else
    words = tokens[:, 1:]
    assert words[words > 0].min() == reuters.OOV              # 0 only pads; 2 occurs
    assert not np.any(words == reuters.INDEX_FROM)           # 3 is the unused index
    assert tokens.max() <= reuters.NUM_WORDS - 1             # ranks up to 29,996 kept


def test_padded_widths_each_set_on_its_own():
    raw = (([[1, 5, 6, 7], [1, 8]], np.array([0, 45])), ([[1, 9]], np.array([3])))
    widths = reuters.padded_widths(raw)
    assert widths == {"pad": (4, 2), "onehot": (46, 4), "sizes": (2, 1)}


def test_article_widths_and_a_smaller_split():
    widths = reuters.padded_widths(reuters.load_raw())
    assert widths == {"pad": (49, 49), "onehot": (46, 43), "sizes": (1395, 599)}
    assert reuters.padded_widths(reuters.load_raw(test_split=0.2))["sizes"] == (1595, 399)


def test_listing_facts_of_the_article_and_of_code_that_evaluates():
    facts = reuters.listing_facts()
    assert facts["unused_imports"] == ["accuracy_score"]
    assert not facts["evaluates"] and "fit" in facts["calls"]
    assert facts["slice_literals"] == [1395]
    other = reuters.listing_facts("from m import f, g\nimport numpy as np\n"
                                  "y = np.zeros(3)[:2]\nprint(f(1), model.evaluate(y))\n")
    assert other["unused_imports"] == ["g"] and other["evaluates"]
    assert other["slice_literals"] == [2]


def test_shuffle_words_keeps_each_wire_its_start_and_its_padding():
    tokens = np.array([[1, 5, 6, 7, 8, 0, 0], [1, 9, 0, 0, 0, 0, 0], [4, 5, 6, 0, 0, 0, 0]])
    shuffled = reuters.shuffle_words(tokens, seed=3)
    assert shuffled.shape == tokens.shape
    for before, after in zip(tokens, shuffled, strict=True):
        assert sorted(before) == sorted(after)
        np.testing.assert_array_equal(before == 0, after == 0)
    assert np.all(shuffled[:2, 0] == 1)
    assert not np.array_equal(shuffled[0], tokens[0])
    np.testing.assert_array_equal(shuffled, reuters.shuffle_words(tokens, seed=3))
    with pytest.raises(ValueError, match=r"\(samples, timesteps\)"):
        reuters.shuffle_words(np.zeros(4))


def test_macro_f1_by_hand_and_for_the_commonest_topic():
    labels = np.array([3, 3, 3, 1, 2])
    predicted = np.array([3, 3, 1, 1, 3])
    # topic 1: TP 1 FP 1 FN 0 -> 2/3; topic 2: TP 0 FN 1 -> 0; topic 3: TP 2 FP 1 FN 1 -> 2/3
    assert reuters.macro_f1(labels, predicted) == pytest.approx((2 / 3 + 0 + 2 / 3) / 3)
    always = np.full(5, 3)
    # only topic 3 is ever right: F1 = 2*3 / (2*3 + 2) = 0.75, topics 1 and 2 score 0
    assert reuters.macro_f1(labels, always) == pytest.approx(0.75 / 3)
    assert reuters.macro_f1(labels, labels) == 1.0
    with pytest.raises(ValueError, match="alike"):
        reuters.macro_f1(labels, labels[:3])


def test_topics_present(data):
    assert reuters.topics_present([0, 3, 3], [3, 5]) == {"train": 2, "test": 2, "both": 3}
    found = reuters.topics_present(data["labels_train"], data["labels_test"])
    assert found["both"] < reuters.CLASSES and found["train"] > found["test"]
