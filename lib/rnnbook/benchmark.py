"""Timing the reference engine beside Keras: interleaved rounds, the products' floor, the split.

``tools/benchmark.py`` (``make bench``) runs these and writes ``data/benchmark.json``; the
performance appendix reads that file. Every time here is wall-clock time in seconds.

- :func:`interleaved` times several contestants round by round, in a rotating order, so a
  change in the machine's load during the run reaches all of them alike.
- :func:`contestants` names what is timed for one layer and size: the reference engine (on
  one thread and split over the cores), its trace, Keras' compiled and eager calls, and the
  **floor**: the engine's matrix products alone, the same calls on the same buffers, on one
  thread, split over the cores, or on OpenBLAS's own threads.
- :func:`split` divides one thread's loop into its parts: the products, the activations, the
  other elementwise work and copies, and the Python and NumPy call overhead of a step.
- :func:`busy_core` keeps one core busy from another process: the *loaded* condition.
- :func:`fresh_memory` times allocating and writing memory just freed and after a pause: on
  this book's machine, whose kernel reports freed memory to a hypervisor
  (:func:`free_page_reporting`), the second cost many times the first, and a trace's storage
  is fresh memory.
"""

import contextlib
import os
import platform
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from unittest import mock

import numpy as np
import threadpoolctl

from rnnbook import activations, loops, reference
from rnnbook.verify import randomize_weights

#: (samples, timesteps, input_dim, units): a single short sequence, a training-sized batch,
#: and a large one.
SIZES = ((1, 50, 8, 16), (64, 100, 32, 128), (256, 200, 64, 256))
KINDS = ("SimpleRNN", "LSTM", "GRU")

#: The SIMD extensions that decide NumPy's and OpenBLAS's kernels, as /proc/cpuinfo names them.
SIMD_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl",
              "avx512_bf16", "avx512_vnni", "amx_tile")


def build(kind, size, seed=0):
    """A Keras layer with random weights, an input for it, and its compiled call.

    Returns ``(layer, inputs, compiled)``: inputs ``(samples, timesteps, input_dim)`` float32,
    ``compiled`` the layer called inside a ``tf.function``, traced once already.
    """
    import keras
    import tensorflow as tf

    samples, timesteps, input_dim, units = size
    layer = getattr(keras.layers, kind)(units)
    layer.build((None, timesteps, input_dim))
    randomize_weights(layer, seed=seed, scale=0.1)
    inputs = np.random.default_rng(seed).standard_normal((samples, timesteps, input_dim),
                                                         dtype=np.float32)
    compiled = tf.function(lambda x: layer(x))
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")  # a warning that many functions were traced: one per layer here
    try:
        compiled(inputs)
    finally:
        logger.setLevel(level)
    return layer, inputs, compiled


def interleaved(contestants, rounds, clock=time.perf_counter):
    """Time each of ``contestants`` ``rounds`` times.

    ``contestants`` maps a name to a function of no arguments, or to a pair ``(setup,
    function)`` whose ``setup`` runs, untimed, right before each timed call. Each round runs
    every contestant once, starting one further along the list than the round before.
    ``clock`` is wall-clock time by default; ``time.thread_time`` counts only the CPU time of
    the calling thread, which another program's load barely changes.
    Returns name -> list of ``rounds`` times in seconds.
    """
    names = list(contestants)
    times = {name: [] for name in names}
    for round_ in range(rounds):
        for name in names[round_ % len(names):] + names[:round_ % len(names)]:
            setup, function = (contestants[name] if isinstance(contestants[name], tuple)
                               else (None, contestants[name]))
            if setup is not None:
                setup()
            start = clock()
            function()
            times[name].append(clock() - start)
    return times


def summary(times):
    """``{"min": ..., "median": ...}`` of a list of times, in milliseconds."""
    return {"min": 1e3 * min(times), "median": 1e3 * statistics.median(times)}


@contextlib.contextmanager
def forced_threads(threads):
    """Within this context the engine splits every batch over ``threads`` threads."""
    with mock.patch.object(loops, "threads_for", lambda *args, **kwargs: threads):
        yield


def beside_keras(layer, x, compiled, rounds):
    """``reference.forward`` and Keras' compiled call on ``x``, interleaved (seconds)."""
    return interleaved({"reference": lambda: reference.forward(layer, x),
                        "keras": lambda: np.asarray(compiled(x))}, rounds)


def contestants(kind, size, eager=True):
    """What the benchmark times for one layer kind and size, as name -> function.

    ``reference_1`` and ``reference_<cores>`` are ``reference.forward`` on one thread and
    split over every core (when the batch allows it); ``trace`` is ``reference.trace`` with
    the engine's own choice, on memory as it comes; ``trace_warm`` the same call right after
    as much memory as it keeps and forward does not was written and freed, untimed (so the
    system holds that memory ready, see :func:`fresh_memory`); ``trace_memory`` allocating
    and writing once that memory (:func:`trace_memory`, :func:`trace_extra_bytes`);
    ``keras`` the compiled call, ``keras_eager`` the eager one.
    ``products_1``, ``products_<cores>`` and ``products_blas`` are the floor's three ways to
    compute the engine's matrix products alone (:func:`products`). Also returns the layer's
    verdict against Keras (``reference.forward`` vs the compiled call) and the thread count
    the engine chooses.
    """
    from rnnbook.verify import compare

    layer, x, compiled = build(kind, size)
    agrees = compare(reference.forward(layer, x), compiled(x)).ok
    spec = reference.describe(layer)
    cores = loops.cores()
    counts = sorted({1, min(cores, size[0])})

    def forward(threads):
        def run():
            with forced_threads(threads):
                reference.forward(layer, x)
        return run

    timed = {f"reference_{threads}": forward(threads) for threads in counts}
    timed["trace"] = lambda: reference.trace(layer, x)
    timed["trace_memory"] = trace_memory(spec, x)
    timed["trace_warm"] = (timed["trace_memory"], timed["trace"])
    timed["keras"] = lambda: np.asarray(compiled(x))
    if eager:
        timed["keras_eager"] = lambda: np.asarray(layer(x))
    for threads in counts:
        timed[f"products_{threads}"] = products(spec, x, threads)
    timed["products_blas"] = products(spec, x, threads=None)
    choice = loops.threads_for(kind, size[0], size[3])
    return timed, agrees, choice


def trace_extra_bytes(kind, size):
    """What ``reference.trace`` keeps that ``forward`` does not, for a layer of ``kind`` that
    returns its last step (as the benchmark's do) on inputs of ``size`` = (samples,
    timesteps, input_dim, units), in bytes (float32): every gate block at every step, an
    LSTM's cell state, and every step's output (``h``), of which ``forward`` keeps two."""
    samples, timesteps, _, units = size
    arrays = loops.GATE_BLOCKS[kind] * (kind != "SimpleRNN") + (kind == "LSTM") + 1
    return 4 * arrays * samples * timesteps * units


def trace_memory(spec, x):
    """A function that allocates the trace's own storage for ``x`` as the engine does and
    writes every number of it once: the cost of the memory a trace returns, apart from its
    arithmetic (:func:`trace_extra_bytes` of it)."""
    samples, timesteps, _ = x.shape

    def run():
        outputs = np.empty((timesteps, spec.units, samples), np.float32)
        records = loops._Records(spec, outputs, masked=False)
        for values in (records.gates, *records.states):    # states[0] is the outputs
            if values is not None:
                values.fill(0)
    return run


def fresh_memory(nbytes, pause=3.0, repeats=3):
    """Allocate ``nbytes`` of float32 and write every number once, ``repeats`` times each way:
    ``warm``, right after the same amount was written and freed, and ``cold``, after
    ``pause`` seconds with nothing allocated. Returns ``{"warm": [...], "cold": [...]}`` in
    seconds.

    Where the kernel reports free memory to a hypervisor (:func:`free_page_reporting`), it
    does so "2 seconds after any page of a sufficiently high order is freed" (Linux,
    ``Documentation/mm/free_page_reporting.rst``), and the hypervisor may take those pages
    back; ``pause`` is longer than that delay. What it then costs to use them again is what
    this measures.
    """
    count = nbytes // 4

    def write():
        start = time.perf_counter()
        np.empty(count, np.float32).fill(0)
        return time.perf_counter() - start

    times = {"warm": [], "cold": []}
    for _ in range(repeats):
        time.sleep(pause)
        times["cold"].append(write())
        times["warm"].append(write())
    return times


def free_page_reporting(devices="/sys/bus/virtio/devices"):
    """Whether this machine's memory balloon reports free pages to a hypervisor: True or
    False where a virtio balloon is present (device id 5, feature bit 5,
    ``VIRTIO_BALLOON_F_REPORTING`` in Linux's ``include/uapi/linux/virtio_balloon.h``), None
    where there is none (not a virtual machine of this kind)."""
    found = None
    for device in sorted(Path(devices).glob("*")):
        try:
            if int((device / "device").read_text(), 16) != 5:
                continue
            features = (device / "features").read_text().strip()
        except (OSError, ValueError):
            continue
        found = bool(found) or (len(features) > 5 and features[5] == "1")
    return found


#: Linux's page reporting parameters (``mm/page_reporting.c``): ``page_reporting_order``, the
#: smallest order of free block the kernel reports, and, on some kernels, more.
PAGE_REPORTING_PARAMETERS = Path("/sys/module/page_reporting/parameters")


def _read_int(path):
    try:
        return int(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None


def highest_order(buddyinfo="/proc/buddyinfo"):
    """The highest order of free block the kernel's buddy allocator keeps (``/proc/buddyinfo``
    has a column per order, from 0), or None where the file cannot be read."""
    try:
        line = Path(buddyinfo).read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    return len(line.split(",", 1)[1].split()) - 3     # "Node 0, zone DMA  n0 n1 ..."


def page_reporting(devices="/sys/bus/virtio/devices", parameters=PAGE_REPORTING_PARAMETERS,
                   buddyinfo="/proc/buddyinfo"):
    """What this machine reports of its free memory to a hypervisor, as a dict:

    ``device`` (:func:`free_page_reporting`), ``order`` (``page_reporting_order``: free
    blocks of ``2**order`` pages or more are reported; None where the parameter is absent, -1
    where it is unset, and the kernel then uses its default), ``highest_order`` (the largest
    block the allocator keeps, :func:`highest_order`), ``reported_kib`` (a counter some
    kernels keep, else None) and ``active``: whether freed memory is reported now (the device
    reports and the order is one a free block can have).
    """
    order = _read_int(Path(parameters) / "page_reporting_order")
    highest = highest_order(buddyinfo)
    device = free_page_reporting(devices)
    active = device if not device or order is None or highest is None else order <= highest
    return {"device": device, "order": order, "highest_order": highest,
            "reported_kib": _read_int(Path(parameters) / "reported_kib"), "active": active}


def reporting_label(reporting):
    """A few words for :func:`page_reporting`'s dict: whether and why freed memory is reported."""
    if reporting["device"] is None:
        return "no (no virtio balloon)"
    if not reporting["device"]:
        return "no (the balloon does not offer it)"
    order = f"page_reporting_order {reporting['order']}"
    if reporting["active"]:
        return "yes" if reporting["order"] is None else f"yes ({order})"
    return f"no: turned off ({order}, above the highest order, {reporting['highest_order']})"


@contextlib.contextmanager
def page_reporting_off(parameters=PAGE_REPORTING_PARAMETERS, buddyinfo="/proc/buddyinfo"):
    """Within this context the kernel reports no freed memory: ``page_reporting_order`` is set
    one above the highest order a free block can have, and set back after.

    Needs root, and a kernel that accepts that value: Linux's own ``mm/page_reporting.c``
    accepts at most ``MAX_PAGE_ORDER`` (``param_set_uint_minmax(val, kp, 0,
    MAX_PAGE_ORDER)``), the order of the largest free blocks; the kernel of this book's
    machine accepts one more. Raises ``RuntimeError`` saying which, rather than run on with
    reporting on.
    """
    path = Path(parameters) / "page_reporting_order"
    before, highest = _read_int(path), highest_order(buddyinfo)
    if before is None or highest is None:
        raise RuntimeError(f"free page reporting cannot be turned off here: expected {path} "
                           "and /proc/buddyinfo (a Linux kernel with page reporting)")
    try:
        path.write_text(f"{highest + 1}\n")
    except PermissionError as error:
        raise RuntimeError(f"turning free page reporting off writes {path}, which needs root"
                           ) from error
    except OSError as error:
        raise RuntimeError(f"this kernel does not accept page_reporting_order {highest + 1} "
                           f"(above the highest order, {highest}), so free page reporting "
                           f"cannot be turned off here: {error}") from error
    try:
        if _read_int(path) != highest + 1:
            raise RuntimeError(f"{path} reads {_read_int(path)} after {highest + 1} was "
                               "written: free page reporting is still on")
        yield
    finally:
        path.write_text(f"{before}\n")


def _time_major(x):
    return np.swapaxes(x, 0, 1)       # a view, as reference.forward passes it to the loop


def _parts(spec, x, threads):
    """The engine's loop objects for ``x`` split over ``threads`` threads, as it makes them."""
    samples, timesteps, _ = x.shape
    inputs = _time_major(x)
    weights = loops._Weights(spec, inputs.dtype)
    states = [np.zeros((samples, spec.units), inputs.dtype) for _ in range(spec.n_states)]
    outputs = np.empty((timesteps, spec.units, samples), inputs.dtype)
    bounds = np.linspace(0, samples, threads + 1).astype(int)
    return [loops._Part(spec, weights, inputs[:, lo:hi], states, None, outputs, None,
                        slice(lo, hi)) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


def _part_products(part):
    """The matrix products ``part.loop()`` computes, on its own buffers, nothing else."""
    kernel, recurrent_kernel = part.weights.kernel, part.weights.recurrent_kernel
    n, projected, h = part.n, part.projected, part.current[0]
    two_products = part.spec.kind == "GRU" and not part.spec.reset_after
    for t in range(len(part.inputs)):
        if t % len(projected) == 0:
            block = projected[:len(part.inputs) - t]
            np.matmul(kernel, part.inputs[t:t + len(block)], out=block)
        if two_products:  # reset before the product: z and r, then the candidate's
            np.matmul(recurrent_kernel[:2 * n], h, out=part.z[:2 * n])
            np.matmul(recurrent_kernel[2 * n:], part.scratch, out=part.z[2 * n:])
        else:
            np.matmul(recurrent_kernel, h, out=part.z)


def products(spec, x, threads):
    """A function that computes the engine's matrix products for ``x`` and nothing else.

    ``threads``: 1 (one BLAS thread), a larger number (the batch split as the engine splits
    it, one BLAS thread per part), or None (the whole batch, on OpenBLAS's default threads).
    """
    parts = _parts(spec, x, 1 if threads is None else threads)
    if threads is None:
        return lambda: _part_products(parts[0])

    def run():
        with loops._one_blas_thread():
            if len(parts) == 1:
                _part_products(parts[0])
            else:
                with ThreadPoolExecutor(len(parts)) as pool:
                    list(pool.map(_part_products, parts))
    return run


def _activations(part):
    """The activation work of ``part.loop()``'s steps (default activations): its ``tanh``
    calls and the sigmoid's halving and shift, on its own buffers."""
    n, z, kind = part.n, part.z, part.spec.kind
    values = z.copy()
    gates = {"SimpleRNN": 0, "LSTM": 3 * n, "GRU": 2 * n}[kind]
    for _ in range(len(part.inputs)):
        if kind == "LSTM":
            np.tanh(values, out=z)                    # the gates and the candidate
            np.tanh(part.current[1], out=part.scratch)  # tanh(c_t)
        elif kind == "GRU":
            np.tanh(values[:gates], out=z[:gates])
            np.tanh(values[gates:], out=z[gates:])
        else:
            np.tanh(values, out=z)
        if gates:
            z[:gates] *= 0.5
            z[:gates] += 0.5


def _overhead_spec(spec):
    """The same layer with one unit and one input: its loop is nearly all call overhead."""
    k = loops.GATE_BLOCKS[spec.kind]
    bias = None if spec.bias is None else np.zeros(spec.bias.shape[:-1] + (k,), np.float32)
    return reference.RecurrentSpec(
        kind=spec.kind, units=1, kernel=np.zeros((1, k), np.float32),
        recurrent_kernel=np.zeros((1, k), np.float32), bias=bias,
        activation=spec.activation, recurrent_activation=spec.recurrent_activation,
        reset_after=spec.reset_after, return_sequences=False, return_state=False,
        go_backwards=False, zero_output_for_mask=False)


def split(layer, x, rounds):
    """Where one thread's loop spends its time, in milliseconds of that thread's CPU time
    (minimum over ``rounds``, so another program's load barely changes it).

    ``loop`` is the whole loop of ``rnnbook.loops`` on one thread (no trace, no mask), and
    it is the sum of four parts. ``overhead``: the same loop for one sample of one unit and
    one input, which has no arithmetic to speak of: what Python and NumPy's calls cost.
    ``products``: the matrix products alone (:func:`products`), less what the same calls
    cost at that tiny size; ``activations`` likewise for the ``tanh`` calls and the sigmoid's
    arithmetic; ``elementwise``: the rest, the other elementwise arithmetic and the copies.
    Only for the default activations (tanh, sigmoid).
    """
    spec = reference.describe(layer)
    if spec.activation is not activations.tanh or spec.kind != "SimpleRNN" and (
            spec.recurrent_activation is not activations.sigmoid):
        raise ValueError("split() measures the default activations, tanh and sigmoid; got "
                         f"{spec.activation.__name__} and {spec.recurrent_activation}")
    (part,) = _parts(spec, x, 1)
    (tiny,) = _parts(_overhead_spec(spec), np.zeros((1, x.shape[1], 1), np.float32), 1)
    timed = {}
    for name, loop in (("", part), ("tiny_", tiny)):
        timed.update({f"{name}loop": loop.loop,
                      f"{name}products": lambda loop=loop: _part_products(loop),
                      f"{name}activations": lambda loop=loop: _activations(loop)})
    with loops._one_blas_thread():
        part.loop()                                 # fills the buffers with real values
        tiny.loop()
        times = interleaved(timed, rounds, clock=time.thread_time)
    ms = {name: summary(values)["min"] for name, values in times.items()}
    # At the smallest sizes the loop is nearly all overhead, and the measures differ by
    # noise: each part is capped by what the loop has left, so the four add up to the loop.
    parts, left = {"loop": ms["loop"]}, ms["loop"]
    for name, value in (("overhead", ms["tiny_loop"]),
                        ("products", ms["products"] - ms["tiny_products"]),
                        ("activations", ms["activations"] - ms["tiny_activations"])):
        parts[name] = min(max(0.0, value), left)
        left -= parts[name]
    parts["elementwise"] = left
    return parts


#: The spinning process: it stops by itself when the benchmark that started it has gone
#: (its parent changes), so a run killed mid-way leaves no core busy behind it.
_SPIN = ("import os\nos.sched_setaffinity(0, {{{core}}})\n"
         "while os.getppid() == {parent}:\n    pass\n")


@contextlib.contextmanager
def busy_core(core=None):
    """Keep one core busy (by default the last one this process may use) with a spinning
    process, for as long as the context lasts; yields that process's id."""
    core = max(os.sched_getaffinity(0)) if core is None else core
    process = subprocess.Popen([sys.executable, "-c", _SPIN.format(core=core,
                                                                   parent=os.getpid())])
    try:
        yield process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def cpu_flags():
    """The SIMD extensions of :data:`SIMD_FLAGS` this CPU reports (Linux), and its model."""
    try:
        text = open("/proc/cpuinfo").read()
    except OSError:
        return {"model": platform.processor() or platform.machine(), "simd": []}
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    fields = {key.strip(): value.strip() for key, value in fields.items()}
    flags = set(fields.get("flags", "").split())
    return {"model": fields.get("model name", platform.machine()),
            "simd": [flag for flag in SIMD_FLAGS if flag in flags]}


def machine():
    """What decides the timings: CPU, cores, SIMD flags, NumPy's dispatch, BLAS, versions."""
    import keras
    import tensorflow as tf
    from numpy._core import _multiarray_umath as umath

    blas = [{key: pool.get(key) for key in ("internal_api", "version", "architecture",
                                              "num_threads", "threading_layer")}
            for pool in threadpoolctl.threadpool_info() if pool.get("user_api") == "blas"]
    return {**cpu_flags(), "cores": loops.cores(),
            "numpy_dispatch": [name for name in umath.__cpu_dispatch__
                               if umath.__cpu_features__.get(name)],
            "blas": blas, "free_page_reporting": free_page_reporting(),
            "page_reporting": page_reporting(),
            "python": platform.python_version(), "numpy": np.__version__,
            "tensorflow": tf.__version__, "keras": keras.__version__}


def idle_enough(threshold=0.9, seconds=0.05):
    """Whether this process gets a whole core now: a short spin's CPU time over its wall
    time is at least ``threshold``, and the 1-minute load average is below the core count."""
    wall, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        pass
    share = (time.process_time() - cpu) / (time.perf_counter() - wall)
    return share >= threshold and os.getloadavg()[0] < loops.cores()


def loglog_slope(xs, ys):
    """The slope of log y against log x (least squares): how a time grows with a size."""
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


# ---- reading a results file (data/benchmark.json) -----------------------------------------

#: The engine's goals: forward and trace at or below Keras' compiled time at every size, and
#: forward within this many times the floor at the largest size.
KERAS_TARGET, FLOOR_TARGET = 1.0, 1.5

#: A run counts as taken on a quiet machine when its 1-minute load average was below this
#: many runnable processes per core when it started.
QUIET_LOAD_PER_CORE = 0.5

RATIOS = {"reference_over_keras": "forward / Keras", "trace_over_keras": "trace / Keras",
          "trace_warm_over_keras": "trace warm / Keras", "reference_over_floor": "forward / floor"}


def significant(value, digits=3):
    """``value`` rounded to ``digits`` significant digits, written without an exponent:
    ``4631.7`` as ``"4630"``, ``0.7049`` as ``"0.705"``, ``12.0`` as ``"12.0"``."""
    if value == 0 or not np.isfinite(value):
        return f"{value:.{digits - 1}f}" if value == 0 else str(value)
    magnitude = int(np.floor(np.log10(abs(value))))
    rounded_value = round(value, digits - 1 - magnitude)
    if rounded_value and int(np.floor(np.log10(abs(rounded_value)))) > magnitude:
        magnitude += 1                       # 9.996 rounds up to 10.0
    decimals = max(0, digits - 1 - magnitude)
    return f"{rounded_value:.{decimals}f}"


def size_label(size):
    """``(samples, timesteps, input_dim, units)`` as ``"64x100x32->128"``."""
    samples, timesteps, input_dim, units = size
    return f"{samples}x{timesteps}x{input_dim}->{units}"


def format_ratios(condition):
    """One condition's ratio table: per case, the engine's thread count and each of
    :data:`RATIOS` as the ratio of the fastest rounds, then (in brackets) of the medians,
    each to 3 significant digits (:func:`significant`)."""
    lines = [f"{'layer':10s} {'size':16s} {'threads':>7s} "
             + " ".join(f"{title:>16s}" for title in RATIOS.values())]
    for case in condition["cases"]:
        cells = [f"{significant(case[key]['min'])} ({significant(case[key]['median'])})"
                 for key in RATIOS]
        lines.append(f"{case['kind']:10s} {size_label(case['size']):16s} {case['threads']:7d} "
                     + " ".join(f"{cell:>16s}" for cell in cells))
    return "\n".join(lines)


def targets(condition):
    """How the cases of one condition stand against the goals, by the fastest rounds
    (``"min"``) and by the medians (``"median"``).

    For each statistic: ``forward``, ``trace`` and ``trace_warm``, the number of cases at or
    below :data:`KERAS_TARGET`; ``floor``, the number of largest-size cases within
    :data:`FLOOR_TARGET`; ``worst_forward``, ``worst_trace``, ``worst_trace_warm`` and
    ``worst_floor`` (largest size), the highest ratios. Also ``cases`` and ``largest``, the
    counts they are out of.
    """
    cases = condition["cases"]
    largest = max(tuple(case["size"]) for case in cases)
    at_largest = [case for case in cases if tuple(case["size"]) == largest]
    result = {"cases": len(cases), "largest": len(at_largest)}
    for stat in ("min", "median"):
        forward = [case["reference_over_keras"][stat] for case in cases]
        trace = [case["trace_over_keras"][stat] for case in cases]
        warm = [case["trace_warm_over_keras"][stat] for case in cases]
        floor = [case["reference_over_floor"][stat] for case in at_largest]
        result[stat] = {"forward": sum(r <= KERAS_TARGET for r in forward),
                        "trace": sum(r <= KERAS_TARGET for r in trace),
                        "trace_warm": sum(r <= KERAS_TARGET for r in warm),
                        "floor": sum(r <= FLOOR_TARGET for r in floor),
                        "worst_forward": max(forward), "worst_trace": max(trace),
                        "worst_trace_warm": max(warm), "worst_floor": max(floor)}
    return result


def policy_record(condition):
    """``(right, compared)``: in how many cases where the engine's forward call was timed with
    more than one thread count, the engine's own choice was the fastest (by the minimum)."""
    compared = [case for case in condition["cases"]
                if sum(name.startswith("reference_") for name in case["ms"]) > 1]
    return sum(case["threads_fastest"] for case in compared), len(compared)


def quiet(condition, cores):
    """Whether the condition's run started on a quiet machine (:data:`QUIET_LOAD_PER_CORE`)."""
    return condition["load_before"][0] < QUIET_LOAD_PER_CORE * cores


def shares(row):
    """One split row's parts as fractions of its loop."""
    return {name: row["ms"][name] / row["ms"]["loop"] for name in
            ("products", "activations", "elementwise", "overhead")}


def format_split(rows):
    """The split table: per case the loop's time (3 significant digits) and its four parts
    as percentages of it."""
    names = ("products", "activations", "elementwise", "overhead")
    lines = [f"{'layer':10s} {'size':16s} {'loop (ms)':>9s} " + " ".join(
        f"{name:>11s}" for name in names)]
    for row in rows:
        fractions = shares(row)
        lines.append(f"{row['kind']:10s} {size_label(row['size']):16s} "
                     f"{significant(row['ms']['loop']):>9s} "
                     + " ".join(f"{100 * fractions[name]:10.0f}%" for name in names))
    return "\n".join(lines)


def plot_scaling(scaling):
    """Reference and Keras times for an LSTM as timesteps, batch and units grow (log-log),
    one panel per quantity, stacked (they share the time axis)."""
    from rnnbook.plots import OKABE_ITO, panels

    titles = {"timesteps": "timesteps $T$", "samples": "samples (batch)", "units": "units $n$"}
    fig, axes = panels(len(scaling), height=2.2, sharex=False, sharey=True)
    styles = {"reference": dict(color=OKABE_ITO[4], marker="o", linestyle="-",
                                label="reference"),
              "keras": dict(color=OKABE_ITO[5], marker="s", linestyle="--",
                            label="Keras, compiled")}
    for ax, (axis, series) in zip(axes, scaling.items(), strict=True):
        xs = [point[axis] for point in series["points"]]
        for name, style in styles.items():
            ax.loglog(xs, [point[name]["min"] for point in series["points"]], base=2,
                      **style)
        ax.set(xlabel=titles[axis], ylabel="time (ms)")
    axes[0].legend(frameon=False)
    return fig
