"""Core layers, activations, the dropout family and the merge layers."""
from __future__ import annotations

import sympy

from ..values import CHANNELS_FIRST
from .base import (ACTIVATION, INDEX, INDEX_TUPLE, RATE, REQUIRED, SHARED, K, BOOL, NUMBER, SIZE, SIZE_TUPLE, TEXT, Built, LayerDef, Optional, P, decide_equal,
                   format_shape, prod, shapes_equal, w, when)

LAYERS: list[LayerDef] = []


def layer(name, *aliases, params=(), inputs="one", activation=False, input_size=None):
    """Declare a layer: the decorated function is its build."""
    def register(build):
        LAYERS.append(LayerDef(name, tuple(params), build, tuple(aliases), inputs, activation, input_size))
        return build
    return register


# ---- core -------------------------------------------------------------------

@layer("dense", "Dense", "Linear", activation=True, input_size=lambda c: c.features,
       params=[P("units", SIZE, REQUIRED, "out_features"),
               P("use_bias", BOOL, True, "bias"),
               K("tie", Optional(SHARED), None)])
def dense(c):
    """A kernel on the last axis: Keras kernel (d, units), PyTorch weight (units, d).
    With tie=E (a shared embedding of V rows of width d) the kernel is E's table
    transposed: no new parameters, and units must be V and the input width d."""
    d, u = c.features, c.a.units
    if c.a.tie is not None:
        _check_tie(c, c.a.tie, d, u)
        weights = when(c.a.use_bias, w("bias", (u,)))
    else:
        weights = c.pick(keras=lambda: [w("kernel", (d, u)), *when(c.a.use_bias, w("bias", (u,)))],
                         torch=lambda: [w("weight", (u, d)), *when(c.a.use_bias, w("bias", (u,)))])
    return Built((*c.shape[:-1], u), weights, prod(c.shape[:-1]) * d * u)


def _check_tie(c, shared, d, u):
    weights = c.shared_weights(shared)
    if weights is None or shared.spec.definition.name != "embedding":
        c.fail(f"tie={shared.name} needs an embedding declared with let and used before this layer", "tie")
    rows, width = weights[0].shape
    c.same_shapes([(u, d), (rows, width)], f"tie={shared.name}: this layer's kernel ({d} -> {u}) is not the "
                                           f"transpose of the embedding table ({rows}, {width})")


@layer("embedding", "Embedding",
       params=[P("input_dim", SIZE, REQUIRED, "num_embeddings"), P("output_dim", SIZE, REQUIRED, "embedding_dim")])
def embedding(c):
    """A lookup table of input_dim rows: no multiply-adds."""
    table = (c.a.input_dim, c.a.output_dim)
    return Built((*c.shape, c.a.output_dim), [w(c.pick("embeddings", "weight"), table)], 0, layout=None)


@layer("identity", "Identity")
def identity(c):
    return Built(c.shape)


@layer("flatten", "Flatten", params=[P("start_dim", INDEX, 1)])
def flatten(c):
    start = c.axis(c.a.start_dim) if c.a.start_dim != 1 else 0
    return Built((*c.shape[:start], prod(c.shape[start:])), layout=None)


@layer("reshape", "Reshape", "Unflatten", params=[P("target_shape", INDEX_TUPLE, REQUIRED, "shape")])
def reshape(c):
    target = list(c.a.target_shape)
    unknown = [i for i, d in enumerate(target) if d == -1]
    if len(unknown) > 1:
        c.fail("at most one dimension of target_shape may be -1", "target_shape")
    total = prod(c.shape)
    if unknown:
        rest = prod([d for d in target if d != -1])
        target[unknown[0]] = c.divisible(total, rest, f"{format_shape(c.shape)} cannot be reshaped to "
                                                      f"{format_shape(c.a.target_shape)}")
    else:
        known = prod(target)
        if decide_equal(known, total) is False:
            c.fail(f"{format_shape(c.shape)} ({total} values) cannot be reshaped to "
                   f"{format_shape(c.a.target_shape)} ({known} values)", "target_shape")
    return Built(tuple(target), layout=None)


@layer("permute", "Permute", params=[P("dims", SIZE_TUPLE)])
def permute(c):
    """Reorders the axes; dims count the batch axis as 0 and may be negative (from the end).
    The result keeps the input's layout: a channels_first conv after it reads axis 1."""
    rank = c.x.rank
    indices = [c.axis(d) if isinstance(d, sympy.Integer) and d != 0 else -1 for d in c.a.dims]
    if sorted(indices) != list(range(rank)):
        c.fail(f"dims must be a permutation of 1..{rank} (the batch axis is 0; negative counts from the end), "
               f"found {format_shape(c.a.dims)}", "dims")
    return Built(tuple(c.shape[i] for i in indices))


@layer("repeat_vector", "RepeatVector", params=[P("n", SIZE)])
def repeat_vector(c):
    c.need_rank(1, exact=True)
    return Built((c.positive(c.a.n, "n, the number of repeats"), c.shape[0]), layout=None)


# ---- activations: element-wise, no parameters, no multiply-adds ------------------

def _elementwise(name, *aliases, params=()):
    @layer(name, *aliases, params=params)
    def build(c):
        return Built(c.shape)
    return build


_elementwise("relu", "ReLU", params=[P("max_value", Optional(NUMBER), None), P("negative_slope", NUMBER, 0),
                                     P("threshold", NUMBER, 0)])
_elementwise("sigmoid", "Sigmoid")
_elementwise("tanh", "Tanh")
_elementwise("softmax", "Softmax", params=[P("axis", INDEX, -1, "dim")])
_elementwise("log_softmax", "LogSoftmax", params=[P("axis", INDEX, -1, "dim")])
_elementwise("gelu", "GELU")
_elementwise("silu", "SiLU", "swish")
_elementwise("elu", "ELU", params=[P("alpha", NUMBER, 1)])
_elementwise("selu", "SELU")
_elementwise("leaky_relu", "LeakyReLU", params=[P("negative_slope", NUMBER, sympy.Rational(3, 10), "alpha")])
_elementwise("hard_sigmoid", "Hardsigmoid")
_elementwise("hard_swish", "Hardswish")
_elementwise("relu6", "ReLU6")
_elementwise("softplus", "Softplus")
_elementwise("mish", "Mish")
_elementwise("activation", "Activation", params=[P("activation", ACTIVATION)])

# ---- regularization: shape-preserving, no parameters -------------------------------

_elementwise("dropout", "Dropout", params=[P("rate", RATE, sympy.Rational(1, 2), "p")])
_elementwise("spatial_dropout1d", "SpatialDropout1D", "Dropout1d", params=[P("rate", RATE, sympy.Rational(1, 2), "p")])
_elementwise("spatial_dropout2d", "SpatialDropout2D", "Dropout2d", params=[P("rate", RATE, sympy.Rational(1, 2), "p")])
_elementwise("spatial_dropout3d", "SpatialDropout3D", "Dropout3d", params=[P("rate", RATE, sympy.Rational(1, 2), "p")])
_elementwise("gaussian_dropout", "GaussianDropout", params=[P("rate", RATE, sympy.Rational(1, 2), "p")])
_elementwise("gaussian_noise", "GaussianNoise", params=[P("stddev", NUMBER)])
_elementwise("alpha_dropout", "AlphaDropout", params=[P("rate", RATE, sympy.Rational(1, 2), "p")])


# ---- merge layers: the incoming tensor first, then the tensor arguments -------------

def _elementwise_merge(name, *aliases, exactly=None):
    @layer(name, *aliases, inputs="many")
    def build(c):
        if len(c.inputs) < 2 or (exactly and len(c.inputs) != exactly):
            wanted = f"exactly {exactly}" if exactly else "at least 2"
            c.fail(f"needs {wanted} tensors (the incoming one and the arguments), found {len(c.inputs)}")
        return Built(_broadcast(c, [t.shape for t in c.inputs], f"cannot {name} tensors of shapes"),
                     layout=_merged_layout(c))
    return build


def _merged_layout(c):
    """The layout of the first input that has one: a layout-free tensor (a `parameter`, a
    sequence) merged with a feature map takes the map's layout, whichever comes first."""
    return next((t.layout for t in c.inputs if t.layout is not None), None)


def _broadcast(c, shapes, what):
    """NumPy's rule, which Keras's merge layers and PyTorch's operators both follow:
    shapes line up from the right; an axis of size 1, or a missing one, stretches."""
    out = []
    for i in range(1, max(len(s) for s in shapes) + 1):
        sizes = [s[-i] for s in shapes if len(s) >= i and s[-i] != 1]
        if not sizes:
            out.append(sympy.Integer(1))
            continue
        for other in sizes[1:]:
            if not shapes_equal((sizes[0],), (other,)):
                c.fail(f"{what} {' and '.join(format_shape(s) for s in shapes)}: sizes {sizes[0]} and {other} "
                       f"differ and neither is 1", error=_shape_error())
        out.append(sizes[0])
    return tuple(reversed(out))


_elementwise_merge("add", "Add")
_elementwise_merge("subtract", "Subtract", exactly=2)
_elementwise_merge("multiply", "Multiply")
_elementwise_merge("average", "Average")
_elementwise_merge("maximum", "Maximum")
_elementwise_merge("minimum", "Minimum")


@layer("concatenate", "Concatenate", "cat", inputs="many", params=[P("axis", Optional(INDEX), None, "dim")])
def concatenate(c):
    """Joins along `axis` (batch axis = 0); by default the channel axis of the layout."""
    if len(c.inputs) < 2:
        c.fail(f"needs at least 2 tensors (the incoming one and the arguments), found {len(c.inputs)}")
    c.need_rank(1)
    rank, layout = c.x.rank, _merged_layout(c)
    if c.a.axis is None:
        index = 0 if layout == CHANNELS_FIRST else rank - 1
    else:
        index = c.axis(c.a.axis)
    for t in c.inputs[1:]:
        if t.rank != rank:
            longer = t.shape if t.rank > rank else c.shape
            hint = (" (shapes here have no batch axis: a tensor that is the same for every example, such as "
                    "a parameter, is written without it, as (1, d) for PyTorch's (1, 1, d))"
                    if abs(t.rank - rank) == 1 and longer[0] == 1 else "")
            c.fail(f"cannot concatenate shapes {format_shape(c.shape)} and {format_shape(t.shape)} "
                   f"of different ranks{hint}", error=_shape_error())
        rest_a = c.shape[:index] + c.shape[index + 1:]
        rest_b = t.shape[:index] + t.shape[index + 1:]
        c.same_shapes([rest_a, rest_b], f"cannot concatenate {format_shape(c.shape)} and "
                                        f"{format_shape(t.shape)} on axis {index + 1}: the other axes differ")
    joined = sympy.Add(*[t.shape[index] for t in c.inputs])
    return Built(c.shape[:index] + (joined,) + c.shape[index + 1:], layout=layout)


def _shape_error():
    from ..errors import ShapeError
    return ShapeError
