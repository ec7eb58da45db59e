"""Seed 000's Reuters experiment in Keras 3, and better models on the same data and split.

Seed 000 ("Understanding Recurrent Neural Networks: From Vanilla RNN to LSTM with Keras")
loads ``reuters.load_data(num_words=30000, maxlen=50, test_split=0.3)``, pads after the
words, feeds each word *index* as one real number per time step, ``(samples, 49, 1)``,
and trains ``SimpleRNN(50)`` or ``LSTM(50)`` + ``Dense(46)`` + softmax with Adam at 0.001,
batch 50, 200 epochs. What Keras 3 removed is translated here:

- ``keras.wrappers.scikit_learn.KerasClassifier(build_fn=..., epochs=200, batch_size=50)``
  is gone; ``model.fit(x, y, epochs=200, batch_size=50)`` does the same training.
- ``optimizers.Adam(lr=0.001)`` is now ``optimizers.Adam(learning_rate=0.001)``.
- ``input_shape=(49, 1)`` on the first layer is now a ``keras.Input((49, 1))``.
"""

import numpy as np

#: The article's data settings.
NUM_WORDS, MAXLEN, TEST_SPLIT = 30000, 50, 0.3
#: Topics in the Reuters newswire data.
CLASSES = 46
#: The article's training settings.
UNITS, LEARNING_RATE, BATCH_SIZE, EPOCHS = 50, 0.001, 50, 200
#: Better models: word vectors of this width.
EMBEDDING_DIM = 32


def load_raw():
    """``keras.datasets.reuters.load_data`` with the article's settings.

    Returns ``(x_train, y_train), (x_test, y_test)``: lists of word-index lists and integer
    topics, 1395 training and 599 test wires.
    """
    from keras.datasets import reuters

    return reuters.load_data(num_words=NUM_WORDS, maxlen=MAXLEN, test_split=TEST_SPLIT)


def pad_post(sequences, maxlen=None):
    """Pad with zeros *after* the words (``padding='post'``), as the article does.

    Returns an int array ``(samples, timesteps)``; ``timesteps`` is the longest sequence
    (49 here: ``maxlen=50`` keeps wires shorter than 50 words) unless ``maxlen`` is given.
    """
    from keras.utils import pad_sequences

    if len(sequences) == 0:
        raise ValueError("no sequences to pad")
    return pad_sequences(sequences, maxlen=maxlen, padding="post")


def article_labels(y_train, y_test, classes=CLASSES):
    """One-hot labels the article's way: concatenate, ``to_categorical``, split at 1395.

    ``to_categorical`` on the training labels alone would give as many columns as the
    largest topic present there plus one, so the article joins both sets first; the split
    point is the size of the training set. Returns ``(y_train, y_test)`` of shape
    ``(samples, classes)``.
    """
    from keras.utils import to_categorical

    joined = np.concatenate([np.asarray(y_train), np.asarray(y_test)])
    if joined.max() >= classes:
        raise ValueError(f"label {joined.max()} does not fit in {classes} classes")
    onehot = to_categorical(joined, num_classes=classes)
    return onehot[: len(y_train)], onehot[len(y_train):]


def article_data(raw=None):
    """The article's arrays: ``x`` as ``(samples, 49, 1)`` floats, ``y`` one-hot ``(samples, 46)``.

    ``raw`` is the output of :func:`load_raw` (loaded when omitted). Returns a dict with
    ``x_train, y_train, x_test, y_test`` (the article's inputs) and ``tokens_train,
    tokens_test`` (the padded integer sequences ``(samples, 49)`` the better models use),
    ``labels_train, labels_test`` (integer topics).
    """
    (x_train, y_train), (x_test, y_test) = raw if raw is not None else load_raw()
    tokens_train, tokens_test = pad_post(x_train), pad_post(x_test)
    if tokens_train.shape[1] != tokens_test.shape[1]:
        # The article pads each set on its own; here both are 49 long.
        width = max(tokens_train.shape[1], tokens_test.shape[1])
        tokens_train, tokens_test = pad_post(x_train, width), pad_post(x_test, width)
    onehot_train, onehot_test = article_labels(y_train, y_test)
    return {
        "x_train": tokens_train.reshape(tokens_train.shape + (1,)).astype("float32"),
        "x_test": tokens_test.reshape(tokens_test.shape + (1,)).astype("float32"),
        "y_train": onehot_train, "y_test": onehot_test,
        "tokens_train": tokens_train, "tokens_test": tokens_test,
        "labels_train": np.asarray(y_train), "labels_test": np.asarray(y_test),
    }


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
