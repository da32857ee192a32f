"""Transformers written with torch.nn for `symparams import torch` round trips (ResNet-50 is in
check_models.py). Each is a callable returning an nn.Module, as `import torch` and `check` take."""


def vit(image=224, patch=16, d=768, heads=12, depth=12, mlp=3072, classes=1000):
    """ViT-B/16 as the paper builds it: a patch convolution, a class token and a position table
    (nn.Parameter), pre-LayerNorm blocks on nn.MultiheadAttention, a head on the class token."""
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1 = nn.LayerNorm(d)
            self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
            self.norm2 = nn.LayerNorm(d)
            self.mlp = nn.Sequential(nn.Linear(d, mlp), nn.GELU(), nn.Linear(mlp, d))

        def forward(self, x):
            h = self.norm1(x)
            x = x + self.attn(h, h, h, need_weights=False)[0]
            return x + self.mlp(self.norm2(x))

    class ViT(nn.Module):
        def __init__(self):
            super().__init__()
            self.patch_embed = nn.Conv2d(3, d, patch, stride=patch)
            self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
            self.pos_embed = nn.Parameter(torch.zeros(1, (image // patch) ** 2 + 1, d))
            self.blocks = nn.Sequential(*[Block() for _ in range(depth)])
            self.norm = nn.LayerNorm(d)
            self.head = nn.Linear(d, classes)

        def forward(self, x):
            x = self.patch_embed(x).flatten(2).transpose(1, 2)
            x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
            return self.head(self.norm(self.blocks(x))[:, 0])

    return ViT()


def gpt2(vocab=50257, positions=1024, d=768, heads=12, depth=12):
    """GPT-2 small's body (transformers' GPT2Model: 124,439,808 params) from torch.nn modules:
    token and position embeddings, pre-LayerNorm blocks with causal nn.MultiheadAttention, ln_f."""
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(d)
            self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
            self.ln_2 = nn.LayerNorm(d)
            self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate="tanh"), nn.Linear(4 * d, d))

        def forward(self, x):
            size = x.size(1)
            causal = x.new_ones((size, size), dtype=torch.bool).triu(1)
            h = self.ln_1(x)
            x = x + self.attn(h, h, h, attn_mask=causal, need_weights=False)[0]
            return x + self.mlp(self.ln_2(x))

    class GPT2(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(vocab, d)
            self.wpe = nn.Embedding(positions, d)
            self.drop = nn.Dropout(0.1)
            self.h = nn.ModuleList([Block() for _ in range(depth)])
            self.ln_f = nn.LayerNorm(d)

        def forward(self, idx):
            x = self.drop(self.wte(idx) + self.wpe(torch.arange(idx.size(1), device=idx.device)))
            for block in self.h:
                x = block(x)
            return self.ln_f(x)

    return GPT2()


def _hf(config_class, model_class, **sizes):
    import transformers
    return getattr(transformers, model_class)(getattr(transformers, config_class)(**sizes))


_VISION = dict(hidden_size=64, num_hidden_layers=3, num_attention_heads=4, intermediate_size=256,
               image_size=32, patch_size=8)


def hf_vit():
    """transformers' ViTModel (its pooler included) on a small config: torch.fx cannot trace it."""
    return _hf("ViTConfig", "ViTModel", **_VISION)


def hf_deit():
    """transformers' DeiTModel: a class token and a distillation token before the patches."""
    return _hf("DeiTConfig", "DeiTModel", **_VISION)


def hf_bert():
    """transformers' BertModel: its attention's output projection is in another module."""
    return _hf("BertConfig", "BertModel", vocab_size=100, hidden_size=64, num_hidden_layers=2,
               num_attention_heads=4, intermediate_size=128, max_position_embeddings=32)
