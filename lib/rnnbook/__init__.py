"""rnnbook: the reference library of *Recurrent Networks, Verified*.

Import ``rnnbook`` (or any of its modules) before TensorFlow or Keras: it sets the
environment variables that keep TensorFlow's C++ log lines out of notebook outputs.
TensorFlow reads them once, at import, so they must be set first. Values already
set by the user are kept.

It does not choose a Keras backend: Keras reads the reader's choice (``KERAS_BACKEND``, or
``~/.keras/keras.json``, else TensorFlow) and the library works on TensorFlow, JAX and
PyTorch (:mod:`rnnbook.backend`).
"""

import os

# TF_CPP_MIN_LOG_LEVEL alone is not enough: with oneDNN enabled TensorFlow still prints an
# absl line at its first op (measured here, TF 2.21). Both must be set before the import.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

__version__ = "0.1.0"
