"""RLDS / TFRecord reading (Open X-Embodiment) without TensorFlow.

    read_rlds(source, dataset="bridge", split="train")    -> Iterator[Episode]
    count_rlds(source, split="train")                     -> int
    summarize_rlds(source, dataset, split, images=False)  -> RLDSSummary

Layers: tfrecord.py (record framing, CRC32C), example.py (tf.train.Example via protobuf),
standardize.py (per-dataset key mapping), shards.py (split -> files), reader.py (-> Episode).
"""

from motionprior.data.rlds.example import Example, parse_example, serialize_example
from motionprior.data.rlds.reader import count_rlds, episode_from_example, read_rlds
from motionprior.data.rlds.shards import Shards, resolve_shards, shard_files
from motionprior.data.rlds.standardize import (
    RLDSStandardization,
    get_standardization,
    known_standardizations,
    register_standardization,
)
from motionprior.data.rlds.summary import RLDSSummary, summarize_rlds
from motionprior.data.rlds.tfrecord import (
    count_records,
    crc32c,
    iter_records,
    masked_crc32c,
    read_records,
    write_records,
)

__all__ = [
    "Example",
    "RLDSStandardization",
    "RLDSSummary",
    "Shards",
    "count_records",
    "count_rlds",
    "crc32c",
    "episode_from_example",
    "get_standardization",
    "iter_records",
    "known_standardizations",
    "masked_crc32c",
    "parse_example",
    "read_records",
    "read_rlds",
    "register_standardization",
    "resolve_shards",
    "serialize_example",
    "shard_files",
    "summarize_rlds",
    "write_records",
]
