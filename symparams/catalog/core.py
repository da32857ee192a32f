"""Core layers, activations, the dropout family and the merge layers."""
from __future__ import annotations

import sympy

from ..expressions import as_expr
from ..results_types import Saved
from ..values import CHANNELS_FIRST
from .base import (ACTIVATION, ACTIVATION_KEEPS, BOOL, INDEX, INDEX_TUPLE, K, NUMBER, P, RATE, REQUIRED,
                   SHARED, SIZE, SIZE_TUPLE, TEXT, Built, LayerDef, Optional, decide_equal, format_shape,
                   prod, saves, shapes_equal, w, when)

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
    indices = Saved(prod(c.shape), "index", accountings=("torch",), for_weights=True)  # for the table's gradient
    return Built((*c.shape, c.a.output_dim), [w(c.pick("embeddings", "weight"), table)], 0, layout=None,
                 saved=(indices,), differentiable=False)


@layer("identity", "Identity")
def identity(c):
    return Built(c.shape, view=True)


@layer("flatten", "Flatten", params=[P("start_dim", INDEX, 1)])
def flatten(c):
    start = c.axis(c.a.start_dim) if c.a.start_dim != 1 else 0
    return Built((*c.shape[:start], prod(c.shape[start:])), layout=None, view=True)


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
    return Built(tuple(target), layout=None, view=True)


@layer("permute", "Permute", params=[P("dims", SIZE_TUPLE)])
def permute(c):
    """Reorders the axes; dims count the batch axis as 0 and may be negative (from the end).
    The result keeps the input's layout: a channels_first conv after it reads axis 1."""
    rank = c.x.rank
    indices = [c.axis(d) if isinstance(d, sympy.Integer) and d != 0 else -1 for d in c.a.dims]
    if sorted(indices) != list(range(rank)):
        c.fail(f"dims must be a permutation of 1..{rank} (the batch axis is 0; negative counts from the end), "
               f"found {format_shape(c.a.dims)}", "dims")
    return Built(tuple(c.shape[i] for i in indices), view=True)


@layer("repeat_vector", "RepeatVector", params=[P("n", SIZE)])
def repeat_vector(c):
    c.need_rank(1, exact=True)
    return Built((c.positive(c.a.n, "n, the number of repeats"), c.shape[0]), layout=None)


# ---- activations: element-wise, no parameters, no multiply-adds ------------------
# `keeps`: what the backward pass needs (PyTorch's derivatives.yaml, measured in
# tests/oracle/test_live_memory.py): the output for ReLU, sigmoid, tanh and the softmaxes,
# the input for the others.

def _elementwise(name, *aliases, params=(), keeps=()):
    @layer(name, *aliases, params=params)
    def build(c):
        return Built(c.shape, saved=saves(c, *keeps))
    return build


_elementwise("relu", "ReLU", params=[P("max_value", Optional(NUMBER), None), P("negative_slope", NUMBER, 0),
                                     P("threshold", NUMBER, 0)], keeps=["output"])
_elementwise("sigmoid", "Sigmoid", keeps=["output"])
_elementwise("tanh", "Tanh", keeps=["output"])
_elementwise("softmax", "Softmax", params=[P("axis", INDEX, -1, "dim")], keeps=["output"])
_elementwise("log_softmax", "LogSoftmax", params=[P("axis", INDEX, -1, "dim")], keeps=["output"])
_elementwise("gelu", "GELU", keeps=["input"])
_elementwise("silu", "SiLU", "swish", keeps=["input"])
_elementwise("elu", "ELU", params=[P("alpha", NUMBER, 1)], keeps=["input"])
_elementwise("selu", "SELU", keeps=["input"])
_elementwise("leaky_relu", "LeakyReLU", params=[P("negative_slope", NUMBER, sympy.Rational(3, 10), "alpha")],
             keeps=["input"])
_elementwise("hard_sigmoid", "Hardsigmoid", keeps=["input"])
_elementwise("hard_swish", "Hardswish", keeps=["input"])
_elementwise("relu6", "ReLU6", keeps=["input"])
_elementwise("softplus", "Softplus", keeps=["input"])
_elementwise("mish", "Mish", keeps=["input"])

@layer("activation", "Activation", params=[P("activation", ACTIVATION)])
def activation(c):
    keep = ACTIVATION_KEEPS.get(c.a.activation.lower())
    return Built(c.shape, saved=saves(c, keep) if keep else ())


# ---- regularization: shape-preserving, no parameters -------------------------------
# Training keeps a mask per dropped element (per channel for the spatial ones); rate 0
# keeps nothing (PyTorch returns the input).

def _dropout(name, *aliases, keeps="mask"):
    """keeps: "mask" (PyTorch's dropout: a bool mask on CUDA, a tensor of the dtype on CPU),
    "noise" (a tensor of the dtype the input was multiplied by) or "channel" (one noise value
    per channel: the spatial dropouts)."""
    @layer(name, *aliases, params=[P("rate", RATE, sympy.Rational(1, 2), "p")])
    def build(c):
        if as_expr(c.a.rate) == 0:
            return Built(c.shape, saved=())
        kept = {"mask": lambda: saves(c, "mask"), "noise": lambda: (Saved(prod(c.shape)),),
                "channel": lambda: (Saved(c.channels, accountings=("torch",)),)}[keeps]
        return Built(c.shape, saved=kept())
    return build


_dropout("dropout", "Dropout")
_dropout("spatial_dropout1d", "SpatialDropout1D", "Dropout1d", keeps="channel")
_dropout("spatial_dropout2d", "SpatialDropout2D", "Dropout2d", keeps="channel")
_dropout("spatial_dropout3d", "SpatialDropout3D", "Dropout3d", keeps="channel")
_dropout("gaussian_dropout", "GaussianDropout", keeps="noise")
_elementwise("gaussian_noise", "GaussianNoise", params=[P("stddev", NUMBER)])
_dropout("alpha_dropout", "AlphaDropout", keeps="noise")


# ---- merge layers: the incoming tensor first, then the tensor arguments -------------

def _elementwise_merge(name, *aliases, exactly=None, keeps_inputs=False):
    """keeps_inputs: each product (or comparison) of two tensors keeps both for the backward
    pass; n tensors take n - 1 of them, so n - 2 intermediate results are kept too."""
    @layer(name, *aliases, inputs="many")
    def build(c):
        if len(c.inputs) < 2 or (exactly and len(c.inputs) != exactly):
            wanted = f"exactly {exactly}" if exactly else "at least 2"
            c.fail(f"needs {wanted} tensors (the incoming one and the arguments), found {len(c.inputs)}")
        shape = _broadcast(c, [t.shape for t in c.inputs], f"cannot {name} tensors of shapes")
        saved = ()
        if keeps_inputs:
            saved = (*(Saved(prod(t.shape), source="input", input=i) for i, t in enumerate(c.inputs)),
                     *(Saved(prod(shape)) for _ in c.inputs[2:]))
        return Built(shape, layout=_merged_layout(c), saved=saved)
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
_elementwise_merge("multiply", "Multiply", keeps_inputs=True)
_elementwise_merge("average", "Average")
_elementwise_merge("maximum", "Maximum", keeps_inputs=True)
_elementwise_merge("minimum", "Minimum", keeps_inputs=True)


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
    return Built(c.shape[:index] + (joined,) + c.shape[index + 1:], layout=layout, saved=())


def _shape_error():
    from ..errors import ShapeError
    return ShapeError
