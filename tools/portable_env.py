"""Run a command under another numeric environment: the portability run's "other machine".

Usage: python tools/portable_env.py              print the environment it sets
       python tools/portable_env.py -- CMD ...   run CMD with it (the Makefile's portability run)

What a reader's machine changes in the arithmetic, simulated on this one (measured with
tools/portability_probe.py, which prints what each knob moves here):

- NumPy's SIMD kernels: every dispatched CPU feature above NumPy's baseline is disabled
  (``NPY_DISABLE_CPU_FEATURES``), so ``tanh``, ``exp`` and friends take their baseline code
  paths, as on a CPU without AVX2 or AVX-512.
- OpenBLAS's kernel: ``OPENBLAS_CORETYPE`` names another CPU's kernel than the one OpenBLAS
  picked here, so matrix products sum in another order.
- Thread counts: one thread for OpenBLAS, OpenMP and TensorFlow (intra- and inter-op), as on
  a one-core machine; at large sizes TensorFlow's products then sum in another order.
- TensorFlow's kernels: TensorFlow's Eigen kernels cannot be switched at run time, but on
  another CPU they block their products differently (Eigen sizes its blocks from the CPU's
  caches). The run stands in for that with oneDNN's kernels limited to an older instruction
  set (``TF_ENABLE_ONEDNN_OPTS=1``, ``ONEDNN_MAX_CPU_ISA``): the only knob found that moves
  Keras' own outputs and gradients. oneDNN prints a log line when TensorFlow starts, which
  would land in every first cell; the kernel's IPython start-up file (below) imports
  TensorFlow once with that line sent to /dev/null.
"""

import os
import sys
import tempfile
from pathlib import Path

# Run by every IPython kernel of the portability run, before the notebook's first cell.
QUIET_START = """\
import os as _os
_saved, _null = _os.dup(2), _os.open(_os.devnull, _os.O_WRONLY)
_os.dup2(_null, 2)
try:
    import tensorflow as _tf
    _tf.constant(0.0) + 1.0   # oneDNN announces itself at the first op
finally:
    _os.dup2(_saved, 2)
    _os.close(_null)
    _os.close(_saved)
"""

# OpenBLAS's x86-64 kernels from oldest to newest; the run picks one that is not this machine's.
OPENBLAS_KERNELS = ("Sandybridge", "Haswell", "Prescott")


def numpy_dispatched_features():
    """The CPU features NumPy dispatches to at run time (those above its compiled baseline)."""
    from numpy._core import _multiarray_umath as umath

    return list(umath.__cpu_dispatch__)


def openblas_kernel():
    """The kernel OpenBLAS chose on this machine (e.g. ``"SkylakeX"``), or ``None``."""
    from threadpoolctl import threadpool_info

    for pool in threadpool_info():
        if pool.get("internal_api") == "openblas":
            return pool.get("architecture")
    return None


def portable_environment():
    """The environment variables of the portability run, as a dict."""
    here = (openblas_kernel() or "").lower()
    coretype = next(k for k in OPENBLAS_KERNELS if k.lower() != here)
    return {
        "NPY_DISABLE_CPU_FEATURES": " ".join(numpy_dispatched_features()),
        "OPENBLAS_CORETYPE": coretype,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "TF_NUM_INTRAOP_THREADS": "1",
        "TF_NUM_INTEROP_THREADS": "1",
        "TF_ENABLE_ONEDNN_OPTS": "1",
        "ONEDNN_MAX_CPU_ISA": older_isa(),
    }


def older_isa():
    """An instruction set for oneDNN below this CPU's best (its names: AVX2, AVX, SSE41)."""
    from numpy._core import _multiarray_umath as umath

    has = umath.__cpu_features__
    return "AVX2" if has.get("AVX512F") else "AVX" if has.get("AVX2") else "SSE41"


def quiet_ipython_dir():
    """A fresh IPYTHONDIR whose start-up file imports TensorFlow without its log line."""
    ipython_dir = Path(tempfile.mkdtemp(prefix="rnnbook-portable-ipython-"))
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-quiet-tensorflow.py").write_text(QUIET_START)
    return str(ipython_dir)


def main(argv):
    env = portable_environment()
    if "--" not in argv:
        for name, value in env.items():
            print(f"{name}={value!r}")
        return 0
    command = argv[argv.index("--") + 1:]
    print("portability run: " + ", ".join(f"{k}={v}" for k, v in env.items()), flush=True)
    os.execvpe(command[0], command, {**os.environ, **env, "IPYTHONDIR": quiet_ipython_dir()})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
