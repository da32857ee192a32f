"""`symparams import hf`: a Hugging Face config.json -> .arch text, through a family template
chosen by `model_type`. Values are checked to be whole numbers or booleans before they are
written; nothing from the config is ever evaluated."""
from __future__ import annotations

from .decoders import (GEMMA, GEMMA2, GPT2, GPT_NEOX, LLAMA, MISTRAL, MIXTRAL, PHI3, QWEN2, QWEN2_MOE, QWEN3,
                       QWEN3_MOE)
from .encoders import BERT, DISTILBERT, ROBERTA
from .seq2seq import T5, WHISPER
from .vision import VIT
from .template import ConfigError, Family

FAMILIES: dict[str, Family] = {f.model_type: f for f in (LLAMA, MISTRAL, MIXTRAL, QWEN2, QWEN2_MOE, QWEN3, QWEN3_MOE, GEMMA, GEMMA2, PHI3, GPT2,
                                                              GPT_NEOX, BERT, ROBERTA, DISTILBERT, T5, VIT,
                                                              WHISPER)}

# Keys of every transformers config that change no count.
COMMON_NEUTRAL = frozenset({
    "architectures", "model_type", "transformers_version", "torch_dtype", "dtype", "bos_token_id",
    "eos_token_id", "pad_token_id", "initializer_range", "use_cache", "_name_or_path", "id2label",
    "label2id", "output_hidden_states", "output_attentions", "return_dict", "problem_type",
    "chunk_size_feed_forward", "is_encoder_decoder", "tokenizer_class", "task_specific_params", "auto_map",
    "gradient_checkpointing", "classifier_dropout", "layer_norm_eps", "layer_norm_epsilon", "hidden_act",
    "hidden_dropout_prob", "attention_probs_dropout_prob", "hidden_dropout", "attention_dropout"})
_ROTARY_KEYS = ("partial_rotary_factor", "rotary_pct")


def import_config(config: dict, source: str) -> str:
    """The .arch text for a parsed config.json; ConfigError when it cannot be written faithfully."""
    if not isinstance(config, dict):
        raise ConfigError("expected a JSON object (a Hugging Face config.json)")
    family = _family(config.get("model_type"))
    sizes, read = _sizes(family, config)
    fills = _switches(family, config, read)
    _check_fixed(family, config, read)
    fills.update(_optional(family, config, sizes, read))
    if family.rotary:
        fills["R"] = _rotary(family, config, sizes, fills, read)
    classes = _classes(family, config)
    default = _default_class(config, classes)
    header = _header(family, config, source, read, classes, default)
    blocks = _fill(family.blocks, fills).rstrip("\n") + "\n"
    models = [_model(name, family.bodies[name], sizes, fills, family.inputs, name == default) for name in classes]
    return "\n".join([header, blocks, *models])


def _family(model_type) -> Family:
    if model_type not in FAMILIES:
        known = ", ".join(sorted(FAMILIES))
        found = "no model_type" if model_type is None else f"model_type {model_type!r}"
        raise ConfigError(f"{found}: no family template for it; known model types: {known}")
    return FAMILIES[model_type]


def _whole(key, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"{key} = {value!r}: expected a positive whole number")
    return value


def _sizes(family, config):
    """{symbol: (value, config key, meaning)} in signature order, and the keys read."""
    sizes, read = {}, set()
    for size in family.sizes:
        value = config.get(size.key)
        if size.counted and value is not None:
            value = len(value) if isinstance(value, (dict, list)) else value
        if value is None:
            value = sizes[size.default][0] if isinstance(size.default, str) else size.default
        if value is None:
            raise ConfigError(f"the config has no {size.key} (needed for {size.meaning})")
        sizes[size.symbol] = (_whole(size.key, value), size.key, size.meaning)
        read.add(size.key)
    return sizes, read


def _optional(family, config, sizes, read) -> dict:
    fills = {}
    for size in family.optional_sizes:
        value = config.get(size.key)
        if value is None:
            fills[size.symbol] = size.fallback
            continue
        sizes[size.symbol] = (_whole(size.key, value), size.key, size.meaning)
        fills[size.symbol] = size.symbol
        read.add(size.key)
    return fills


def _switches(family, config, read) -> dict:
    fills = {}
    for switch in family.switches:
        value = config.get(switch.key)
        value = switch.default if value is None else value
        if not isinstance(value, bool):
            raise ConfigError(f"{switch.key} = {value!r}: expected true or false")
        fills[switch.field or switch.key] = switch.on if value else switch.off
        read.add(switch.key)
    return fills


def _check_fixed(family, config, read):
    for fixed in family.fixed:
        value = config.get(fixed.key)
        if value not in fixed.allowed:
            raise ConfigError(f"{fixed.key} = {value!r} changes the parameter count and the {family.model_type} "
                              f"template cannot follow it ({fixed.why})")
        if fixed.key in config:
            read.add(fixed.key)


def _rotary(family, config, sizes, fills, read) -> str:
    """The rotary width: the head width, or int(factor * head width) as the symbol R."""
    rope = config.get("rope_parameters") or {}
    factor = next((config[k] for k in _ROTARY_KEYS if config.get(k) is not None),
                  rope.get("partial_rotary_factor") if isinstance(rope, dict) else None)
    factor = family.rotary_fraction if factor is None else factor
    if factor == 1:
        return fills.get("hd", family.head_text)
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 < factor <= 1:
        raise ConfigError(f"partial rotary factor {factor!r}: expected a number in (0, 1]")
    heads = sizes["hq" if "hq" in sizes else "h"][0]
    head = sizes["hd"][0] if "hd" in sizes else sizes["d"][0] // heads
    key = next((k for k in _ROTARY_KEYS if k in config), "rope_parameters.partial_rotary_factor")
    read.add(key.split(".")[0])
    sizes["R"] = (_whole(key, int(head * factor)), key, f"rotary width: int({factor} * head width)")
    return "R"


def _classes(family, config) -> list:
    """The base model, then the classes `architectures` names."""
    named = config.get("architectures") or []
    if not isinstance(named, list) or not all(isinstance(n, str) for n in named):
        raise ConfigError("architectures: expected a list of class names")
    unknown = [n for n in named if n not in family.bodies]
    if unknown:
        raise ConfigError(f"architectures names {unknown[0]}, which the {family.model_type} template does not "
                          f"define; it defines {', '.join(family.bodies)}")
    return [family.base, *(n for n in dict.fromkeys(named) if n != family.base)]


def _default_class(config, classes):
    """The model a command evaluates unnamed: the (first) class `architectures` names; none when the
    file has one model only."""
    return (config.get("architectures") or classes)[0] if len(classes) > 1 else None


def _fill(text, fills) -> str:
    for key, value in fills.items():
        text = text.replace("{" + key + "}", value)
    return text


def _model(name, body, sizes, fills, inputs, default=False) -> str:
    width = max(len(f"{s}={v[0]},") for s, v in sizes.items())
    lines = [f"{'default ' if default else ''}model {name}("]
    for i, (symbol, (value, key, meaning)) in enumerate(sizes.items()):
        item = f"{symbol}={value}" + ("," if i < len(sizes) - 1 else "):")
        lines.append(f"        {item.ljust(width + 1)}  # {key}: {meaning}")
    return "\n".join(lines) + "\n" + inputs + _fill(body, fills)


def _header(family, config, source, read, classes, default) -> str:
    neutral = sorted(k for k in config if k not in read and (k in family.neutral or k in COMMON_NEUTRAL))
    ignored = sorted(k for k in config if k not in read and k not in family.neutral and k not in COMMON_NEUTRAL)
    lines = [f"Imported by `symparams import hf` from {source}.",
             f"Family template: {family.model_type} ({family.summary}).",
             f"Models: {', '.join(classes)} (the first is AutoModel's)"
             + (f"; {default} is the default (`symparams summary FILE.arch --defaults`); name another as in "
                f"`symparams summary FILE.arch:{classes[0]} --defaults`." if default else "."),
             f"Keys read: {', '.join(sorted(read))}.",
             f"Keys that change no count: {', '.join(neutral) or 'none'}.",
             f"Keys ignored (unknown to this template): {', '.join(ignored) or 'none'}."]
    wrapped = []
    for line in lines:
        wrapped += _wrap(_printable(line))
    return "\n".join("# " + line for line in wrapped) + "\n"


def _wrap(line, width=96) -> list:
    out, current = [], ""
    for word in line.split(" "):
        if current and len(current) + 1 + len(word) > width:
            out.append(current)
            current = "  " + word
        else:
            current = f"{current} {word}" if current else word
    return out + [current]


def _printable(text) -> str:
    """Config keys and file names go into comments: one line, printable characters only."""
    return "".join(c if c.isprintable() else "?" for c in text)
