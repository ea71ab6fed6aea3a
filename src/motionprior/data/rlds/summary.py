"""A quick look at an RLDS split: episodes, steps, instructions, cameras and placeholders."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from motionprior.data.embodiments import get_embodiment
from motionprior.data.rlds.reader import decode_frames, instruction_text, iter_parsed
from motionprior.data.rlds.shards import Source, resolve_shards
from motionprior.data.rlds.standardize import get_standardization

_OBS = "steps/observation/"


@dataclass(frozen=True)
class RLDSSummary:
    """Counts over one split. `black_frames[camera] = (all-black frames, frames)` is filled only
    when images were decoded; `keys` are the feature keys of the first record."""

    dataset: str
    split: str
    files: tuple[str, ...]
    episodes: int
    steps: int
    instructions: dict[str, int]
    keys: tuple[str, ...]
    black_frames: dict[str, tuple[int, int]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [
            f"dataset {self.dataset}, split {self.split}: {self.episodes} episodes, "
            f"{self.steps} steps in {len(self.files)} file(s)",
            f"{len(self.instructions)} distinct instructions",
        ]
        for cam, (black, total) in sorted(self.black_frames.items()):
            out.append(f"camera {cam}: {black}/{total} frames all black (placeholder)")
        return out


def summarize_rlds(
    source: Source, dataset: str = "bridge", split: str = "train", *, images: bool = False
) -> RLDSSummary:
    """Scan `split` once. With `images=True`, every camera in the records (not only the
    entry's defaults) is decoded to count all-black placeholder frames."""
    entry = get_standardization(dataset)
    action_dim = get_embodiment(entry.embodiment).action_dim
    shards = resolve_shards(source, split)
    episodes = steps = 0
    instructions: Counter[str] = Counter()
    black: dict[str, list[int]] = {}
    keys: tuple[str, ...] = ()
    for rec in iter_parsed(shards):
        feats = rec.features
        if not keys:
            keys = tuple(sorted(feats))
        texts = feats.get(entry.instruction_key)
        action = feats.get(entry.action_key)
        n = action.size // action_dim if isinstance(action, np.ndarray) else 0
        if isinstance(texts, list):
            instructions[instruction_text(texts, rec.where)] += 1
        episodes, steps = episodes + 1, steps + n
        if not images:
            continue
        for key, value in feats.items():
            if key.startswith(_OBS) and isinstance(value, list) and value:
                frames = decode_frames(value, f"{rec.where}: {key!r}")
                counts = black.setdefault(key[len(_OBS):], [0, 0])
                counts[0] += int(np.sum(frames.reshape(len(frames), -1).max(axis=1) == 0))
                counts[1] += len(frames)
    return RLDSSummary(
        dataset=entry.name,
        split=split,
        files=tuple(str(f) for f in shards.files),
        episodes=episodes,
        steps=steps,
        instructions=dict(instructions),
        keys=keys,
        black_frames={k: (v[0], v[1]) for k, v in black.items()},
    )
