"""`tf.train.Example` with the `protobuf` package: no TensorFlow, no protoc step.

The message classes are built at import from a `FileDescriptorProto` that restates
tensorflow/core/example/{feature,example}.proto (proto3, same package, names, field numbers;
repeated floats and int64s packed, as proto3 does by default):

    message BytesList { repeated bytes value = 1; }
    message FloatList { repeated float value = 1 [packed = true]; }
    message Int64List { repeated int64 value = 1 [packed = true]; }
    message Feature   { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2;
                                     Int64List int64_list = 3; } }
    message Features  { map<string, Feature> feature = 1; }
    message Example   { Features features = 1; }

They live in a private descriptor pool, so they never clash with TensorFlow's classes if both
are imported. For speed, `parse_example` reads a second, wire-compatible *raw view* whose
FloatList declares `repeated bytes value = 1`: a packed float field is one length-delimited run
of little-endian float32, so the view hands those bytes over untouched and `np.frombuffer`
makes the array with no per-float Python work. An unpacked float list (legal, if rare) lands in
the view's unknown fields; that one feature is then re-parsed with the typed class.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError

from motionprior.errors import DataError

_F = descriptor_pb2.FieldDescriptorProto
Value = np.ndarray | list[bytes]
FeatureValue = Value


def _field(msg: Any, name: str, number: int, ftype: int, *, repeated: bool = False,
           type_name: str = "", oneof: int | None = None, packed: bool = False) -> None:
    f = msg.field.add(name=name, number=number, type=ftype)
    f.label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
    if type_name:
        f.type_name = type_name
    if oneof is not None:
        f.oneof_index = oneof
    if packed:
        f.options.packed = True


def _add_feature(fdp: Any, name: str, float_list: str) -> None:
    msg = fdp.message_type.add(name=name)
    msg.oneof_decl.add(name="kind")
    _field(msg, "bytes_list", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.BytesList", oneof=0)
    _field(msg, "float_list", 2, _F.TYPE_MESSAGE, type_name=float_list, oneof=0)
    _field(msg, "int64_list", 3, _F.TYPE_MESSAGE, type_name=".tensorflow.Int64List", oneof=0)


def _add_features_and_example(fdp: Any, pkg: str, prefix: str) -> None:
    msg = fdp.message_type.add(name=f"{prefix}Features")
    entry = msg.nested_type.add(name="FeatureEntry")
    entry.options.map_entry = True
    _field(entry, "key", 1, _F.TYPE_STRING)
    _field(entry, "value", 2, _F.TYPE_MESSAGE, type_name=f".{pkg}.{prefix}Feature")
    _field(msg, "feature", 1, _F.TYPE_MESSAGE, repeated=True,
           type_name=f".{pkg}.{prefix}Features.FeatureEntry")
    _field(fdp.message_type.add(name=f"{prefix}Example"), "features", 1, _F.TYPE_MESSAGE,
           type_name=f".{pkg}.{prefix}Features")


def _example_file() -> descriptor_pb2.FileDescriptorProto:
    fdp = descriptor_pb2.FileDescriptorProto(
        name="tensorflow/core/example/example.proto", package="tensorflow", syntax="proto3"
    )
    _field(fdp.message_type.add(name="BytesList"), "value", 1, _F.TYPE_BYTES, repeated=True)
    for name, ftype in (("FloatList", _F.TYPE_FLOAT), ("Int64List", _F.TYPE_INT64)):
        _field(fdp.message_type.add(name=name), "value", 1, ftype, repeated=True, packed=True)
    _add_feature(fdp, "Feature", ".tensorflow.FloatList")
    _add_features_and_example(fdp, "tensorflow", "")
    return fdp


def _raw_view_file() -> descriptor_pb2.FileDescriptorProto:
    fdp = descriptor_pb2.FileDescriptorProto(
        name="motionprior/rlds/example_raw.proto", package="motionprior_raw", syntax="proto3",
        dependency=["tensorflow/core/example/example.proto"],
    )
    _field(fdp.message_type.add(name="RawFloatList"), "value", 1, _F.TYPE_BYTES, repeated=True)
    _add_feature(fdp, "RawFeature", ".motionprior_raw.RawFloatList")
    _add_features_and_example(fdp, "motionprior_raw", "Raw")
    return fdp


_POOL = descriptor_pool.DescriptorPool()
_POOL.Add(_example_file())
_POOL.Add(_raw_view_file())


def _message_class(name: str) -> Any:
    return message_factory.GetMessageClass(_POOL.FindMessageTypeByName(name))


BytesList = _message_class("tensorflow.BytesList")
FloatList = _message_class("tensorflow.FloatList")
Int64List = _message_class("tensorflow.Int64List")
Feature = _message_class("tensorflow.Feature")
Features = _message_class("tensorflow.Features")
Example = _message_class("tensorflow.Example")
_RawExample = _message_class("motionprior_raw.RawExample")


def parse_example(payload: bytes, where: str = "record") -> dict[str, Value]:
    """Decode a serialized Example into {key: float32/int64 array or list of bytes}.

    Float arrays are read-only views of `payload`'s packed runs (copy before mutating or
    keeping them long); a feature with no kind set becomes an empty float32 array. `where`
    prefixes error messages (e.g. "file.tfrecord: record 3").
    """
    try:
        message = _RawExample.FromString(payload)
    except DecodeError as e:
        reason = str(e).rsplit(": ", 1)[-1]  # drop the internal raw-view type name
        raise DataError(f"{where}: not a tf.train.Example protobuf ({reason})") from None
    out: dict[str, Value] = {}
    for key, feature in message.features.feature.items():
        kind = feature.WhichOneof("kind")
        if kind == "float_list":
            out[key] = _floats(feature, key, where)
        elif kind == "int64_list":
            values = feature.int64_list.value
            out[key] = np.fromiter(values, dtype=np.int64, count=len(values))
        elif kind == "bytes_list":
            out[key] = list(feature.bytes_list.value)
        else:
            out[key] = np.zeros(0, dtype=np.float32)
    return out


def _floats(feature: Any, key: str, where: str) -> np.ndarray:
    chunks = list(feature.float_list.value)
    if feature.float_list.ByteSize() != sum(_field_size(len(c)) for c in chunks):
        typed = Feature.FromString(feature.SerializeToString())  # unpacked floats: slow path
        values = typed.float_list.value
        return np.fromiter(values, dtype=np.float32, count=len(values))
    buf = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if len(buf) % 4:
        raise DataError(f"{where}: float feature {key!r} holds {len(buf)} bytes, not float32s")
    return np.frombuffer(buf, dtype="<f4")


def _field_size(n: int) -> int:
    """Encoded size of one length-delimited field 1 carrying n bytes: tag, varint(n), bytes."""
    varint = 1
    while n >> (7 * varint):
        varint += 1
    return 1 + varint + n


def serialize_example(features: dict[str, Value | list[str]]) -> bytes:
    """Build a serialized Example: lists of bytes/str, integer arrays, float arrays.

    Used by tests and to write small RLDS-style fixtures.
    """
    message = Example()
    for key, value in features.items():
        feature = message.features.feature[key]
        if isinstance(value, list):
            feature.bytes_list.value.extend(v.encode() if isinstance(v, str) else v for v in value)
        elif np.issubdtype(np.asarray(value).dtype, np.integer) or np.asarray(value).dtype == bool:
            feature.int64_list.value.extend(np.asarray(value, np.int64).ravel().tolist())
        else:
            feature.float_list.value.extend(np.asarray(value, np.float32).ravel().tolist())
    return message.SerializeToString()
