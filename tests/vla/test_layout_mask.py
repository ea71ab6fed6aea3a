import torch

from motionprior.tokens.vocabulary import ACT, BOS, END, FLOW, PAD
from motionprior.vla.backbone import prefix_lm_mask
from motionprior.vla.layout import IGNORE, ROLE_CLOSE, ROLE_SLOT0, ROLE_WORDS, build_layout


def test_prefix_lm_mask():
    valid = torch.tensor([[True, True, False, True, True, True]])
    m = prefix_lm_mask(valid, prefix_len=3)[0, 0]
    # prefix tokens see the valid prefix (both ways), never a generated token
    assert m[0, :3].tolist() == [True, True, False] and not m[0, 3:].any()
    assert m[1, 0] and m[0, 1]
    # generated tokens see the valid prefix, themselves and earlier generated tokens only
    assert m[4].tolist() == [True, True, False, True, True, False]
    assert m[5].tolist() == [True, True, False, True, True, True]
    assert m[3].tolist() == [True, True, False, True, False, False]


def test_layout_motion_tokens_hand_computed():
    bins = torch.tensor([[3, 4, 5, 6]])
    ok = torch.tensor([[True, False, True, True]])
    lay = build_layout(motion=[[10, 11]], action_bins=bins, slot_mask=ok, action_start=100,
                       flow=False, batch_size=1)
    assert lay.inputs[0].tolist() == [BOS, 10, 11, ACT, 103, PAD, 105, 106]
    assert lay.targets[0].tolist() == [10, 11, ACT, 103, IGNORE, 105, 106, END]
    assert lay.roles[0].tolist() == [ROLE_WORDS] * 3 + [ROLE_SLOT0, ROLE_SLOT0 + 1,
                                                         ROLE_SLOT0 + 2, ROLE_SLOT0 + 3,
                                                         ROLE_CLOSE]
    assert lay.is_motion_target[0].tolist() == [True] * 3 + [False] * 5


def test_layout_variants_and_padding():
    tokens = build_layout(motion=None, action_bins=torch.tensor([[1, 2], [3, 4]]),
                          slot_mask=torch.ones(2, 2, dtype=torch.bool), action_start=50,
                          flow=False, batch_size=2)
    assert tokens.inputs.tolist() == [[BOS, 51, 52], [BOS, 53, 54]]
    assert tokens.targets.tolist() == [[51, 52, END], [53, 54, END]]
    words = build_layout(motion=[[7], [7, 8, 9]], action_bins=None, slot_mask=None,
                         action_start=50, flow=False, batch_size=2)
    assert words.inputs.tolist() == [[BOS, 7, PAD, PAD], [BOS, 7, 8, 9]]
    assert words.targets.tolist() == [[7, END, IGNORE, IGNORE], [7, 8, 9, END]]
    assert words.valid.tolist() == [[True, True, False, False], [True] * 4]
    flow = build_layout(motion=None, action_bins=None, slot_mask=None, action_start=50,
                        flow=True, batch_size=2)
    assert flow.inputs.tolist() == [[FLOW], [FLOW]] and flow.flow_pos.tolist() == [0, 0]
    assert (flow.targets == IGNORE).all()
    both = build_layout(motion=[[7, 8]], action_bins=None, slot_mask=None, action_start=50,
                        flow=True, batch_size=1)
    assert both.inputs[0].tolist() == [BOS, 7, 8, FLOW]
    assert both.targets[0].tolist() == [7, 8, FLOW, IGNORE] and both.flow_pos.tolist() == [3]
