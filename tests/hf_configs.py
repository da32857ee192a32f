"""Small Hugging Face configs drawn per family, for the live import and check tests:
widths, depths, heads, key/value heads, tied and untied embeddings."""
from hypothesis import strategies as st

HEADS = {"llama": ("LlamaForCausalLM",), "mistral": ("MistralForCausalLM",), "mixtral": ("MixtralForCausalLM",),
         "qwen2": ("Qwen2ForCausalLM",), "qwen2_moe": ("Qwen2MoeForCausalLM",), "qwen3": ("Qwen3ForCausalLM",),
         "qwen3_moe": ("Qwen3MoeForCausalLM",), "gemma": ("GemmaForCausalLM",),
         "gemma2": ("Gemma2ForCausalLM",), "phi3": ("Phi3ForCausalLM",), "gpt2": ("GPT2LMHeadModel",),
         "gpt_neox": ("GPTNeoXForCausalLM",), "bert": ("BertForMaskedLM",), "roberta": ("RobertaForMaskedLM",),
         "distilbert": ("DistilBertForMaskedLM",), "t5": ("T5ForConditionalGeneration",),
         "vit": ("ViTForImageClassification",), "whisper": ("WhisperForConditionalGeneration",)}


@st.composite
def llama_like(draw, model_type):
    hkv = draw(st.integers(1, 4))
    hq = hkv * draw(st.integers(1, 3))
    head = 2 * draw(st.integers(1, 8))
    config = {"model_type": model_type, "architectures": list(HEADS[model_type]),
              "vocab_size": draw(st.integers(40, 300)), "hidden_size": hq * head,
              "num_attention_heads": hq, "num_key_value_heads": hkv,
              "intermediate_size": draw(st.integers(1, 64)), "num_hidden_layers": draw(st.integers(1, 3)),
              "max_position_embeddings": 64, "tie_word_embeddings": draw(st.booleans()),
              "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2}
    if model_type in ("gemma", "gemma2") or draw(st.booleans()):
        config["head_dim"] = 2 * draw(st.integers(1, 8))
    if model_type in ("llama", "gemma", "gemma2", "qwen3", "qwen3_moe"):
        config["attention_bias"] = draw(st.booleans())
    if model_type == "llama":
        config["mlp_bias"] = draw(st.booleans())
    if model_type == "mixtral":
        config["num_local_experts"] = draw(st.integers(1, 4))
        config["num_experts_per_tok"] = draw(st.integers(1, config["num_local_experts"]))
    if model_type in ("qwen2_moe", "qwen3_moe"):
        config.update(num_experts=draw(st.integers(1, 4)), decoder_sparse_step=1,
                      moe_intermediate_size=draw(st.integers(1, 32)))
        config["num_experts_per_tok"] = draw(st.integers(1, config["num_experts"]))
    if model_type == "qwen2_moe":
        config["shared_expert_intermediate_size"] = draw(st.integers(1, 32))
        config["qkv_bias"] = draw(st.booleans())
    return config


@st.composite
def gpt2(draw):
    h = draw(st.integers(1, 4))
    config = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": draw(st.integers(40, 300)),
              "n_embd": h * draw(st.integers(1, 8)), "n_head": h, "n_layer": draw(st.integers(1, 3)),
              "n_positions": draw(st.integers(8, 64)), "tie_word_embeddings": draw(st.booleans())}
    if draw(st.booleans()):
        config["n_inner"] = draw(st.integers(1, 64))
    return config


@st.composite
def gpt_neox(draw):
    h = draw(st.integers(1, 4))
    config = {"model_type": "gpt_neox", "architectures": ["GPTNeoXForCausalLM"],
              "vocab_size": draw(st.integers(40, 300)), "hidden_size": h * 4 * draw(st.integers(1, 4)),
              "num_attention_heads": h, "intermediate_size": draw(st.integers(1, 64)),
              "num_hidden_layers": draw(st.integers(1, 3)), "max_position_embeddings": 64,
              "tie_word_embeddings": draw(st.booleans()), "attention_bias": draw(st.booleans())}
    if draw(st.booleans()):
        config["rotary_pct"] = draw(st.sampled_from([0.25, 0.5, 1.0]))
    return config


@st.composite
def bert_like(draw, model_type):
    h = draw(st.integers(1, 4))
    d = h * draw(st.integers(1, 8))
    if model_type == "distilbert":
        return {"model_type": model_type, "architectures": list(HEADS[model_type]),
                "vocab_size": draw(st.integers(40, 300)), "dim": d, "n_heads": h,
                "hidden_dim": draw(st.integers(1, 64)), "n_layers": draw(st.integers(1, 3)),
                "max_position_embeddings": draw(st.integers(8, 64)), "tie_word_embeddings": draw(st.booleans()),
                "pad_token_id": 0}
    return {"model_type": model_type, "architectures": list(HEADS[model_type]),
            "vocab_size": draw(st.integers(40, 300)), "hidden_size": d, "num_attention_heads": h,
            "intermediate_size": draw(st.integers(1, 64)), "num_hidden_layers": draw(st.integers(1, 3)),
            "max_position_embeddings": draw(st.integers(8, 64)), "type_vocab_size": draw(st.integers(1, 3)),
            "pad_token_id": 0, "bos_token_id": 0, "eos_token_id": 0}


@st.composite
def t5(draw):
    config = {"model_type": "t5", "architectures": ["T5ForConditionalGeneration"],
              "vocab_size": draw(st.integers(40, 300)), "d_model": draw(st.integers(1, 32)),
              "d_kv": draw(st.integers(1, 8)), "num_heads": draw(st.integers(1, 4)), "d_ff": draw(st.integers(1, 64)),
              "num_layers": draw(st.integers(1, 3)), "relative_attention_num_buckets": draw(st.integers(1, 32)),
              "tie_word_embeddings": draw(st.booleans()), "pad_token_id": 0, "eos_token_id": 1,
              "decoder_start_token_id": 0}
    if draw(st.booleans()):
        config["num_decoder_layers"] = draw(st.integers(1, 3))
    return config


@st.composite
def vit(draw):
    h = draw(st.integers(1, 4))
    p = draw(st.integers(1, 4))
    return {"model_type": "vit", "architectures": ["ViTForImageClassification"], "hidden_size": h * draw(st.integers(1, 8)),
            "num_attention_heads": h, "intermediate_size": draw(st.integers(1, 64)),
            "num_hidden_layers": draw(st.integers(1, 3)), "patch_size": p, "image_size": p * draw(st.integers(1, 4)),
            "num_channels": draw(st.integers(1, 3)), "qkv_bias": draw(st.booleans()),
            "id2label": {str(i): f"L{i}" for i in range(draw(st.integers(1, 5)))}}


@st.composite
def whisper(draw):
    he, hdec = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return {"model_type": "whisper", "architectures": ["WhisperForConditionalGeneration"],
            "vocab_size": draw(st.integers(40, 300)), "d_model": he * hdec * draw(st.integers(1, 3)),
            "encoder_attention_heads": he, "decoder_attention_heads": hdec,
            "encoder_ffn_dim": draw(st.integers(1, 64)), "decoder_ffn_dim": draw(st.integers(1, 64)),
            "encoder_layers": draw(st.integers(1, 3)), "decoder_layers": draw(st.integers(1, 3)),
            "max_source_positions": draw(st.integers(1, 16)), "max_target_positions": draw(st.integers(1, 16)),
            "num_mel_bins": draw(st.integers(1, 8)), "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2,
            "decoder_start_token_id": 1}


def strategy(model_type):
    if model_type == "whisper":
        return whisper()
    if model_type == "vit":
        return vit()
    if model_type == "t5":
        return t5()
    if model_type == "gpt2":
        return gpt2()
    if model_type == "gpt_neox":
        return gpt_neox()
    if model_type in ("bert", "roberta", "distilbert"):
        return bert_like(model_type)
    return llama_like(model_type)
