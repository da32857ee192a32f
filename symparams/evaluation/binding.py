"""Arguments to parameters: a layer's (positional in the order of the framework whose name
the call used, keywords by Keras or PyTorch name, each coerced by its kind) and a block's."""
from __future__ import annotations

from dataclasses import replace

import sympy

from ..catalog.base import BOOL, INPUT_SIZE_KEYWORDS, NO_EFFECT_KEYWORDS, REQUIRED, Args
from ..catalog.signatures import positional_order
from ..errors import ArgumentError, UnknownNameError, did_you_mean
from ..expressions import describe


def bind_layer(layer, args, span, written=None, convention="keras", layout=None):
    """(Args, size checks): the checks are PyTorch-style input-size keywords (in_channels=)
    the layer does not take, {keyword: (value, span)}, to compare with the inferred size."""
    _positional_first(layer.name, args)
    order = positional_order(written or layer.name, (layer.name, *layer.aliases), convention)
    if order is not None:
        args = _as_keywords(written or layer.name, order, args, layout)
    values, spans, size_checks = _positional(layer, args)
    keywords = layer.keywords()
    for a in args:
        if a.keyword is None:
            continue
        if a.keyword in INPUT_SIZE_KEYWORDS and a.keyword not in keywords:
            size_checks[a.keyword] = (a.value, a.span)
            continue
        param = keywords.get(a.keyword)
        if param is None:
            if a.keyword in NO_EFFECT_KEYWORDS:
                continue
            if a.keyword == "lora_rank":     # Keras's Dense(lora_rank=r) adds weights: not silently
                raise ArgumentError(f"{layer.name}: lora_rank= adds LoRA weights; write "
                                    f"lora({layer.name}(...), r) instead", a.keyword_span or a.span)
            raise UnknownNameError(f"{layer.name} has no argument '{a.keyword}'"
                                   f"{did_you_mean(a.keyword, [p.name for p in layer.all_params()], keywords)}",
                                   a.keyword_span or a.span)
        if param.name in values:
            raise ArgumentError(f"{layer.name}: argument '{param.name}' is given twice", a.keyword_span or a.span)
        values[param.name], spans[param.name] = a.value, a.span
    return _coerced(layer, values, spans, span), size_checks


def _positional_first(layer_name, args):
    seen_keyword = False
    for a in args:
        if a.keyword is not None:
            seen_keyword = True
        elif seen_keyword:
            raise ArgumentError(f"{layer_name}: a positional argument cannot follow keyword arguments", a.span)


def _as_keywords(written, order, args, layout):
    """Positional arguments renamed by the framework's signature (`Linear(768, 3072)`: in_features,
    out_features), so each is bound, checked or refused as that keyword would be."""
    positional = [a for a in args if a.keyword is None]
    if len(positional) > len(order):
        raise ArgumentError(f"{written} takes at most {len(order)} positional arguments "
                            f"({', '.join(order) or 'none'}), found {len(positional)}", positional[len(order)].span)
    named = []
    for place, (slot, a) in enumerate(zip(order, positional), 1):
        if slot == "data_format":
            if a.value is not None and a.value != layout:
                raise ArgumentError(f"{written}: data_format (positional argument {place}) is "
                                    f"decided by the file's layout here: write none, or `layout {a.value}` "
                                    f"at the top of the file" if isinstance(a.value, str) else
                                    f"{written}: data_format: expected none, found {describe(a.value)}", a.span)
            continue
        if slot.endswith(_OBJECT_SLOTS) and not (a.value is None or isinstance(a.value, str)):
            # Keras's PReLU(5) would put 5 where an initializer goes: say so, not ignore it.
            raise ArgumentError(f"{written}: positional argument {place} is {slot}, which takes "
                                f"a name such as \"zeros\", found {describe(a.value)}", a.span)
        named.append(replace(a, keyword=slot, keyword_span=a.span))
    return (*named, *(a for a in args if a.keyword is not None))


# Slots for objects that change no figure: a positional number there is a mistake.
_OBJECT_SLOTS = ("_initializer", "_regularizer", "_constraint")


def _positional(layer, args):
    positional = [a for a in args if a.keyword is None]
    own = [p for p in layer.params if not p.keyword_only]
    if len(positional) > len(own):
        names = ", ".join(p.name for p in own) or "none"
        raise ArgumentError(f"{layer.name} takes at most {len(own)} positional arguments ({names}), "
                            f"found {len(positional)}", positional[len(own)].span)
    values, spans = {}, {}
    for param, a in zip(own, positional):
        values[param.name], spans[param.name] = a.value, a.span
    return values, spans, {}


def _coerced(layer, values, spans, span) -> Args:
    params = layer.all_params()
    for param in params:
        if param.name not in values:
            if param.default is REQUIRED:
                raise ArgumentError(f"{layer.name}() is missing its required argument '{param.name}'", span)
            values[param.name] = _as_value(param.default)

    def coerce(param):
        def fail(message):
            raise ArgumentError(f"{layer.name}: argument '{param.name}': {message}", spans.get(param.name, span))
        return param.kind(values[param.name], fail)
    return Args({p.name: coerce(p) for p in params}, spans)


def check_merge_arguments(layer, args):
    """Positional arguments past a merge layer's own parameters must be tensors:
    a bare name there that is not a bound tensor is a typo, not a symbol."""
    own = [p for p in layer.params if not p.keyword_only]
    positional = [a for a in args if a.keyword is None]
    for a in positional[len(own):]:
        if isinstance(a.value, sympy.Symbol):
            raise UnknownNameError(f"{layer.name}: no tensor named '{a.value.name}'", a.span)
        raise ArgumentError(f"{layer.name}: expected a tensor name, found {describe(a.value)}", a.span)


def block_trainable(definition, args):
    """A block call takes trainable=false, as a layer does, unless the block has a parameter
    of that name: it freezes every weight inside the call. Returns (other args, trainable)."""
    if any(p.name == "trainable" for p in definition.params):
        return args, True
    trainable = True
    for a in args:
        if a.keyword == "trainable":
            def fail(message, span=a.span):
                raise ArgumentError(f"block {definition.name}: argument 'trainable': {message}", span)
            trainable = BOOL(a.value, fail)        # the same rule as a layer's trainable=
    return tuple(a for a in args if a.keyword != "trainable"), trainable


def bind_block(definition, args, env: dict, span, evaluate_default):
    """A block's arguments into `env`; a missing one from its default, which sees the
    parameters bound before it (`block B(c, d=2*c)`): evaluate_default(node)."""
    params = definition.params
    names = [p.name for p in params]
    positional = [a for a in args if a.keyword is None]
    if len(positional) > len(params):
        raise ArgumentError(f"block {definition.name} takes {len(params)} arguments ({', '.join(names)}), "
                            f"found {len(positional)}", positional[len(params)].span)
    given = {param.name: a.value for param, a in zip(params, positional)}
    for a in args:
        if a.keyword is None:
            continue
        if a.keyword not in names:
            raise UnknownNameError(f"block {definition.name} has no parameter '{a.keyword}'"
                                   f"{did_you_mean(a.keyword, names)}", a.keyword_span or a.span)
        if a.keyword in given:
            raise ArgumentError(f"block {definition.name}: parameter '{a.keyword}' is given twice",
                                a.keyword_span or a.span)
        given[a.keyword] = a.value
    for param in params:
        if param.name in given:
            env[param.name] = given[param.name]
        elif param.default is not None:
            env[param.name] = evaluate_default(param.default)
        else:
            raise ArgumentError(f"block {definition.name} is missing its argument '{param.name}'", span)


def _as_value(default):
    if isinstance(default, bool) or default is None or isinstance(default, str):
        return default
    if isinstance(default, int):
        return sympy.Integer(default)
    if isinstance(default, tuple):
        return tuple(_as_value(d) for d in default)
    return default
