"""Seed 000's Reuters experiment in Keras 3, and better models on the same data and split.

Seed 000 ("Understanding Recurrent Neural Networks: From Vanilla RNN to LSTM with Keras")
loads ``reuters.load_data(num_words=30000, maxlen=50, test_split=0.3)``, pads after the
words, feeds each word *index* as one real number per time step, ``(samples, 49, 1)``,
and trains ``SimpleRNN(50)`` or ``LSTM(50)`` + ``Dense(46)`` + softmax with Adam at 0.001,
batch 50, 200 epochs. Keras 3 requires or recommends three translations:

- ``keras.wrappers.scikit_learn.KerasClassifier(build_fn=..., epochs=200, batch_size=50)``
  is gone; ``model.fit(x, y, epochs=200, batch_size=50)`` does the same training.
- ``optimizers.Adam(lr=0.001)`` is now ``optimizers.Adam(learning_rate=0.001)``.
- ``input_shape=(49, 1)`` on the first layer only warns; a ``keras.Input((49, 1))`` is
  the recommended form.

Two further differences are this library's own: both sets are padded to one stated width
(:data:`TIMESTEPS`), where the article pads each set to its own longest wire, and the
labels are one-hot encoded over all :data:`CLASSES` topics and split at the size of the
training set, where the article lets ``to_categorical`` count the columns and splits at a
typed 1395. :data:`ARTICLE_LISTING` holds the article's code as printed, for the checks of
:func:`listing_facts`.
"""

import ast

import numpy as np

#: The article's data settings.
NUM_WORDS, MAXLEN, TEST_SPLIT = 30000, 50, 0.3
#: ``load_data`` keeps wires of fewer than ``MAXLEN`` tokens, the start marker included.
TIMESTEPS = MAXLEN - 1
#: Topics in the Reuters newswire data.
CLASSES = 46
#: ``load_data``'s reserved indices (its defaults): a word of frequency rank r is r + 3.
PADDING, START, OOV, INDEX_FROM = 0, 1, 2, 3
#: The article's training settings.
UNITS, LEARNING_RATE, BATCH_SIZE, EPOCHS = 50, 0.001, 50, 200
#: Better models: word vectors of this width.
EMBEDDING_DIM = 32

#: Seed 000's code as the article prints it (data, one model, its training), quoted.
ARTICLE_LISTING = """\
import numpy as np
from sklearn.metrics import accuracy_score
from tensorflow.keras.datasets import reuters
from tensorflow.keras.preprocessing.sequence import pad_sequences
from tensorflow.keras.utils import to_categorical

# parameters for data load
num_words = 30000
maxlen = 50
test_split = 0.3
LOAD_LINE
# pad the sequences with zeros
# padding parameter is set to 'post' => 0's are appended to end of sequences
X_train = pad_sequences(X_train, padding='post')
X_test = pad_sequences(X_test, padding='post')

X_train = np.array(X_train).reshape((X_train.shape[0], X_train.shape[1], 1))
X_test = np.array(X_test).reshape((X_test.shape[0], X_test.shape[1], 1))

y_data = np.concatenate((y_train, y_test))
y_data = to_categorical(y_data)

y_train = y_data[:1395]
y_test = y_data[1395:]

from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense, SimpleRNN, Activation
from tensorflow.keras import optimizers
from tensorflow.keras.wrappers.scikit_learn import KerasClassifier

def vanilla_rnn():
    model = Sequential()
    model.add(SimpleRNN(50, input_shape=(49,1), return_sequences=False))
    model.add(Dense(46))
    model.add(Activation('softmax'))

    adam = optimizers.Adam(lr=0.001)
    model.compile(loss='categorical_crossentropy', optimizer=adam, metrics=['accuracy'])

    return model

model = KerasClassifier(build_fn=vanilla_rnn, epochs=200, batch_size=50, verbose=1)
model.fit(X_train, y_train)

from tensorflow.keras.layers import LSTM

def lstm():
    model = Sequential()
    model.add(LSTM(50, input_shape=(49,1), return_sequences=False))
    model.add(Dense(46))
    model.add(Activation('softmax'))

    adam = optimizers.Adam(lr=0.001)
    model.compile(loss='categorical_crossentropy', optimizer=adam, metrics=['accuracy'])

    return model

model = KerasClassifier(build_fn=lstm, epochs=200, batch_size=50, verbose=1)
model.fit(X_train, y_train)
""".replace("LOAD_LINE", "(X_train, y_train), (X_test, y_test) = reuters.load_data("
            "num_words=num_words, maxlen=maxlen, test_split=test_split)")

#: Calls that would score a model on held-out data.
EVALUATING_CALLS = ("evaluate", "predict", "predict_proba", "score", "accuracy_score")


def listing_facts(code=ARTICLE_LISTING):
    """What a piece of Python code imports and never uses, which methods it calls, and the
    integer literals it slices arrays with (read with :mod:`ast`, not run).

    Returns a dict: ``unused_imports`` (names imported and never mentioned again),
    ``calls`` (the names of every function or method called, sorted), ``evaluates``
    (whether any of :data:`EVALUATING_CALLS` is called) and ``slice_literals`` (integers
    used as slice bounds, such as the article's ``y_data[:1395]``).
    """
    tree = ast.parse(code)
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                imported[alias.asname or alias.name.split(".")[0]] = node.lineno
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    calls = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            calls.add(function.attr if isinstance(function, ast.Attribute) else
                      getattr(function, "id", ""))
    literals = sorted({bound.value for node in ast.walk(tree) if isinstance(node, ast.Slice)
                       for bound in (node.lower, node.upper)
                       if isinstance(bound, ast.Constant) and isinstance(bound.value, int)})
    return {"unused_imports": sorted(name for name in imported if name not in used),
            "calls": sorted(calls - {""}),
            "evaluates": any(name in calls for name in EVALUATING_CALLS),
            "slice_literals": literals}


def load_raw(**overrides):
    """``keras.datasets.reuters.load_data`` with the article's settings (or ``overrides``).

    Returns ``(x_train, y_train), (x_test, y_test)``: lists of token lists and integer
    topics, 1395 training and 599 test wires with the article's settings. Token 0 is never
    produced (it is left for padding), 1 starts every wire, 2 replaces a word outside the
    ``num_words`` cut, and a word of frequency rank r is ``r + 3``.
    """
    from keras.datasets import reuters

    settings = {"num_words": NUM_WORDS, "maxlen": MAXLEN, "test_split": TEST_SPLIT,
                **overrides}
    return reuters.load_data(**settings)


def pad_post(sequences, maxlen=None):
    """Pad with zeros *after* the words (``padding='post'``), as the article does.

    Returns an int array ``(samples, timesteps)``: ``timesteps`` is ``maxlen`` if given,
    else the longest sequence of *these* sequences, which is why two sets padded one by one
    can come out with different widths (:func:`padded_widths`). A sequence longer than
    ``maxlen`` raises rather than being cut.
    """
    from keras.utils import pad_sequences

    if len(sequences) == 0:
        raise ValueError("no sequences to pad")
    longest = max(len(s) for s in sequences)
    if maxlen is not None and longest > maxlen:
        raise ValueError(f"a sequence has {longest} tokens, more than maxlen={maxlen}")
    return pad_sequences(sequences, maxlen=maxlen, padding="post")


def padded_widths(raw):
    """The article's two hazards, measured: widths when each set is processed on its own.

    ``raw`` is :func:`load_raw`'s output. Returns a dict with ``pad`` (the widths of the
    training and test sets, each padded to its own longest wire, as the article does) and
    ``onehot`` (the widths ``to_categorical`` gives each label set on its own: its largest
    label plus one), and ``sizes`` (training and test wires).
    """
    from keras.utils import to_categorical

    (x_train, y_train), (x_test, y_test) = raw
    return {"pad": (int(pad_post(x_train).shape[1]), int(pad_post(x_test).shape[1])),
            "onehot": (int(to_categorical(y_train).shape[1]),
                       int(to_categorical(y_test).shape[1])),
            "sizes": (len(x_train), len(x_test))}


def article_labels(y_train, y_test, classes=CLASSES):
    """One-hot labels over ``classes`` topics, split at the size of the training set.

    The article concatenates both label sets, lets ``to_categorical`` count the columns
    (the largest label plus one: 46 here, because topic 45 is among the training wires) and
    splits at a typed 1395; here the width is stated and the split follows the data.
    Returns ``(y_train, y_test)`` of shape ``(samples, classes)``.
    """
    from keras.utils import to_categorical

    joined = np.concatenate([np.asarray(y_train), np.asarray(y_test)])
    if joined.max() >= classes:
        raise ValueError(f"label {joined.max()} does not fit in {classes} classes")
    onehot = to_categorical(joined, num_classes=classes)
    return onehot[: len(y_train)], onehot[len(y_train):]


def article_data(raw=None, timesteps=TIMESTEPS):
    """The article's arrays: ``x`` as ``(samples, 49, 1)`` floats, ``y`` one-hot ``(samples, 46)``.

    ``raw`` is the output of :func:`load_raw` (loaded when omitted). Both sets are padded
    to ``timesteps`` (49: ``maxlen=50`` keeps wires of at most 49 tokens), so their widths
    cannot differ. Returns a dict with ``x_train, y_train, x_test, y_test`` (the article's
    inputs), ``tokens_train, tokens_test`` (the padded integer sequences
    ``(samples, timesteps)`` the better models use) and ``labels_train, labels_test``
    (integer topics).
    """
    (x_train, y_train), (x_test, y_test) = raw if raw is not None else load_raw()
    tokens_train, tokens_test = pad_post(x_train, timesteps), pad_post(x_test, timesteps)
    onehot_train, onehot_test = article_labels(y_train, y_test)
    return {
        "x_train": tokens_train.reshape(tokens_train.shape + (1,)).astype("float32"),
        "x_test": tokens_test.reshape(tokens_test.shape + (1,)).astype("float32"),
        "y_train": onehot_train, "y_test": onehot_test,
        "tokens_train": tokens_train, "tokens_test": tokens_test,
        "labels_train": np.asarray(y_train), "labels_test": np.asarray(y_test),
    }


def shuffle_words(tokens, seed=0):
    """Each row's words in a random order, the start marker first and the padding last:
    ``(samples, timesteps)`` in, the same shape out.

    The control for word order: a model that scores the same on shuffled wires uses which
    words occur, not their order. Every row gets its own permutation from ``seed``.
    """
    tokens = np.asarray(tokens)
    if tokens.ndim != 2:
        raise ValueError(f"tokens must be (samples, timesteps); got shape {tokens.shape}")
    rng = np.random.default_rng(seed)
    shuffled = np.zeros_like(tokens)
    for row, sequence in enumerate(tokens):
        words = sequence[sequence > 0]
        first = 1 if len(words) and words[0] == START else 0   # the start marker stays first
        shuffled[row, :first] = words[:first]
        shuffled[row, first:len(words)] = rng.permutation(words[first:])
    return shuffled


def article_model(kind, timesteps=49, *, units=UNITS, learning_rate=LEARNING_RATE):
    """Seed 000's model: ``SimpleRNN(50)`` or ``LSTM(50)`` on ``(timesteps, 1)``, then
    ``Dense(46)`` and a softmax, compiled with Adam and categorical cross-entropy."""
    import keras
    from keras import layers

    recurrent = {"SimpleRNN": layers.SimpleRNN, "LSTM": layers.LSTM}
    if kind not in recurrent:
        raise ValueError(f"the article builds 'SimpleRNN' or 'LSTM'; got {kind!r}")
    model = keras.Sequential([
        keras.Input((timesteps, 1)),
        recurrent[kind](units, return_sequences=False),
        layers.Dense(CLASSES),
        layers.Activation("softmax"),
    ], name=f"article_{kind.lower()}")
    model.compile(loss="categorical_crossentropy",
                  optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  metrics=["accuracy"])
    return model


#: The better models, by name.
BETTER_KINDS = ("Embedding+LSTM", "Embedding+GRU", "Embedding+BiLSTM", "Bag of words+Dense")


def better_model(kind, timesteps=49, *, units=UNITS, embedding_dim=EMBEDDING_DIM,
                 vocabulary=NUM_WORDS, learning_rate=LEARNING_RATE):
    """A model that reads word *identities*: integer tokens ``(samples, timesteps)`` in,
    topic probabilities ``(samples, 46)`` out, compiled with Adam and sparse categorical
    cross-entropy (integer labels).

    ``kind`` is one of :data:`BETTER_KINDS`. The recurrent ones look each index up in a
    learned ``Embedding(vocabulary, embedding_dim, mask_zero=True)``; the mask makes the
    recurrent layer skip the padding zeros. ``"Bag of words+Dense"`` has no recurrence:
    a multi-hot vector of the words present, ``Dense(64, relu)``, ``Dropout(0.5)``.
    """
    import keras
    from keras import layers

    if kind not in BETTER_KINDS:
        raise ValueError(f"unknown kind {kind!r}: expected one of {BETTER_KINDS}")
    inputs = keras.Input((timesteps,), dtype="int32")
    if kind == "Bag of words+Dense":
        hidden = layers.CategoryEncoding(num_tokens=vocabulary, output_mode="multi_hot")(inputs)
        hidden = layers.Dense(64, activation="relu")(hidden)
        hidden = layers.Dropout(0.5)(hidden)
    else:
        hidden = layers.Embedding(vocabulary, embedding_dim, mask_zero=True)(inputs)
        if kind == "Embedding+LSTM":
            hidden = layers.LSTM(units)(hidden)
        elif kind == "Embedding+GRU":
            hidden = layers.GRU(units)(hidden)
        else:
            hidden = layers.Bidirectional(layers.LSTM(units))(hidden)
    outputs = layers.Dense(CLASSES, activation="softmax")(hidden)
    name = kind.lower().replace("+", "_").replace(" ", "_")
    model = keras.Model(inputs, outputs, name=name)
    model.compile(loss="sparse_categorical_crossentropy",
                  optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  metrics=["accuracy"])
    return model


def majority_accuracy(labels_train, labels_test):
    """Test accuracy of always answering the most frequent training topic."""
    labels_train, labels_test = np.asarray(labels_train), np.asarray(labels_test)
    majority = np.bincount(labels_train).argmax()
    return float(np.mean(labels_test == majority))


def macro_f1(labels, predicted):
    """Macro-averaged F1 of single-label predictions: the mean over topics of each topic's F1.

    ``labels`` and ``predicted`` are integer topics ``(samples,)``. The mean runs over the
    topics that occur in ``labels`` or in ``predicted``; a topic that is never right scores
    0, so always answering the commonest topic scores about ``1 / topics`` however common it
    is, where its accuracy is its share.
    """
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    if labels.shape != predicted.shape or labels.ndim != 1:
        raise ValueError(f"labels and predicted must be (samples,) alike; got {labels.shape} "
                         f"and {predicted.shape}")
    scores = []
    for topic in np.union1d(labels, predicted):
        tp = np.sum((labels == topic) & (predicted == topic))
        fp = np.sum((labels != topic) & (predicted == topic))
        fn = np.sum((labels == topic) & (predicted != topic))
        scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


def topics_present(labels_train, labels_test):
    """How many distinct topics occur among the training wires, the test wires, and both."""
    train, test = np.unique(labels_train), np.unique(labels_test)
    return {"train": int(train.size), "test": int(test.size),
            "both": int(np.union1d(train, test).size)}
