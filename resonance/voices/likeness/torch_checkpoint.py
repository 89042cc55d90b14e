"""Float tensors out of a PyTorch checkpoint in torch's legacy (pre-1.6) format, without torch and without running it.

The format is five pickles in a row (magic number, protocol version, system info, the object, the storage keys),
then each storage's raw bytes after an int64 element count. Every pickle goes through an unpickler that knows only
the three names a plain float state dict uses and builds numpy arrays from them; any other name (an attacker's
`posix.system`, say) is refused before it is looked up.
"""

from __future__ import annotations

import collections
import io
import pickle
import struct
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
_FLOAT32 = "<f4"


class CheckpointRefused(ValueError):
    """The file is not a plain float checkpoint in torch's legacy format."""


class _FloatStorage:
    """Stands for `torch.FloatStorage` in persistent ids; never instantiated."""


@dataclass
class _Storage:
    count: int
    data: np.ndarray | None = None


@dataclass(frozen=True)
class _TensorView:
    """A tensor as the pickle describes it; its storage's bytes come after the pickle."""

    storage: _Storage
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]

    def array(self) -> np.ndarray:
        data = self.storage.data
        if data is None:
            raise CheckpointRefused("a tensor's storage is missing from the checkpoint")
        if len(self.shape) != len(self.stride):
            raise CheckpointRefused("a tensor's shape and strides do not match")
        if any(n < 0 for n in self.shape) or any(s < 0 for s in self.stride) or self.offset < 0:
            raise CheckpointRefused("a tensor has a negative size, stride or offset")
        last = self.offset + sum((n - 1) * s for n, s in zip(self.shape, self.stride)) if all(self.shape) else -1
        if last >= data.size:
            raise CheckpointRefused("a tensor reaches past the end of its storage")
        if int(np.prod(self.shape, dtype=np.int64)) > data.size:  # repeated (stride 0) views would still allocate
            raise CheckpointRefused("a tensor is larger than its storage")
        view = np.lib.stride_tricks.as_strided(
            data[self.offset :], self.shape, tuple(s * data.itemsize for s in self.stride), writeable=False
        )
        return np.array(view, np.float32)


def _rebuild_tensor_v2(storage, offset, shape, stride, requires_grad=False, hooks=None, metadata=None) -> _TensorView:
    if not isinstance(storage, _Storage):
        raise CheckpointRefused("a tensor is built from something other than a float storage")
    return _TensorView(storage, int(offset), tuple(int(n) for n in shape), tuple(int(s) for s in stride))


_ALLOWED = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch", "FloatStorage"): _FloatStorage,
    ("collections", "OrderedDict"): collections.OrderedDict,
}


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: BinaryIO, storages: dict[str, _Storage]):
        super().__init__(file)
        self._storages = storages

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise CheckpointRefused(f"the checkpoint names {module}.{name}, which a weights file has no use for") from None

    def persistent_load(self, pid):
        # ("storage", storage type, key, device, element count, view metadata)
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage" and pid[1] is _FloatStorage):
            raise CheckpointRefused(f"unsupported persistent id in the checkpoint: {pid!r:.80}")
        _, _, key, _device, count, view = pid
        if view is not None or not isinstance(key, str) or not isinstance(count, int) or count < 0:
            raise CheckpointRefused("unsupported storage in the checkpoint")
        storage = self._storages.setdefault(key, _Storage(count))
        if storage.count != count:
            raise CheckpointRefused(f"storage {key} has two sizes in the checkpoint")
        return storage


def _load(file: BinaryIO, storages: dict[str, _Storage]):
    try:
        return _Unpickler(file, storages).load()
    except CheckpointRefused:
        raise
    except Exception as error:  # a truncated or malformed pickle
        raise CheckpointRefused(f"not a readable checkpoint: {error}") from None


def _materialise(obj):
    if isinstance(obj, _TensorView):
        return obj.array()
    if isinstance(obj, dict):
        return {key: _materialise(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_materialise(value) for value in obj)
    return obj


def read_checkpoint(data: bytes):
    """The checkpoint's object with every tensor as a float32 numpy array (dicts, lists and plain values as they are)."""
    file = io.BytesIO(data)
    storages: dict[str, _Storage] = {}
    if _load(file, storages) != MAGIC_NUMBER:
        raise CheckpointRefused("not a PyTorch checkpoint in the legacy format (bad magic number)")
    if _load(file, storages) != PROTOCOL_VERSION:
        raise CheckpointRefused("unsupported PyTorch checkpoint protocol version")
    info = _load(file, storages)
    if not isinstance(info, dict) or info.get("little_endian") is not True:
        raise CheckpointRefused("only little-endian checkpoints are supported")
    result = _load(file, storages)
    keys = _load(file, storages)
    if not isinstance(keys, list) or set(keys) != set(storages):
        raise CheckpointRefused("the checkpoint's storage list does not match its tensors")
    for key in keys:
        storage = storages[key]
        header = file.read(8)
        if len(header) != 8 or struct.unpack("<q", header)[0] != storage.count:
            raise CheckpointRefused(f"storage {key} is truncated or has the wrong size")
        raw = file.read(storage.count * 4)
        if len(raw) != storage.count * 4:
            raise CheckpointRefused(f"storage {key} is truncated")
        storage.data = np.frombuffer(raw, _FLOAT32)
    return _materialise(result)
