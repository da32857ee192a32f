"""ViT: a patch convolution, a learned class token and position table (`parameter`), pre-LayerNorm
encoder layers. transformers 5 names the attention projections q_proj..o_proj; qkv_bias drops
the biases of q, k and v only."""
from __future__ import annotations

from .template import Family, Size, Switch
from .writer import block, call, mlp, norm_first, stack

_VIT_BLOCKS = "layout channels_first\n\n" + block(
    "ViTLayer", "d, h, ff",
    norm_first("a", call("layer_norm", name="layernorm_before"),
               call("grouped_query_attention", "d / h", "h", "h", use_bias="true", query_bias="{qkv_bias}",
                    key_bias="{qkv_bias}", value_bias="{qkv_bias}", name="attention"))
    + norm_first("m", call("layer_norm", name="layernorm_after"), mlp("ff", "d", "mlp.fc1", "mlp.fc2"))) + stack(
    "ViTEncoder", "d, h, ff, L", "ViTLayer(d, h, ff)", final=call("layer_norm", name="layernorm"))
_VIT_EMBEDDINGS = """\
    patches = conv2d(d, p, strides=p, name="embeddings.patch_embeddings.projection") -> flatten(start_dim=2)
        -> permute((2, 1))
    cls = parameter((1, 1, d), name="embeddings.cls_token") -> reshape((1, d))
    pos = parameter((1, shape(patches)[0] + 1, d), name="embeddings.position_embeddings")
        -> reshape((shape(patches)[0] + 1, d))
    cls -> concatenate(patches, axis=1) -> add(pos) -> ViTEncoder(d, h, ff, L)
"""
_FIRST_TOKEN = "cropping1d((0, shape(patches)[0])) -> flatten"
VIT = Family(
    "vit", "ViT: patch embedding, class token and position table, pre-LayerNorm encoder layers",
    (Size("C", "num_channels", 3, "image channels"),
     Size("H", "image_size", 224, "image height"),
     Size("W", "image_size", 224, "image width"),
     Size("p", "patch_size", 16, "patch size"),
     Size("d", "hidden_size", 768, "width"),
     Size("h", "num_attention_heads", 12, "heads"),
     Size("ff", "intermediate_size", 3072, "MLP width"),
     Size("L", "num_hidden_layers", 12, "layers"),
     Size("classes", "id2label", 2, "labels (the number of id2label entries)", counted=True)),
    _VIT_BLOCKS,
    {"ViTModel": _VIT_EMBEDDINGS + f'    pooled = {_FIRST_TOKEN} -> dense(d, name="pooler.dense") -> tanh\n',
     "ViTForImageClassification": _VIT_EMBEDDINGS + f'    {_FIRST_TOKEN} -> dense(classes, name="classifier")\n'},
    "ViTModel", inputs="    input image (C, H, W)\n",
    switches=(Switch("qkv_bias", True),),
    neutral=frozenset({"encoder_stride", "pooler_act", "label2id", "num_labels"}))
