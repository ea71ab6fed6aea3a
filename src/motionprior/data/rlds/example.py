"""The `tf.train.Example` protobuf, built at import from a descriptor (no TensorFlow, no protoc).

Field numbers and types follow tensorflow/core/example/{example,feature}.proto: Example.features
(1) -> Features.feature (1, map<string, Feature>) -> Feature oneof kind {bytes_list (1),
float_list (2), int64_list (3)}, each a packed `repeated value = 1`.
"""

from __future__ import annotations

import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError

from motionprior.errors import DataError

_F = descriptor_pb2.FieldDescriptorProto


def _build_example_class():
    fdp = descriptor_pb2.FileDescriptorProto(
        name="motionprior_tf_example.proto", package="tensorflow", syntax="proto3"
    )
    for name, kind in (("BytesList", _F.TYPE_BYTES), ("FloatList", _F.TYPE_FLOAT),
                       ("Int64List", _F.TYPE_INT64)):
        m = fdp.message_type.add(name=name)
        m.field.add(name="value", number=1, label=_F.LABEL_REPEATED, type=kind)
    feature = fdp.message_type.add(name="Feature")
    feature.oneof_decl.add(name="kind")
    for number, name, message in ((1, "bytes_list", "BytesList"), (2, "float_list", "FloatList"),
                                  (3, "int64_list", "Int64List")):
        feature.field.add(name=name, number=number, label=_F.LABEL_OPTIONAL,
                          type=_F.TYPE_MESSAGE, type_name=f".tensorflow.{message}", oneof_index=0)
    features = fdp.message_type.add(name="Features")
    entry = features.nested_type.add(name="FeatureEntry")
    entry.options.map_entry = True
    entry.field.add(name="key", number=1, label=_F.LABEL_OPTIONAL, type=_F.TYPE_STRING)
    entry.field.add(name="value", number=2, label=_F.LABEL_OPTIONAL, type=_F.TYPE_MESSAGE,
                    type_name=".tensorflow.Feature")
    features.field.add(name="feature", number=1, label=_F.LABEL_REPEATED, type=_F.TYPE_MESSAGE,
                       type_name=".tensorflow.Features.FeatureEntry")
    example = fdp.message_type.add(name="Example")
    example.field.add(name="features", number=1, label=_F.LABEL_OPTIONAL, type=_F.TYPE_MESSAGE,
                      type_name=".tensorflow.Features")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("tensorflow.Example"))


Example = _build_example_class()

Value = np.ndarray | list[bytes]


def parse_example(payload: bytes, where: str) -> dict[str, Value]:
    """Decode a serialized Example into {key: float32/int64 array or list of bytes}."""
    try:
        message = Example.FromString(payload)
    except DecodeError as e:
        raise DataError(f"{where}: not a tf.train.Example protobuf ({e})") from None
    out: dict[str, Value] = {}
    for key, feature in message.features.feature.items():
        kind = feature.WhichOneof("kind")
        if kind == "float_list":
            out[key] = np.asarray(feature.float_list.value, dtype=np.float32)
        elif kind == "int64_list":
            out[key] = np.asarray(feature.int64_list.value, dtype=np.int64)
        elif kind == "bytes_list":
            out[key] = list(feature.bytes_list.value)
        else:
            out[key] = np.zeros(0, dtype=np.float32)
    return out


def serialize_example(features: dict[str, Value]) -> bytes:
    """Build a serialized Example (used by tests and fixtures)."""
    message = Example()
    for key, value in features.items():
        feature = message.features.feature[key]
        if isinstance(value, list):
            feature.bytes_list.value.extend(value)
        elif np.issubdtype(np.asarray(value).dtype, np.integer):
            feature.int64_list.value.extend(np.asarray(value).ravel().tolist())
        else:
            feature.float_list.value.extend(np.asarray(value, np.float32).ravel().tolist())
    return message.SerializeToString()
