"""Reading torch's legacy checkpoints without torch: tensors come out right, and nothing but tensors comes out."""

from __future__ import annotations

import io
import os
import pickle
import struct
import sys
import types
from collections import OrderedDict

import numpy as np
import pytest

from resonance.voices.likeness.torch_checkpoint import MAGIC_NUMBER, PROTOCOL_VERSION, CheckpointRefused, read_checkpoint


class Storage:
    def __init__(self, key: str, data: np.ndarray):
        self.key, self.data = key, np.asarray(data, np.float32)


@pytest.fixture
def write_checkpoint(monkeypatch):
    """`write_checkpoint(obj) -> bytes` in torch's legacy layout, as torch.save wrote it before 1.6.

    `obj` holds `tensor(storage, offset, shape, stride)` results; the pickle names the same globals torch's would.
    """
    torch, utils = types.ModuleType("torch"), types.ModuleType("torch._utils")

    class FloatStorage:
        pass

    def _rebuild_tensor_v2(*args):
        raise AssertionError("never called while writing")

    FloatStorage.__module__, FloatStorage.__qualname__ = "torch", "FloatStorage"
    _rebuild_tensor_v2.__module__, _rebuild_tensor_v2.__qualname__ = "torch._utils", "_rebuild_tensor_v2"
    torch.FloatStorage, utils._rebuild_tensor_v2, torch._utils = FloatStorage, _rebuild_tensor_v2, utils
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch._utils", utils)

    class Pickler(pickle.Pickler):
        def __init__(self, file):
            super().__init__(file, protocol=2)
            self.storages: dict[str, Storage] = {}

        def persistent_id(self, obj):
            if isinstance(obj, Storage):
                self.storages.setdefault(obj.key, obj)
                return ("storage", FloatStorage, obj.key, "cpu", obj.data.size, None)
            return None

    def write(obj) -> bytes:
        body = io.BytesIO()
        pickler = Pickler(body)
        pickler.dump(obj)
        parts = [pickle.dumps(MAGIC_NUMBER, 2), pickle.dumps(PROTOCOL_VERSION, 2),
                 pickle.dumps({"protocol_version": PROTOCOL_VERSION, "little_endian": True}, 2), body.getvalue(),
                 pickle.dumps(list(pickler.storages), 2)]
        for storage in pickler.storages.values():
            parts += [struct.pack("<q", storage.data.size), storage.data.astype("<f4").tobytes()]
        return b"".join(parts)

    write.rebuild = _rebuild_tensor_v2
    return write


def tensor(write_checkpoint, storage, offset, shape, stride):
    class Tensor:
        def __reduce__(self):
            return write_checkpoint.rebuild, (storage, offset, shape, stride, False, OrderedDict())

    return Tensor()


def test_tensors_sharing_a_storage_come_out_with_their_offsets_and_strides(write_checkpoint):
    shared = Storage("1", np.arange(10))
    state = OrderedDict(first=tensor(write_checkpoint, shared, 0, (2, 3), (3, 1)),
                        transposed=tensor(write_checkpoint, shared, 4, (3, 2), (1, 3)),
                        alone=tensor(write_checkpoint, Storage("2", [7.5]), 0, (1,), (1,)))
    checkpoint = read_checkpoint(write_checkpoint({"step": 3, "model_state": state}))
    assert checkpoint["step"] == 3
    got = checkpoint["model_state"]
    np.testing.assert_array_equal(got["first"], [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(got["transposed"], [[4, 7], [5, 8], [6, 9]])
    np.testing.assert_array_equal(got["alone"], [7.5])
    assert got["first"].dtype == np.float32


class RunsCommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


class Evaluates:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return eval, (f"open({str(self.marker)!r}, 'w')",)


@pytest.mark.parametrize(("payload", "named"), [(RunsCommand, "posix.system"), (Evaluates, "eval")])
def test_a_checkpoint_naming_any_other_global_is_refused_without_running_it(write_checkpoint, tmp_path, payload,
                                                                            named):
    """Attack: a pretrained.pt whose pickle calls os.system (or eval) when torch.load or pickle.load reads it."""
    marker = tmp_path / "ran"
    state = OrderedDict(weight=tensor(write_checkpoint, Storage("1", [1.0]), 0, (1,), (1,)), hook=payload(marker))
    data = write_checkpoint({"model_state": state})
    with pytest.raises(CheckpointRefused, match=named):
        read_checkpoint(data)
    assert not marker.exists()


def test_a_truncated_or_foreign_file_is_refused(write_checkpoint):
    data = write_checkpoint({"w": tensor(write_checkpoint, Storage("1", np.ones(4)), 0, (4,), (1,))})
    with pytest.raises(CheckpointRefused, match="truncated"):
        read_checkpoint(data[:-4])
    with pytest.raises(CheckpointRefused, match="past the end"):
        read_checkpoint(write_checkpoint({"w": tensor(write_checkpoint, Storage("1", np.ones(4)), 2, (4,), (1,))}))
    with pytest.raises(CheckpointRefused):
        read_checkpoint(b"PK\x03\x04 a zip archive, not the legacy format")


def test_a_view_larger_than_its_storage_is_refused(write_checkpoint):
    """Attack: a stride-0 view stays inside its one-value storage but would allocate a huge array."""
    one = Storage("1", [1.0])
    huge = write_checkpoint({"w": tensor(write_checkpoint, one, 0, (100_000, 100_000), (0, 0))})
    with pytest.raises(CheckpointRefused, match="larger than its storage"):
        read_checkpoint(huge)
    mismatched = write_checkpoint({"w": tensor(write_checkpoint, Storage("2", np.arange(4)), 0, (2, 2), (1,))})
    with pytest.raises(CheckpointRefused, match="shape and strides"):
        read_checkpoint(mismatched)
