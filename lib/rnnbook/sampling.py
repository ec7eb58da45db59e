"""Generating text from a word-level language model: temperature and a seeded sampler.

The model runs in NumPy in **float64** (:class:`NextWordModel`: the embedding rows, the
recurrent layer through :func:`rnnbook.reference.trace_weights`, the softmax layer), and the
sampler draws by inverse CDF from a seeded NumPy generator. A sampled word changes only if
a rounding difference moves a cumulative probability across the uniform number drawn; in
float64 such differences are about 1e-15, and :func:`sample_index` reports how far each draw
was from the nearest boundary, so a page can check that its stored lines are safe.
"""

from html import escape

import numpy as np

from rnnbook import reference
from rnnbook.language_model import START, decode, encode


def softmax(logits, axis=-1):
    """``exp(a_i) / sum_j exp(a_j)`` along ``axis``, shifted by the maximum first (the shift
    cancels and keeps ``exp`` from overflowing)."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def with_temperature(probabilities, temperature):
    """Probabilities at temperature ``T``: ``p_i^(1/T) / sum_j p_j^(1/T)``, which is
    ``softmax(log p / T)``, i.e. the logits divided by ``T`` before the softmax. ``T = 1``
    gives ``p`` back; ``T -> 0`` puts all mass on the likeliest word."""
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0; got {temperature!r}")
    with np.errstate(divide="ignore"):
        return softmax(np.log(np.asarray(probabilities, dtype=np.float64)) / temperature)


def sample_index(probabilities, u):
    """The index whose interval of the cumulative distribution holds ``u`` (in [0, 1)), and
    the distance from ``u`` to the nearest edge of any interval (the *margin*: a rounding
    change smaller than it cannot change the index)."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 1 or probabilities.size == 0:
        raise ValueError(f"expected a 1-D array of probabilities (vocabulary,); got shape "
                         f"{probabilities.shape}")
    if not 0 <= u < 1:
        raise ValueError(f"u must be in [0, 1); got {u!r}")
    edges = np.cumsum(probabilities)
    edges /= edges[-1]
    index = min(int(np.searchsorted(edges, u, side="right")), len(edges) - 1)
    inner = edges[:-1]
    margin = float(np.min(np.abs(inner - u))) if inner.size else 1.0
    return index, margin


class NextWordModel:
    """A stored language model in NumPy, float64: next-word logits from tokens.

    Parameters
    ----------
    kind : ``"SimpleRNN"``, ``"LSTM"`` or ``"GRU"`` (Keras' defaults: tanh, sigmoid gates,
        ``reset_after=True``).
    weights : ``model.get_weights()`` of :func:`rnnbook.language_model.build_model`:
        ``embeddings (vocabulary, d)``, ``kernel (d, k*n)``, ``recurrent_kernel (n, k*n)``,
        ``bias``, the softmax layer's ``kernel (n, vocabulary)`` and ``bias (vocabulary,)``.
    """

    def __init__(self, kind, weights):
        if len(weights) != 6:
            raise ValueError(f"expected the 6 weight arrays of Embedding, {kind} and Dense; "
                             f"got {len(weights)}")
        arrays = [np.asarray(w, dtype=np.float64) for w in weights]
        (self.embeddings, self.kernel, self.recurrent_kernel, self.bias,
         self.output_kernel, self.output_bias) = arrays
        self.kind = kind
        self.units = self.recurrent_kernel.shape[0]
        self.vocabulary = self.embeddings.shape[0]

    def read(self, tokens, state=None):
        """Run the model over ``tokens`` (samples, timesteps) from ``state`` (zeros if None).

        Returns the logits ``(samples, timesteps, vocabulary)`` and the state after the last
        step (``[h]``, or ``[h, c]`` for an LSTM)."""
        tokens = np.asarray(tokens)
        if tokens.ndim != 2:
            raise ValueError(f"tokens must be (samples, timesteps); got shape {tokens.shape}")
        if tokens.min() < 0 or tokens.max() >= self.vocabulary:
            raise ValueError(f"tokens must lie in [0, {self.vocabulary}); got "
                             f"[{tokens.min()}, {tokens.max()}]")
        traced = reference.trace_weights(self.kind, self.kernel, self.recurrent_kernel,
                                         self.bias, self.embeddings[tokens],
                                         initial_state=state)
        h = traced["h"]
        last = [h[:, -1]] + ([traced["c"][:, -1]] if self.kind == "LSTM" else [])
        return h @ self.output_kernel + self.output_bias, last

    def probabilities(self, tokens):
        """Next-word probabilities after every position, ``(samples, timesteps, vocabulary)``."""
        return softmax(self.read(tokens)[0])


def generate(model, prompt, n_words, temperature, seed=0):
    """Continue ``prompt`` (tokens, without the start token, which is prepended) by
    ``n_words`` sampled words.

    Returns ``{"tokens": [...], "margin": m, "log_probability": [...]}``: the sampled
    tokens, the smallest margin of any draw (:func:`sample_index`) and each sampled word's
    log-probability at temperature 1 (how likely the model finds it).
    """
    rng = np.random.default_rng(seed)
    logits, state = model.read(np.concatenate([[START], prompt])[None, :].astype(np.int64))
    logits = logits[0, -1]
    tokens, margins, log_probability = [], [], []
    for _ in range(n_words):
        probabilities = softmax(logits)
        index, margin = sample_index(with_temperature(probabilities, temperature),
                                     rng.random())
        tokens.append(index)
        margins.append(margin)
        log_probability.append(float(np.log(probabilities[index])))
        step_logits, state = model.read(np.array([[index]]), state)
        logits = step_logits[0, -1]
    return {"tokens": tokens, "margin": min(margins), "log_probability": log_probability}


def continue_text(model, words, prompt, n_words=12, temperature=1.0, seed=0):
    """:func:`generate` from text to text: the prompt's words and the sampled ones."""
    result = generate(model, encode(prompt, words), n_words, temperature, seed)
    return dict(result, text=decode(result["tokens"], words))


def temperature_statistics(probabilities, temperatures):
    """What a temperature does to next-word distributions, exactly (no sampling noise).

    ``probabilities`` ``(..., vocabulary)`` are a model's next-word distributions (each row
    sums to 1). For each temperature ``T``: the expected log-probability, under the model at
    temperature 1, of a word drawn at ``T`` (how likely the model finds what the sampler
    picks), and the effective number of choices, ``exp`` of the tempered distribution's mean
    entropy (its own perplexity). Returns ``{T: (expected_log_probability, choices)}``.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    with np.errstate(divide="ignore"):
        log_p = np.where(p > 0, np.log(p), 0.0)
    table = {}
    for temperature in temperatures:
        tempered = with_temperature(p, temperature)
        with np.errstate(divide="ignore", invalid="ignore"):
            own = np.where(tempered > 0, tempered * np.log(tempered), 0.0)
        expected = float(np.mean(np.sum(tempered * log_p, axis=-1)))
        table[temperature] = (expected, float(np.exp(np.mean(-np.sum(own, axis=-1)))))
    return table


def continuation_view(model, words, prompt, temperature, n_words=12, seed=0):
    """The explorer's view: the prompt in bold, the sampled continuation, and how likely the
    model finds the sampled words (their mean log-probability at temperature 1)."""
    result = continue_text(model, words, prompt, n_words, temperature, seed)
    mean = float(np.mean(result["log_probability"]))
    return (f'<p style="font-family:monospace"><strong>{escape(prompt)}</strong> '
            f"{escape(result['text'])}</p>"
            f"<p><small>temperature {temperature:g}: {len(set(result['tokens']))} distinct "
            f"words of {n_words}; mean log-probability of the sampled words at temperature 1: "
            f"{mean:.2f}</small></p>")
