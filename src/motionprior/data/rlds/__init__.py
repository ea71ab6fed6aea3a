"""RLDS / TFRecord reading (Open X-Embodiment) without TensorFlow."""

from motionprior.data.rlds.reader import episode_from_example, read_rlds, shard_files
from motionprior.data.rlds.standardize import (
    RLDSStandardization,
    get_standardization,
    register_standardization,
)
from motionprior.data.rlds.tfrecord import masked_crc32c, read_records

__all__ = [
    "RLDSStandardization",
    "episode_from_example",
    "get_standardization",
    "masked_crc32c",
    "read_records",
    "read_rlds",
    "register_standardization",
    "shard_files",
]
