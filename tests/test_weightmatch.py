"""The weight matcher behind `symparams check`, on hand-written weight lists (no framework)."""
from symparams.weightmatch import Entry, first_divergence, live_entry, match, totals


def file_(name, shape, index=None, where=None):
    return Entry(name, shape, "trainable", where or name, index)


def live(name, shape, kind="trainable"):
    return live_entry(name, shape, kind)


def statuses(pairs):
    return [(p.status, p.file.name if p.file else None, p.live.name if p.live else None) for p in pairs]


def test_names_match_with_layer_indices_removed_in_index_order():
    file = [file_("layers.0.self_attn.q_proj.weight", (4, 4), 0), file_("layers.1.self_attn.q_proj.weight", (4, 4), 1)]
    got = match(file, [live("model.layers.1.self_attn.q_proj.weight", (4, 4)),
                       live("model.layers.0.self_attn.q_proj.weight", (4, 4))])
    assert statuses(got) == [
        ("matched", "layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.q_proj.weight"),
        ("matched", "layers.1.self_attn.q_proj.weight", "model.layers.1.self_attn.q_proj.weight")]


def test_the_longest_name_wins_and_suffixes_end_at_a_dot():
    file = [file_("layer.output.dense.weight", (4, 8)), file_("attention.output.dense.weight", (4, 4))]
    got = match(file, [live("encoder.layer.0.attention.output.dense.weight", (4, 4)),
                       live("encoder.layer.0.output.dense.weight", (4, 8))])
    assert [s for s, _, _ in statuses(got)] == ["matched", "matched"]


def test_a_generic_name_pairs_by_shape_instead():
    """`dense.weight` ends three live names: it says nothing, so shapes decide, in order."""
    file = [file_("dense.weight", (8, 4)), file_("dense_1.weight", (4, 8))]
    got = match(file, [live("a.dense.weight", (8, 4)), live("b.dense.weight", (4, 8)), live("c.dense.weight", (2, 2))])
    assert statuses(got) == [("by order", "dense.weight", "a.dense.weight"),
                             ("by order", "dense_1.weight", "b.dense.weight"),
                             ("missing", None, "c.dense.weight")]


CASES = [
    # file weights, live weights, statuses, first divergence
    ([("fc.weight", (3, 4))], [("fc.weight", (4, 3))], ["transposed"], None),
    ([("fc.weight", (3, 4))], [("fc.weight", (5, 4))], ["shape mismatch"], "fc.weight (shape mismatch: fc.weight)"),
    ([("fc.weight", (3, 4)), ("fc.bias", (3,))], [("fc.weight", (3, 4))], ["matched", "extra"],
     "fc.bias (extra: fc.bias)"),
    ([("fc.weight", (3, 4))], [("fc.weight", (3, 4)), ("fc.bias", (3,))], ["matched", "missing"],
     "live fc.bias (missing from the file)"),
    ([("q.weight", (3, 4))], [("query.weight", (3, 4))], ["by order"], None),
]


def test_statuses_and_first_divergence():
    for file, lives, expected, divergence in CASES:
        pairs = match([file_(n, s) for n, s in file], [live(n, s) for n, s in lives])
        assert [p.status for p in pairs] == expected, file
        assert first_divergence(pairs) == divergence, file


def test_totals_keep_buffers_apart():
    entries = [live("w", (3, 4)), live("frozen", (2,), "frozen"), live("running_mean", (5,), "buffer")]
    assert totals(entries) == {"params": 14, "trainable": 12, "buffers": 5}


def test_block_calls_pair_stage_by_stage_in_the_live_models_order():
    """A folded ResNet names each Bottleneck call's conv `conv1`: the calls pair with the stem's
    conv1, then layer1.0, layer1.1, layer2.0 (index 0 again) in the order the live model shows the
    stages, not by index alone, which would put layer2.0 before layer1.1."""
    file = [file_("conv1.weight", (64, 3, 7, 7)), file_("conv1.weight", (64, 64, 1, 1), 0),
            file_("conv1.weight", (64, 256, 1, 1), 1), file_("conv1.weight", (128, 256, 1, 1), 0)]
    got = match(file, [live("conv1.weight", (64, 3, 7, 7)), live("layer1.0.conv1.weight", (64, 64, 1, 1)),
                       live("layer1.1.conv1.weight", (64, 256, 1, 1)), live("layer2.0.conv1.weight", (128, 256, 1, 1))])
    assert statuses(got) == [("matched", "conv1.weight", "conv1.weight"),
                             ("matched", "conv1.weight", "layer1.0.conv1.weight"),
                             ("matched", "conv1.weight", "layer1.1.conv1.weight"),
                             ("matched", "conv1.weight", "layer2.0.conv1.weight")]
