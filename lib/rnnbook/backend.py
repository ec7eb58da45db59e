"""The Keras backend the reader chose, its tensors as NumPy arrays, its gradients, and where
backends differ.

Keras 3 runs on TensorFlow, JAX or PyTorch; it reads the choice from ``KERAS_BACKEND`` or
``~/.keras/keras.json`` when it is first imported. rnnbook never chooses: everything here
works on the backend Keras is running. On PyTorch, Keras' outputs are tensors that require
grad, which ``np.asarray`` refuses; :func:`to_numpy` reads them (and every other backend's
tensors) as Keras itself does, with ``keras.ops.convert_to_numpy``.

One divergence between backends is Keras' own: what a recurrent layer outputs at masked
steps that come before the first unmasked one, when an initial state is given
(:func:`masked_first_step`; the reference engine follows TensorFlow).
"""

import importlib.util
import logging
import os
import subprocess
import sys

import numpy as np

# Keras is imported where it is needed, so that the NumPy-only modules that convert their
# inputs here (rnnbook.shapes, rnnbook.verify) do not import it, nor TensorFlow.

#: The backends whose gradients :func:`gradient` computes.
DIFFERENTIABLE = ("tensorflow", "jax", "torch")


def name():
    """The backend Keras is running: ``"tensorflow"``, ``"jax"``, ``"torch"`` or ``"numpy"``."""
    import keras

    return keras.backend.backend()


def to_numpy(value):
    """``value`` as a NumPy array.

    Reads a tensor or ``keras.Variable`` of the running backend (``keras.ops.convert_to_numpy``:
    on PyTorch it detaches a tensor that requires grad), a ``torch.Tensor`` or
    ``torch.nn.Parameter`` under any backend, another backend's array, a list or tuple of any
    of these, or anything ``np.asarray`` reads. A NumPy array is returned as it is.
    """
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (list, tuple)):
        return np.asarray([v if isinstance(v, (bool, int, float)) else to_numpy(v)
                           for v in value])
    if value is None or isinstance(value, (bool, int, float, complex, str, np.generic)):
        return np.asarray(value)
    import keras

    # NumPy 2 warns when an __array__ takes no copy argument, as Keras' Variable's and
    # tf.Variable's do: each kind is read the way that does not go through one
    if isinstance(value, keras.Variable):
        if keras.backend.backend() == "tensorflow":
            return np.asarray(value.numpy())   # as layer.get_weights() reads it
        value = value.value                    # the backend's own array
    detach = getattr(value, "detach", None)
    if callable(detach) and str(getattr(value, "dtype", "")) != "torch.bfloat16":
        return detach().cpu().numpy()          # a torch tensor, on any backend
    if keras.ops.is_tensor(value):
        return keras.ops.convert_to_numpy(value)
    return np.asarray(value)


def require_differentiable(what):
    """Raise a clear error when the running backend has no automatic differentiation."""
    if name() not in DIFFERENTIABLE:
        raise NotImplementedError(
            f"{what} differentiates through Keras, which needs automatic differentiation; "
            f"Keras is running the {name()!r} backend, which has none. Set KERAS_BACKEND to "
            f"one of {', '.join(DIFFERENTIABLE)} before importing Keras.")


def gradient(fn, value, *, compile=False):
    """``d fn(value) / d value`` as a NumPy array, on the running backend.

    Parameters
    ----------
    fn : callable taking a tensor shaped like ``value`` and returning a scalar tensor, built
        from Keras layers and ``keras.ops`` (so it runs on any backend).
    value : array_like, the point at which to differentiate; floats keep their precision
        (float64 stays float64), anything else becomes float32.
    compile : bool. Trace ``fn`` once (``tf.function`` on TensorFlow, ``jax.jit`` on JAX;
        PyTorch runs eagerly): much faster over long sequences.

    Returns
    -------
    ndarray shaped and typed like ``value``: zeros where ``fn`` does not depend on it. (JAX
    computes in float32 unless ``jax_enable_x64`` is set, whatever ``value``'s precision.)
    """
    require_differentiable("rnnbook.backend.gradient")
    value = to_numpy(value)
    if not np.issubdtype(value.dtype, np.floating):
        value = value.astype(np.float32)
    grad = {"tensorflow": _tensorflow_gradient, "jax": _jax_gradient,
            "torch": _torch_gradient}[name()](fn, value, compile)
    return grad.astype(value.dtype, copy=False)


def _tensorflow_gradient(fn, value, compile):
    import tensorflow as tf

    def run(v):
        with tf.GradientTape() as tape:
            tape.watch(v)
            out = fn(v)
        return tape.gradient(out, v)

    if not compile:
        grad = run(tf.constant(value))
    else:
        # Each call traces a fresh function (often for a fresh layer); TensorFlow's
        # "retracing" hint, a Python logging warning, does not apply: silenced for this call.
        logger = logging.getLogger("tensorflow")
        level = logger.level
        logger.setLevel(logging.ERROR)
        try:
            grad = tf.function(run)(tf.constant(value))
        finally:
            logger.setLevel(level)
    return np.zeros_like(value) if grad is None else grad.numpy()


def _jax_gradient(fn, value, compile):
    import jax

    run = jax.grad(fn)
    return np.asarray((jax.jit(run) if compile else run)(jax.numpy.asarray(value)))


def _torch_gradient(fn, value, compile):
    import torch

    v = torch.from_numpy(np.array(value)).requires_grad_(True)
    out = fn(v)
    if not out.requires_grad:  # fn does not depend on v
        return np.zeros_like(value)
    (grad,) = torch.autograd.grad(out, v, allow_unused=True)
    return np.zeros_like(value) if grad is None else grad.detach().cpu().numpy()


# ---- a divergence inside Keras: the output at a masked step before the first unmasked one --

#: Every Keras backend, and the package it needs beyond Keras (its NumPy backend needs SciPy).
BACKEND_PACKAGES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch", "numpy": "scipy"}

#: The minimal case: ``SimpleRNN(1)`` with kernel 1, recurrent kernel 1 and bias 0, one
#: sample of one step ``x = 1``, that step masked, initial state ``h_{-1} = 0.5``.
MASKED_CASE = {"x": 1.0, "initial_state": 0.5}


#: What Keras 3.15.1's source makes each backend output at such a step, ``(unroll=False,
#: unroll=True)``: TensorFlow's and PyTorch's loops start from a zero previous output
#: (``keras/src/backend/tensorflow/rnn.py``, ``.../torch/rnn.py``); the ``lax.scan`` of JAX
#: and the loop of NumPy take ``states[0]`` as the previous output (``# Assume the first
#: state is the previous output.``, ``.../jax/rnn.py``, ``.../numpy/rnn.py``); every
#: unrolled loop starts from zeros. :func:`masked_first_step` measures it.
KERAS_MASKED_FIRST_STEP = {"tensorflow": ("zeros", "zeros"), "jax": ("initial state", "zeros"),
                           "torch": ("zeros", "zeros"), "numpy": ("initial state", "zeros")}


def masked_first_step_layer(unroll=False):
    """The minimal case's layer: ``SimpleRNN(1, return_sequences=True)``, weights 1, 1, 0,
    ``zero_output_for_mask=False`` (Keras' default), built for ``(samples, timesteps, 1)``."""
    import keras

    layer = keras.layers.SimpleRNN(1, return_sequences=True, unroll=unroll,
                                   zero_output_for_mask=False)
    layer.build((None, 1, 1))
    layer.set_weights([np.ones((1, 1), np.float32), np.ones((1, 1), np.float32),
                       np.zeros(1, np.float32)])
    return layer


def masked_first_step_inputs():
    """The minimal case's call arguments: ``x (1, 1, 1)``, ``mask (1, 1)`` all False,
    ``initial_state [h (1, 1)]``."""
    return {"inputs": np.full((1, 1, 1), MASKED_CASE["x"], np.float32),
            "mask": np.zeros((1, 1), bool),
            "initial_state": [np.full((1, 1), MASKED_CASE["initial_state"], np.float32)]}


def masked_first_step(unroll=False):
    """Keras' output at the masked step of the minimal case, on the running backend.

    The step is masked, so the state stays ``h_{-1} = 0.5``; the *output* there has no
    previous step to repeat. TensorFlow and PyTorch output zeros (their loops start from a
    zero output), JAX and NumPy with ``unroll=False`` output the initial state (their scan
    takes ``states[0]`` as the previous output), and with ``unroll=True`` every backend
    outputs zeros. Returns the output, a float.
    """
    layer = masked_first_step_layer(unroll)
    call = masked_first_step_inputs()
    return float(to_numpy(layer(call.pop("inputs"), **call))[0, 0, 0])


def is_installed(backend):
    """True if the package Keras' ``backend`` needs can be imported here."""
    return importlib.util.find_spec(BACKEND_PACKAGES[backend]) is not None


_PROBE = ("import rnnbook.backend as b; "
          "print(b.name(), b.masked_first_step(False), b.masked_first_step(True))")


def masked_first_step_by_backend(backends=tuple(BACKEND_PACKAGES)):
    """:func:`masked_first_step` with ``unroll=False`` and ``True`` on every installed backend.

    The running backend is asked here; each other one in a fresh Python process with
    ``KERAS_BACKEND`` set (Keras reads it once, at import). Returns a dict backend ->
    ``(output with unroll=False, output with unroll=True)``, or None if not installed.
    """
    results = {}
    for backend in backends:
        if backend == name():
            results[backend] = (masked_first_step(False), masked_first_step(True))
        elif not is_installed(backend):
            results[backend] = None
        else:
            results[backend] = _probe(backend)
    return results


def _probe(backend):
    env = {**os.environ, "KERAS_BACKEND": backend}
    done = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True,
                          text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"Keras on {backend!r} failed the masked-step case:\n{done.stderr}")
    ran, *outputs = done.stdout.split()[-3:]
    if ran != backend:
        raise RuntimeError(f"asked Keras for the {backend!r} backend, got {ran!r}")
    return tuple(float(v) for v in outputs)


def output_word(value):
    """``"initial state"`` or ``"zeros"`` for an output of the minimal case, else the value."""
    return {MASKED_CASE["initial_state"]: "initial state", 0.0: "zeros"}.get(
        value, f"{value:.4g}")


def masked_first_step_report(results=None):
    """The table :func:`masked_first_step_by_backend` gives, as text lines, with what each
    output is (the initial state or zeros) and the reference engine's answer."""
    from rnnbook import reference

    results = masked_first_step_by_backend() if results is None else results
    lines = [f"{'backend':12s}{'unroll=False':16s}unroll=True"]
    for backend, outputs in results.items():
        lines.append(f"{backend:12s}not installed here (needs {BACKEND_PACKAGES[backend]})"
                     if outputs is None else
                     f"{backend:12s}{output_word(outputs[0]):16s}{output_word(outputs[1])}")
    call = masked_first_step_inputs()
    engine = reference.forward(masked_first_step_layer(), call.pop("inputs"), **call)
    lines.append(f"{'rnnbook':12s}{output_word(float(engine[0, 0, 0]))} "
                 "(the reference engine: TensorFlow's semantics)")
    return lines
