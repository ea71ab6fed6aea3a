"""The generated part of a training sequence, per variant (teacher forcing).

Each position j holds an input token, a *role* (what the token predicted from position j is)
and a target (-100: no loss):

| variant         | inputs                              | targets                             |
|-----------------|-------------------------------------|-------------------------------------|
| `motion`        | `<bos> m1..mk`                      | `m1..mk <end>`                      |
| `tokens`        | `<bos> a1..aN`                      | `a1..aN <end>`                      |
| `motion+tokens` | `<bos> m1..mk <act> a1..aN`         | `m1..mk <act> a1..aN <end>`         |
| `flow`          | `<flow>`                            | none (the `<flow>` state queries D) |
| `motion+flow`   | `<bos> m1..mk <flow>`               | `m1..mk <flow>` (part 2)            |

`a1..aN` are the action tokens of `token_chunk` steps x `action_dims` slots, step-major. A slot
whose action is padded (a dim the embodiment lacks, or a step past the episode end) has input
`<pad>` and no target, so it carries no loss. Roles: 0 = motion words (the model decides when
they end), 1 = the closing token (`<end>` or the flow query), 2 + n = action slot n. Sequences
are right-padded to the longest in the batch (`valid` False there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from motionprior.tokens.vocabulary import ACT, BOS, END, FLOW, PAD

IGNORE = -100
ROLE_WORDS, ROLE_CLOSE, ROLE_SLOT0 = 0, 1, 2


@dataclass
class Layout:
    inputs: Tensor  # [B, G] model token ids
    roles: Tensor  # [B, G]
    targets: Tensor  # [B, G], IGNORE where no loss
    valid: Tensor  # [B, G] bool
    flow_pos: Tensor  # [B] position of the <flow> input, -1 if none
    is_motion_target: Tensor  # [B, G] bool: the target is a motion word or the word closer


def build_layout(*, motion: Sequence[Sequence[int]] | None, action_bins: Tensor | None,
                 slot_mask: Tensor | None, action_start: int, flow: bool,
                 batch_size: int) -> Layout:
    """Assemble the generated sequences of a batch.

    motion: model ids of each sample's motion words (None: no words). action_bins / slot_mask:
    `[B, N]` bin indices and validity of the action slots (None: no action tokens).
    """
    rows = []
    for b in range(batch_size):
        inputs, roles, targets, motion_t = [], [], [], []
        if motion is not None:
            words = list(motion[b])
            closer = FLOW if flow else (ACT if action_bins is not None else END)
            inputs += [BOS, *words]
            roles += [ROLE_WORDS] * (len(words) + 1)
            targets += [*words, closer]
            motion_t += [True] * (len(words) + 1)
            if flow:
                inputs.append(FLOW)
                roles.append(ROLE_CLOSE)
                targets.append(IGNORE)
                motion_t.append(False)
        elif flow:
            inputs, roles, targets, motion_t = [FLOW], [ROLE_CLOSE], [IGNORE], [False]
        if action_bins is not None:
            # <bos> (or <act> after the words) predicts slot 0; slot s predicts slot s + 1
            inputs.append(ACT if motion is not None else BOS)
            roles.append(ROLE_SLOT0)
            targets.append(IGNORE)
            motion_t.append(False)
            n = action_bins.shape[1]
            bins, ok = action_bins[b].tolist(), slot_mask[b].tolist()
            for s in range(n):
                inputs.append(action_start + bins[s] if ok[s] else PAD)
                roles.append(ROLE_SLOT0 + s + 1 if s + 1 < n else ROLE_CLOSE)
                targets.append(IGNORE)
                motion_t.append(False)
            # targets shifted: position of the token before slot s predicts slot s
            first = len(inputs) - n - 1
            for s in range(n):
                targets[first + s] = action_start + bins[s] if ok[s] else IGNORE
            targets[-1] = END
        rows.append((inputs, roles, targets, motion_t))
    g = max(len(r[0]) for r in rows)
    out = {k: torch.full((batch_size, g), v, dtype=torch.long)
           for k, v in (("inputs", PAD), ("roles", ROLE_CLOSE), ("targets", IGNORE))}
    valid = torch.zeros(batch_size, g, dtype=torch.bool)
    is_motion = torch.zeros(batch_size, g, dtype=torch.bool)
    flow_pos = torch.full((batch_size,), -1, dtype=torch.long)
    for b, (inputs, roles, targets, motion_t) in enumerate(rows):
        n = len(inputs)
        out["inputs"][b, :n] = torch.tensor(inputs)
        out["roles"][b, :n] = torch.tensor(roles)
        out["targets"][b, :n] = torch.tensor(targets)
        valid[b, :n] = True
        is_motion[b, :n] = torch.tensor(motion_t)
        if FLOW in inputs:
            flow_pos[b] = inputs.index(FLOW)
    return Layout(out["inputs"], out["roles"], out["targets"], valid, flow_pos, is_motion)
