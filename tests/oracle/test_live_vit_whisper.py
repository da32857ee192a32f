"""examples/vit.arch and examples/whisper.arch against Hugging Face transformers, live:
the published sizes built from a config on the meta device (no weights downloaded), and
small configurations run forward for their MACs (torch.utils.flop_counter, eager attention,
FLOPs / 2 on a batch of one), with Whisper's attention weights under their own names.
torchvision does not load with this CPU torch; Hugging Face's ViTForImageClassification has
torchvision's vit_b_16 count, 86,567,656."""
from collections import Counter

import pytest

pytest.importorskip("transformers", reason="transformers is not installed: pip install -e .[oracle]")

import symparams
from support import EXAMPLES

CONVENTIONS = ("keras", "torch")


def _meta(build):
    import torch

    with torch.device("meta"):
        return build()


def _counts(model):
    params = sum(p.numel() for p in model.parameters())
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    return params, frozen


def _flop_macs(run):
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        run()
    return counter.get_total_flops() // 2


def _ours(name, convention, defaults=False, **values):
    net = symparams.load(str(EXAMPLES / name)).model(convention=convention, values=values)
    return net.with_defaults() if defaults else net


# ---- ViT ---------------------------------------------------------------------------------

def test_vit_b16_matches_vit_for_image_classification():
    from transformers import ViTConfig, ViTForImageClassification

    params, _ = _counts(_meta(lambda: ViTForImageClassification(ViTConfig(num_labels=1000))))
    assert params == 86_567_656
    for convention in CONVENTIONS:
        assert int(_ours("vit.arch", convention, defaults=True).params) == params


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_small_vit_params_and_macs(convention):
    import torch
    from transformers import ViTConfig, ViTForImageClassification

    hf = ViTForImageClassification(ViTConfig(image_size=32, patch_size=8, hidden_size=64, num_hidden_layers=2,
                                             num_attention_heads=4, intermediate_size=128, num_labels=10,
                                             attn_implementation="eager")).eval()
    ours = _ours("vit.arch", convention, H=32, W=32, p=8, d=64, h=4, ff=128, L=2, classes=10)
    assert int(ours.params) == _counts(hf)[0]
    assert int(ours.macs) == _flop_macs(lambda: hf(pixel_values=torch.randn(1, 3, 32, 32)))


# ---- Whisper -------------------------------------------------------------------------------

def _whisper_config(**sizes):
    from transformers import WhisperConfig

    return WhisperConfig(d_model=sizes["d"], encoder_layers=sizes["L"], decoder_layers=sizes["L"],
                         encoder_attention_heads=sizes["h"], decoder_attention_heads=sizes["h"],
                         encoder_ffn_dim=sizes["ff"], decoder_ffn_dim=sizes["ff"], vocab_size=sizes["V"],
                         num_mel_bins=sizes["n_mels"], max_source_positions=sizes["S"],
                         max_target_positions=sizes["P"], attn_implementation="eager",
                         # token ids inside a small vocabulary; they change no size
                         pad_token_id=0, bos_token_id=0, eos_token_id=0, decoder_start_token_id=0,
                         suppress_tokens=[], begin_suppress_tokens=[])


TINY = dict(n_mels=80, S=1500, P=448, V=51865, d=384, h=6, ff=1536, L=4)   # openai/whisper-tiny's config


def test_whisper_tiny_matches_whispermodel():
    from transformers import WhisperModel

    params, frozen = _counts(_meta(lambda: WhisperModel(_whisper_config(**TINY))))
    assert (params, frozen) == (37_760_640, 576_000)
    for convention in CONVENTIONS:
        net = _ours("whisper.arch", convention, defaults=True)
        assert (int(net.params), int(net.non_trainable)) == (params, frozen)


SMALL = dict(n_mels=8, S=12, P=16, V=50, d=32, h=4, ff=64, L=2)


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_small_whisper_params_and_macs(convention):
    import torch
    from transformers import WhisperModel

    hf = WhisperModel(_whisper_config(**SMALL)).eval()
    T = 10
    ours = _ours("whisper.arch", convention, T=T, **SMALL)
    assert (int(ours.params), int(ours.non_trainable)) == _counts(hf)
    features = torch.randn(1, SMALL["n_mels"], 2 * SMALL["S"])
    ids = torch.randint(0, SMALL["V"], (1, T))
    assert int(ours.macs) == _flop_macs(lambda: hf(input_features=features, decoder_input_ids=ids))


def test_small_whisper_weight_names():
    """Every weight's shape, and each attention's weights under WhisperAttention's names."""
    from transformers import WhisperModel

    hf = WhisperModel(_whisper_config(**SMALL))
    ours = _ours("whisper.arch", "torch", T=10, **SMALL)
    our_shapes = Counter(tuple(int(d) for d in w.shape) for r in ours.layers for w in r.weights)
    assert our_shapes == Counter(tuple(p.shape) for p in hf.parameters())
    for hf_prefix, our_name in (("encoder.layers.0.self_attn.", "self_attn"),
                                ("decoder.layers.0.encoder_attn.", "encoder_attn")):
        hf_weights = sorted((n[len(hf_prefix):], tuple(p.shape)) for n, p in hf.named_parameters()
                            if n.startswith(hf_prefix))
        row = next(r for r in ours.layers if r.name == our_name)
        assert sorted((w.name, tuple(int(d) for d in w.shape)) for w in row.weights) == hf_weights
