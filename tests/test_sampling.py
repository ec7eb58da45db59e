"""Temperature, the seeded sampler and the float64 NumPy model behind the generated text."""

from html import escape

import keras
import numpy as np
import pytest

from rnnbook import language_model as lm
from rnnbook import sampling
from rnnbook.verify import compare

SMALL = {"vocabulary": 30, "embedding_dim": 5}
WORDS = lm.vocabulary_words({f"w{i}": i for i in range(1, 30)}, num_words=30)


def test_softmax_and_temperature():
    p = np.array([0.5, 0.3, 0.2])
    assert sampling.with_temperature(p, 1.0) == pytest.approx(p)
    assert sampling.with_temperature(p, 0.5) == pytest.approx(p**2 / np.sum(p**2))
    logits = np.log(p) + 7.0                       # any shift of the logits cancels
    assert sampling.softmax(logits / 0.5) == pytest.approx(sampling.with_temperature(p, 0.5))
    assert sampling.with_temperature(p, 1e-3)[0] == pytest.approx(1.0)
    assert np.ptp(sampling.with_temperature(p, 1e4)) < 1e-4
    assert sampling.with_temperature([0.0, 1.0], 2.0) == pytest.approx([0.0, 1.0])
    assert sampling.softmax([1000.0, 1000.0]) == pytest.approx([0.5, 0.5])
    with pytest.raises(ValueError, match="temperature must be > 0"):
        sampling.with_temperature(p, 0)


def test_sample_index_is_the_inverse_cdf_with_its_margin():
    p = [0.25, 0.5, 0.25]
    assert sampling.sample_index(p, 0.0) == (0, 0.25)
    assert sampling.sample_index(p, 0.3)[0] == 1
    index, margin = sampling.sample_index(p, 0.74)
    assert index == 1 and margin == pytest.approx(0.01)
    assert sampling.sample_index(p, 0.75)[0] == 2 and sampling.sample_index([1.0], 0.5) == (0, 1.0)
    with pytest.raises(ValueError, match="u must be"):
        sampling.sample_index(p, 1.0)
    with pytest.raises(ValueError, match="1-D array"):
        sampling.sample_index([[0.5, 0.5]], 0.1)


def test_draws_follow_the_probabilities():
    p = np.array([0.1, 0.6, 0.3])
    rng = np.random.default_rng(0)
    counts = np.bincount([sampling.sample_index(p, rng.random())[0] for _ in range(20000)],
                         minlength=3)
    # three standard errors of a binomial proportion at n = 20000 are below 0.011
    assert np.abs(counts / 20000 - p).max() < 0.011


@pytest.fixture(params=lm.KINDS)
def model(request):
    keras.utils.set_random_seed(2)
    built = lm.build_model(request.param, 6, **SMALL)
    rng = np.random.default_rng(3)
    built.set_weights([rng.normal(0, 0.5, w.shape).astype("float32")
                       for w in built.get_weights()])
    return built


def test_numpy_model_matches_keras_and_carries_its_state(model):
    kind = model.get_layer("recurrent").__class__.__name__
    numpy_model = sampling.NextWordModel(kind, model.get_weights())
    tokens = np.random.default_rng(4).integers(0, 30, (2, 9))
    assert compare(numpy_model.probabilities(tokens), model.predict(tokens, verbose=0)).ok
    # reading the sequence in two parts, the state carried over, gives the same logits
    whole, _ = numpy_model.read(tokens)
    first, state = numpy_model.read(tokens[:, :4])
    second, _ = numpy_model.read(tokens[:, 4:], state)
    assert np.allclose(np.concatenate([first, second], axis=1), whole, rtol=0, atol=1e-12)
    assert whole.dtype == np.float64
    with pytest.raises(ValueError, match="tokens must lie"):
        numpy_model.read(tokens + 30)
    with pytest.raises(ValueError, match="6 weight arrays"):
        sampling.NextWordModel(kind, model.get_weights()[:3])


def test_generation_is_seeded_and_reports_its_margin(model):
    kind = model.get_layer("recurrent").__class__.__name__
    numpy_model = sampling.NextWordModel(kind, model.get_weights())
    a = sampling.continue_text(numpy_model, WORDS, "w1 w2", n_words=8, temperature=0.8, seed=5)
    b = sampling.continue_text(numpy_model, WORDS, "w1 w2", n_words=8, temperature=0.8, seed=5)
    c = sampling.continue_text(numpy_model, WORDS, "w1 w2", n_words=8, temperature=0.8, seed=6)
    assert a == b and a["tokens"] != c["tokens"]
    assert len(a["tokens"]) == len(a["log_probability"]) == 8 and 0 < a["margin"] < 1
    assert a["text"] == " ".join(WORDS[t] for t in a["tokens"])
    # each reported log-probability is the model's, at temperature 1, after the words before
    context = np.array([[lm.START, 4, 5, *a["tokens"][:-1]]])
    last = numpy_model.probabilities(context)[0, -1, a["tokens"][-1]]
    assert a["log_probability"][-1] == pytest.approx(np.log(last), abs=1e-12)
    # near zero temperature the sampler picks the likeliest word
    greedy = sampling.generate(numpy_model, np.array([4, 5]), 1, temperature=1e-4)
    first = numpy_model.probabilities(np.array([[lm.START, 4, 5]]))[0, -1]
    assert greedy["tokens"] == [int(first.argmax())]


def test_temperature_statistics_are_exact_expectations():
    p = np.array([[0.7, 0.2, 0.1], [0.25, 0.25, 0.5]])
    table = sampling.temperature_statistics(p, [0.5, 1.0, 50.0])
    log_p, choices = table[1.0]
    entropy = -np.sum(p * np.log(p), axis=1)
    assert log_p == pytest.approx(np.mean(np.sum(p * np.log(p), axis=1)))
    assert choices == pytest.approx(np.exp(entropy.mean()))
    assert table[0.5][0] > log_p > table[50.0][0]          # colder: likelier draws
    assert table[0.5][1] < choices < table[50.0][1] < 3    # hotter: more choices, at most 3
    assert sampling.temperature_statistics([[1.0, 0.0]], [2.0])[2.0] == (0.0, 1.0)


def test_the_explorer_view(model):
    kind = model.get_layer("recurrent").__class__.__name__
    numpy_model = sampling.NextWordModel(kind, model.get_weights())
    html = sampling.continuation_view(numpy_model, WORDS, "w1 w2", 0.5, n_words=6)
    text = sampling.continue_text(numpy_model, WORDS, "w1 w2", 6, 0.5)["text"]
    assert f"<strong>w1 w2</strong> {escape(text)}</p>" in html and "temperature 0.5" in html
