"""What TensorFlow does at each step of a Keras recurrent layer, read from the traced graph.

Off the cuDNN path, Keras 3 on TensorFlow runs a recurrent layer as a ``tf.while_loop``
whose body is one cell step. Tracing one training step (a ``tf.GradientTape`` around the
forward pass, inside a ``tf.function``) gives a graph holding that loop and its gradient
loop. Two things can be read off the forward loop's body:

- its matrix products (``MatMul`` ops and their operand shapes): the multiply-adds of a step;
- what the gradient keeps from every step: TensorFlow's control flow (``while_v2``) rewrites
  the forward loop to push each value the backward loop will need onto an accumulator list,
  one ``TensorListPushBack`` op per value, executed once per step.

The step is traced for a fixed batch, as ``model.fit`` traces it for its first batch. A kept
value that depends on the data (the step's input, the states, anything computed from them) is
an activation, whose first axis is the batch; one computed from the weights alone is a weight
as read inside the step; the loop's step counter is the third kind.
"""

from dataclasses import dataclass
from math import prod

#: Loop ops TensorFlow uses for ``tf.while_loop`` (forward: stateful; gradient: stateless).
WHILE_OPS = ("While", "StatelessWhile")


@dataclass(frozen=True)
class Kept:
    """One value the gradient keeps from every step of a loop: the op that computed it (its
    type and name inside the loop body), its shape (batch axis first for an activation) and
    whether it depends on the data."""

    op_type: str
    name: str
    shape: tuple
    data: bool

    @property
    def role(self):
        """``"activation"``, ``"weight"`` (a weight as read in the step) or ``"counter"``."""
        if not self.shape:
            return "counter"
        return "activation" if self.data else "weight"

    @property
    def floats(self):
        """Floats per sample for an activation, in all for a weight, 0 for the counter."""
        if self.role == "activation":
            return prod(self.shape[1:])
        return prod(self.shape) if self.shape else 0


def _input_spec(input_shape, batch):
    import keras
    import tensorflow as tf

    if keras.backend.backend() != "tensorflow":
        raise NotImplementedError(
            f"rnnbook.loop_graph reads the graph TensorFlow traces for a Keras layer, which "
            f"exists only when Keras runs the 'tensorflow' backend; Keras is running "
            f"{keras.backend.backend()!r}. Set KERAS_BACKEND=tensorflow before importing Keras.")

    shape = (batch, *tuple(input_shape))
    if len(shape) < 2 or any(not isinstance(d, int) or isinstance(d, bool) or d <= 0
                             for d in shape):
        raise ValueError(f"input_shape must be (timesteps, input_dim) of positive integers, "
                         f"without the batch axis, and batch a positive integer; got "
                         f"{input_shape!r} and batch {batch!r}")
    return tf.TensorSpec(shape, tf.float32)


def training_graph(network, input_shape, batch=2):
    """The graph of one training step of ``network`` (a built Keras layer or model) on inputs
    ``(batch, *input_shape)``: forward pass with ``training=True``, the sum of the outputs as
    the loss, and the gradient of that loss with respect to the trainable weights."""
    import tensorflow as tf

    @tf.function
    def step(inputs):
        with tf.GradientTape() as tape:
            outputs = network(inputs, training=True)
            loss = tf.reduce_sum(outputs)
        return tape.gradient(loss, network.trainable_variables)

    return step.get_concrete_function(_input_spec(input_shape, batch)).graph


def forward_graph(network, input_shape, batch=2):
    """The graph of ``network``'s forward pass (inference) on ``(batch, *input_shape)``."""
    import tensorflow as tf

    return tf.function(lambda inputs: network(inputs)).get_concrete_function(
        _input_spec(input_shape, batch)).graph


def loop_bodies(graph):
    """The forward loops of ``graph`` (not the gradient's), as a dict op name -> body graph."""
    bodies = {}
    for op in graph.get_operations():
        if op.type in WHILE_OPS and not op.name.startswith("gradient_tape/"):
            bodies[op.name] = graph._functions[op.get_attr("body").name].graph
    return bodies


def gradient_loop_bodies(graph):
    """The gradient's loops of ``graph``, as a dict op name -> body graph."""
    return {op.name: graph._functions[op.get_attr("body").name].graph
            for op in graph.get_operations()
            if op.type in WHILE_OPS and op.name.startswith("gradient_tape/")}


def _shape(tensor):
    return tuple(tensor.shape.as_list()) if tensor.shape.rank is not None else ()


def _depends_on_data(tensor):
    """True if ``tensor`` is computed from the step's input or state (a float placeholder of
    the loop body, or an element read from the input sequence), not from weights alone."""
    seen, todo = set(), [tensor.op]
    while todo:
        op = todo.pop()
        if op.name in seen:
            continue
        seen.add(op.name)
        if op.type == "TensorListGetItem":
            return True
        if op.type == "Placeholder":
            out = op.outputs[0]
            if out.dtype.is_floating and out.shape.rank:
                return True
            continue
        if op.type == "ReadVariableOp":
            continue
        todo += [t.op for t in op.inputs]
    return False


def kept_values(graph):
    """What the gradient in ``graph`` (a :func:`training_graph`) keeps from every step of
    each recurrent loop.

    Returns
    -------
    dict loop name -> list of :class:`Kept` (floating-point values only), in the body's op
    order.
    """
    found = {}
    for loop, body in loop_bodies(graph).items():
        values = [op.inputs[1] for op in body.get_operations()
                  if op.type == "TensorListPushBack"]
        found[loop] = [Kept(v.op.type, v.op.name.split("/", 1)[-1], _shape(v),
                            _depends_on_data(v))
                       for v in values if v.dtype.is_floating]
    if not found:
        raise ValueError("the traced training step has no while loop: is there a recurrent "
                         "layer, off the cuDNN path and not unrolled?")
    return found


def kept_per_step(network, input_shape, batch=2):
    """:func:`kept_values` of one training step of ``network`` on ``(batch, *input_shape)``."""
    return kept_values(training_graph(network, input_shape, batch))


def _matmul_multiply_adds(op):
    """Multiply-adds of a MatMul: rows x inner x columns of ``a @ b`` (transposes applied)."""
    a, b = (_shape(t) for t in op.inputs[:2])
    rows, inner = (a[1], a[0]) if op.get_attr("transpose_a") else a
    cols = b[0] if op.get_attr("transpose_b") else b[1]
    return rows * inner * cols


def step_multiply_adds(graph, batch, gradient=False):
    """Multiply-adds per sample of one step of each loop in ``graph`` (traced for ``batch``):
    the loop body's ``MatMul`` ops (forward loops, or the gradient's with ``gradient=True``),
    each ``rows x inner x columns`` divided by the batch.

    Returns
    -------
    dict loop name -> list of ``(operand shapes, multiply-adds per sample)`` per MatMul.
    """
    bodies = gradient_loop_bodies(graph) if gradient else loop_bodies(graph)
    return {loop: [((_shape(op.inputs[0]), _shape(op.inputs[1])),
                    _matmul_multiply_adds(op) // batch)
                   for op in body.get_operations() if op.type == "MatMul"]
            for loop, body in bodies.items()}
