"""Reading a GGUF file's header: its metadata and its list of tensors, never the weights.

Two jobs need it: the memory guard, which must know a model's size before anything slow
starts (transformers' own reading of a GGUF dequantises every tensor first: about a
minute for the 270M on two cores), and the GGUF export, which copies a template's
metadata key by key.

gguf-py's `GGUFReader` reads the same header, but it builds a numpy view per array item:
13 s for the 262,144 tokens of Gemma 3's vocabulary on two cores, against under a second
here. The tensor data is never touched.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# GGUF's metadata value types (gguf.GGUFValueType) as struct formats, little-endian.
_FORMATS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q"}
_FORMATS[12] = "d"
STRING, ARRAY = 8, 9


class GGUFHeaderError(ValueError):
    """The file is not a GGUF file this reader understands; the message is one line."""


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]  # numpy (and torch) order: GGUF lists dimensions innermost first
    type: int  # a gguf.GGMLQuantizationType value


@dataclass(frozen=True)
class GGUFHeader:
    """A GGUF file's metadata as (value type, value, array item type) by key, strings as
    raw bytes; its tensors' names and shapes in file order."""

    path: Path
    fields: dict[str, tuple[int, Any, int | None]]
    tensors: list[TensorInfo]

    def scalar(self, key: str) -> Any:
        field = self.fields.get(key)
        return None if field is None or field[0] == ARRAY else field[1]

    def text(self, key: str) -> str | None:
        value = self.scalar(key)
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else None


class _Cursor:
    """Little-endian reads through a memory-mapped GGUF file."""

    def __init__(self, data: mmap.mmap, pos: int) -> None:
        self.data, self.pos = data, pos

    def scalar(self, fmt: str) -> Any:
        (value,) = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return value

    def string(self) -> bytes:
        size = self.scalar("Q")
        value = self.data[self.pos : self.pos + size]
        if len(value) != size:
            raise ValueError("truncated string")
        self.pos += size
        return value

    def value(self, vtype: int) -> tuple[Any, int | None]:
        if vtype == STRING:
            return self.string(), None
        if vtype in _FORMATS:
            return self.scalar(_FORMATS[vtype]), None
        if vtype != ARRAY:
            raise ValueError(f"unknown value type {vtype}")
        item_type, count = self.scalar("I"), self.scalar("Q")
        if item_type == STRING:
            return [self.string() for _ in range(count)], item_type
        if item_type not in _FORMATS:
            raise ValueError(f"arrays of value type {item_type} (nested arrays) are not supported")
        fmt = f"<{count}{_FORMATS[item_type]}"
        if self.pos + struct.calcsize(fmt) > len(self.data):
            raise ValueError("truncated array")
        items = list(struct.unpack_from(fmt, self.data, self.pos))
        self.pos += struct.calcsize(fmt)
        return items, item_type


def read_header(path: Path) -> GGUFHeader:
    """`path`'s metadata and tensor list; GGUFHeaderError (one line) if it is not GGUF
    (or not a version this reader knows), OSError if it cannot be opened."""
    with path.open("rb") as handle:
        if handle.read(4) != b"GGUF":
            raise GGUFHeaderError(f"{path} is not a GGUF file")
        try:
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                cursor = _Cursor(data, 4)
                version = cursor.scalar("I")
                if version not in (2, 3):
                    raise ValueError(f"version {version} (or big-endian) is not supported")
                n_tensors, n_fields = cursor.scalar("Q"), cursor.scalar("Q")
                fields: dict[str, tuple[int, Any, int | None]] = {}
                for _ in range(n_fields):
                    key = cursor.string().decode("utf-8")
                    vtype = cursor.scalar("I")
                    value, item_type = cursor.value(vtype)
                    fields[key] = (vtype, value, item_type)
                tensors = []
                for _ in range(n_tensors):
                    tensor_name = cursor.string().decode("utf-8")
                    dims = [cursor.scalar("Q") for _ in range(cursor.scalar("I"))]
                    ggml_type = cursor.scalar("I")
                    cursor.scalar("Q")  # the data's offset: the data is never read
                    tensors.append(TensorInfo(tensor_name, tuple(reversed(dims)), ggml_type))
        except (ValueError, struct.error, UnicodeDecodeError) as exc:
            raise GGUFHeaderError(f"{path} could not be read as GGUF: {exc}") from exc
    return GGUFHeader(path, fields, tensors)
