"""A word-level language model on Keras' Reuters newswires: data, model, perplexity, training.

The wires come from ``keras.datasets.reuters.load_data``, whose code (Keras 3.15.1,
``keras/src/datasets/reuters.py``) prepends ``start_char=1`` to every wire, shifts every
word's frequency rank by ``index_from=3`` and replaces every index ``>= num_words`` by
``oov_char=2``. So a token is 1 (start of a wire), 2 (a word outside the vocabulary) or
``rank + 3`` for the word of that rank in ``reuters.get_word_index()`` (``"the"``, rank 1,
is token 4); 0 (padding) and 3 never occur in the wires. With ``num_words=VOCABULARY`` the
model predicts one of ``VOCABULARY`` tokens, the ``VOCABULARY - 4`` commonest words among
them.

A language-model batch: the wires of a split are joined into one token stream, cut into
non-overlapping windows of ``timesteps + 1`` tokens; the input is a window's first
``timesteps`` tokens and the target the same tokens shifted by one, ``(samples, timesteps)``
each. The model is ``Embedding -> SimpleRNN | LSTM | GRU (return_sequences=True) ->
Dense(softmax)``, trained with sparse categorical cross-entropy, whose exponential is the
perplexity.
"""

import math
import time

import numpy as np

from rnnbook import params

#: ``num_words`` of ``reuters.load_data``: the tokens the model reads and predicts.
VOCABULARY = 2000
#: What ``load_data`` reserves below ``index_from`` (Keras' own comment says 0, 1, 2).
PAD, START, OOV, INDEX_FROM = 0, 1, 2, 3
SPECIAL_TOKENS = {PAD: "<pad>", START: "<start>", OOV: "<oov>", INDEX_FROM: "<unused>"}
#: Steps of one training window.
TIMESTEPS = 32
#: Width of the word vectors.
EMBEDDING_DIM = 64
#: The LSTM's units; the other cells get the units that match its parameter count.
LSTM_UNITS = 64
BATCH_SIZE = 64
LEARNING_RATE = 1e-2
#: The last training wires of Keras' split, held out for validation (choosing the epoch).
VALIDATION_WIRES = 1000
KINDS = ("SimpleRNN", "LSTM", "GRU")


# ---- data --------------------------------------------------------------------------------

def load_wires(num_words=VOCABULARY):
    """Keras' Reuters wires with ``num_words``: ``(train_wires, test_wires)``, lists of token
    lists (Keras' default split: 8982 and 2246 wires)."""
    from keras.datasets import reuters

    (x_train, _), (x_test, _) = reuters.load_data(num_words=num_words)
    return [list(w) for w in x_train], [list(w) for w in x_test]


def vocabulary_words(word_index, num_words=VOCABULARY):
    """The word of every token ``0 .. num_words - 1``: a list, ``words[token]``.

    ``word_index`` is ``reuters.get_word_index()`` (word -> frequency rank, from 1).
    """
    if num_words <= INDEX_FROM:
        raise ValueError(f"num_words must exceed {INDEX_FROM} (the reserved tokens); "
                         f"got {num_words}")
    words = [SPECIAL_TOKENS.get(i, None) for i in range(num_words)]
    for word, rank in word_index.items():
        token = rank + INDEX_FROM
        if token < num_words:
            words[token] = word
    missing = [i for i, w in enumerate(words) if w is None]
    if missing:
        raise ValueError(f"word_index has no word for tokens {missing[:5]}...")
    return words


def decode(tokens, words):
    """Tokens -> text, one space between words (Keras' wires carry no punctuation)."""
    return " ".join(words[int(t)] for t in tokens)


def encode(text, words):
    """Text -> tokens: each space-separated word's token, ``OOV`` for words not in ``words``."""
    lookup = {w: i for i, w in enumerate(words)}
    return np.array([lookup.get(w, OOV) for w in text.split()], dtype=np.int32)


def token_stream(wires):
    """All wires joined into one 1-D int32 array (each wire starts with ``START``)."""
    if len(wires) == 0:
        raise ValueError("no wires to join")
    return np.concatenate([np.asarray(w, dtype=np.int32) for w in wires])


def next_word_windows(stream, timesteps=TIMESTEPS, limit=None):
    """Cut a token stream into inputs and next-word targets.

    Window ``i`` is ``stream[i*T : i*T + T + 1]``; the input is its first ``T`` tokens and
    the target its last ``T``, so ``y[i, t] == x[i, t + 1]`` and ``y[i, T-1]`` is the token
    after the window. Returns ``x, y``, int32 ``(samples, timesteps)``; ``limit`` keeps the
    first ``limit`` windows.
    """
    stream = np.asarray(stream)
    if stream.ndim != 1:
        raise ValueError(f"expected a 1-D token stream, got shape {stream.shape}")
    samples = (len(stream) - 1) // timesteps
    if limit is not None:
        if limit > samples:
            raise ValueError(f"asked for {limit} windows of {timesteps} steps; the stream of "
                             f"{len(stream)} tokens holds {samples}")
        samples = limit
    if samples < 1:
        raise ValueError(f"a stream of {len(stream)} tokens holds no window of "
                         f"{timesteps} + 1 tokens")
    starts = np.arange(samples)[:, None] * timesteps + np.arange(timesteps)
    return stream[starts].astype(np.int32), stream[starts + 1].astype(np.int32)


def splits(train_wires, test_wires, *, timesteps=TIMESTEPS, validation_wires=VALIDATION_WIRES,
           validation_windows=None, test_windows=None):
    """Training, validation and test windows: a dict of ``(x, y)`` pairs.

    The validation windows come from the last ``validation_wires`` wires of Keras' training
    split, the training windows from the wires before them (in Keras' order: the first
    ``n`` windows are the first wires), the test windows from Keras' test split. Each held-out
    set can be cut to its first windows.
    """
    if not 0 < validation_wires < len(train_wires):
        raise ValueError(f"validation_wires must be between 1 and {len(train_wires) - 1}; "
                         f"got {validation_wires}")
    fit_wires, held_out = train_wires[:-validation_wires], train_wires[-validation_wires:]
    return {"train": next_word_windows(token_stream(fit_wires), timesteps),
            "validation": next_word_windows(token_stream(held_out), timesteps,
                                            validation_windows),
            "test": next_word_windows(token_stream(test_wires), timesteps, test_windows)}


def oov_fraction(tokens):
    """Fraction of tokens that are ``OOV`` (words cut by the vocabulary)."""
    tokens = np.asarray(tokens)
    return float(np.mean(tokens == OOV))


# ---- perplexity ----------------------------------------------------------------------------

def cross_entropy(probabilities, targets):
    """Mean of ``-log p(target)`` in nats: ``probabilities`` ``(samples, timesteps, vocabulary)``
    (each row sums to 1), ``targets`` int ``(samples, timesteps)``. Computed in float64."""
    probabilities = np.asarray(probabilities)
    targets = np.asarray(targets)
    if probabilities.shape[:-1] != targets.shape:
        raise ValueError(f"probabilities (samples, timesteps, vocabulary) = "
                         f"{probabilities.shape} do not fit targets (samples, timesteps) = "
                         f"{targets.shape}")
    chosen = np.take_along_axis(probabilities, targets[..., None], axis=-1)[..., 0]
    return float(-np.mean(np.log(chosen.astype(np.float64))))


def perplexity(probabilities, targets):
    """``exp`` of :func:`cross_entropy`: the model is as unsure as a uniform choice among
    this many words."""
    return math.exp(cross_entropy(probabilities, targets))


def unigram_perplexity(train_tokens, eval_tokens, vocabulary=VOCABULARY):
    """Perplexity on ``eval_tokens`` of word frequencies counted on ``train_tokens`` (add-one
    smoothed over ``vocabulary`` tokens): the baseline a model that ignores context reaches."""
    counts = np.bincount(np.ravel(train_tokens), minlength=vocabulary).astype(np.float64) + 1
    probabilities = counts / counts.sum()
    return math.exp(-np.mean(np.log(probabilities[np.ravel(eval_tokens)])))


# ---- the model -------------------------------------------------------------------------------

def model_params(kind, units, vocabulary=VOCABULARY, embedding_dim=EMBEDDING_DIM):
    """Trainable parameters of :func:`build_model`: embedding + recurrent layer + softmax."""
    return (params.embedding_params(vocabulary, embedding_dim)
            + params.count_params(kind, units, embedding_dim)
            + params.dense_params(vocabulary, units))


def matched_units(kind, target, vocabulary=VOCABULARY, embedding_dim=EMBEDDING_DIM):
    """The units whose model has the parameter count closest to ``target`` (ties: fewer)."""
    if target < model_params(kind, 1, vocabulary, embedding_dim):
        raise ValueError(f"no {kind} model has as few as {target} parameters")
    units = 1
    while model_params(kind, units + 1, vocabulary, embedding_dim) <= target:
        units += 1
    below = model_params(kind, units, vocabulary, embedding_dim)
    above = model_params(kind, units + 1, vocabulary, embedding_dim)
    return units if target - below <= above - target else units + 1


def matched_sizes(lstm_units=LSTM_UNITS, vocabulary=VOCABULARY, embedding_dim=EMBEDDING_DIM):
    """Units of each kind, matched to the LSTM's whole-model parameter count: kind -> units."""
    target = model_params("LSTM", lstm_units, vocabulary, embedding_dim)
    return {kind: lstm_units if kind == "LSTM" else
            matched_units(kind, target, vocabulary, embedding_dim) for kind in KINDS}


def build_model(kind, units, *, vocabulary=VOCABULARY, embedding_dim=EMBEDDING_DIM,
                learning_rate=LEARNING_RATE):
    """``Embedding(vocabulary, embedding_dim) -> kind(units, return_sequences=True) ->
    Dense(vocabulary, softmax)`` on int tokens ``(samples, timesteps)`` (any length),
    compiled with Adam and sparse categorical cross-entropy. Keras' defaults otherwise
    (the GRU is ``reset_after=True``)."""
    import keras
    from keras import layers

    cells = {"SimpleRNN": layers.SimpleRNN, "LSTM": layers.LSTM, "GRU": layers.GRU}
    if kind not in cells:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    model = keras.Sequential([
        keras.Input((None,), dtype="int32"),
        layers.Embedding(vocabulary, embedding_dim, name="embedding"),
        cells[kind](units, return_sequences=True, name="recurrent"),
        layers.Dense(vocabulary, activation="softmax", name="softmax"),
    ], name=f"language_model_{kind.lower()}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy")
    return model


def next_word_probabilities(model, tokens):
    """The model's next-word probabilities, ``(samples, timesteps, vocabulary)``, in NumPy:
    the embedding lookup, the recurrent layer through :func:`rnnbook.reference.forward`,
    then the softmax layer. ``tokens`` int ``(samples, timesteps)``."""
    from rnnbook import reference

    tokens = np.asarray(tokens)
    if tokens.ndim != 2:
        raise ValueError(f"tokens must be (samples, timesteps); got shape {tokens.shape}")
    embeddings = np.asarray(model.get_layer("embedding").embeddings)
    states = reference.forward(model.get_layer("recurrent"), embeddings[tokens])
    kernel, bias = (np.asarray(w) for w in model.get_layer("softmax").get_weights())
    logits = states @ kernel + bias
    logits -= logits.max(axis=-1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=-1, keepdims=True)


# ---- training --------------------------------------------------------------------------------

#: Windows per batch when only measuring the loss (no gradients: larger batches fit).
EVALUATION_BATCH = 256


def _mean_loss(losses, samples, batch_size):
    """The mean over samples of per-batch mean losses (the last batch may be smaller)."""
    sizes = [min(batch_size, samples - i) for i in range(0, samples, batch_size)]
    return float(np.dot([float(np.asarray(v)) for v in losses], sizes) / samples)


def evaluate(model, x, y, batch_size=EVALUATION_BATCH):
    """Mean cross-entropy (nats per word) of ``model`` on windows ``x`` with targets ``y``:
    what ``model.evaluate`` returns, batch by batch through ``test_on_batch`` (the same
    compiled step, without building a new input pipeline on every call)."""
    losses = [model.test_on_batch(x[i:i + batch_size], y[i:i + batch_size])
              for i in range(0, len(x), batch_size)]
    return _mean_loss(losses, len(x), batch_size)

def epoch_order(samples, seed, epoch):
    """The order of the training windows in one epoch: the same for every cell of a seed, so
    paired runs see the same batches, and independent of what else is trained."""
    return np.random.default_rng([seed, epoch]).permutation(samples)


def train_interleaved(kinds_units, train, validation, *, epochs, seed, patience=None,
                      batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE,
                      vocabulary=VOCABULARY, embedding_dim=EMBEDDING_DIM, progress=None):
    """Train one model per kind on the same data, one epoch each in turn.

    An epoch is one ``train_on_batch`` call per batch of ``batch_size`` windows (what
    ``fit`` does, without its per-call set-up, so the seconds measure the training steps).
    Each model is built after ``keras.utils.set_random_seed(seed)``, so its initial weights
    do not depend on its companions; every epoch all models see the windows in the same
    order (:func:`epoch_order`), and the order of the models rotates from epoch to epoch so
    that none is always timed first. ``train`` and ``validation`` are ``(x, y)`` pairs. A
    model stops once its validation loss has not improved for ``patience`` epochs (never, if
    ``None``); the others go on.

    Returns ``{kind: record}``; a record holds ``units``, ``params``, per epoch
    ``epoch_seconds`` (the training steps alone), ``train_loss``, ``validation_loss`` and
    ``position`` (its place in that epoch's order), ``best_epoch`` (1-based, lowest
    validation loss), ``stopped_early`` and ``best_weights`` (the weights at that epoch, a
    list of arrays); the models, returned beside the records, hold their best weights.
    ``progress(kind, epoch, record)`` is called after each epoch.
    """
    import keras

    x, y = train
    models, records = {}, {}
    for kind, units in kinds_units.items():
        keras.utils.set_random_seed(seed)
        models[kind] = build_model(kind, units, vocabulary=vocabulary,
                                   embedding_dim=embedding_dim, learning_rate=learning_rate)
        records[kind] = {"units": units, "params": models[kind].count_params(),
                         "epoch_seconds": [], "train_loss": [], "validation_loss": [],
                         "position": [], "best_epoch": None, "stopped_early": False,
                         "best_weights": None}
    kinds = list(models)
    for epoch in range(epochs):
        order = epoch_order(len(x), seed, epoch)
        x_epoch, y_epoch = x[order], y[order]
        turn = epoch % len(kinds)
        active = [k for k in kinds[turn:] + kinds[:turn] if not records[k]["stopped_early"]]
        if not active:
            break
        for position, kind in enumerate(active):
            model, record = models[kind], records[kind]
            start = time.perf_counter()
            losses = [model.train_on_batch(x_epoch[i:i + batch_size],
                                           y_epoch[i:i + batch_size])
                      for i in range(0, len(x_epoch), batch_size)]
            record["epoch_seconds"].append(time.perf_counter() - start)
            record["train_loss"].append(_mean_loss(losses, len(x_epoch), batch_size))
            loss = evaluate(model, *validation)
            record["validation_loss"].append(loss)
            record["position"].append(position)
            if record["best_epoch"] is None or loss < min(record["validation_loss"][:-1]):
                record["best_epoch"] = epoch + 1
                record["best_weights"] = [np.array(w) for w in model.get_weights()]
            if patience is not None and epoch + 1 - record["best_epoch"] >= patience:
                record["stopped_early"] = epoch + 1 < epochs
            if progress is not None:
                progress(kind, epoch, record)
    for kind, model in models.items():
        model.set_weights(records[kind]["best_weights"])
    return records, models
