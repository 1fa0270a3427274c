"""The pure-Python TF checkpoint reader and writer (``avscene.convert.tf_checkpoint``; step 14)."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from avscene.convert import tf_checkpoint as T

FIXTURE = Path(__file__).parent / "fixtures" / "tf_checkpoint"


def tf_values() -> dict[str, np.ndarray]:
    with np.load(FIXTURE / "tf_written_values.npz") as npz:
        return {k.replace("|", "/"): npz[k] for k in npz.files}


def test_reads_a_checkpoint_tensorflow_wrote():
    reader = T.CheckpointReader(FIXTURE / "tf_written")
    expected = tf_values()
    assert list(reader.variables()) == sorted(expected)  # every variable, in the index's order
    for name, value in expected.items():
        got = reader[name]
        assert got.dtype == value.dtype and got.shape == value.shape, name
        np.testing.assert_array_equal(got, value)
    info = reader.variables()["im/conv1/weights"]
    assert (info.dtype, info.shape) == ("float32", (5, 7, 7, 3, 4))
    assert int(reader["global_step"]) == 650000
    assert T.CheckpointReader(FIXTURE / "tf_written.index").prefix == reader.prefix  # the .index path works too


def test_crc32c_known_values():
    assert T.crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value
    assert T.crc32c(b"") == 0
    assert T.masked_crc32c(b"") == 0xA282EAD8


def test_python_crc32c_matches_the_c_one(monkeypatch):
    data = bytes(range(256)) * 3
    fast = T.crc32c(data)
    monkeypatch.setitem(__import__("sys").modules, "google_crc32c", None)  # import fails: the table path
    assert T.crc32c(data) == fast


@pytest.mark.parametrize("block_size,restart", [(4096, 16), (64, 1), (10_000, 3)])
def test_write_read_round_trip(tmp_path, block_size, restart, monkeypatch):
    rng = np.random.default_rng(0)
    values = {f"net/layer{i}/w": rng.standard_normal((i % 4 + 1, 3)).astype(np.float32) for i in range(60)}
    values.update(step=np.asarray(7, np.int64), f64=np.arange(3.0), flag=np.asarray([True, False]),
                  small=np.arange(4, dtype=np.int8), empty=np.zeros((0, 3), np.float32))
    original = T.write_table
    monkeypatch.setattr(T, "write_table", lambda e: original(e, block_size=block_size, restart_interval=restart))
    prefix = T.write_checkpoint(tmp_path / "ck-7", values)
    back = T.read_checkpoint(prefix)
    assert sorted(back) == sorted(values)
    for k, v in values.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape
        np.testing.assert_array_equal(back[k], v)


def test_writer_is_byte_identical_to_itself_and_reads_tf_layout(tmp_path):
    values = tf_values()
    a = T.write_checkpoint(tmp_path / "a", values)
    b = T.write_checkpoint(tmp_path / "b", values)
    assert Path(f"{a}.index").read_bytes() == Path(f"{b}.index").read_bytes()
    # the data file holds the tensors in sorted-name order, back to back, as TF's own file does
    assert Path(f"{a}.data-00000-of-00001").read_bytes() == (FIXTURE / "tf_written.data-00000-of-00001").read_bytes()


def copy_fixture(tmp_path: Path) -> Path:
    for p in FIXTURE.glob("tf_written.*"):
        shutil.copy(p, tmp_path / p.name)
    return tmp_path / "tf_written"


def test_damaged_data_is_named(tmp_path):
    prefix = copy_fixture(tmp_path)
    data = Path(f"{prefix}.data-00000-of-00001")
    raw = bytearray(data.read_bytes())
    info = T.CheckpointReader(prefix).variables()["sf/conv1_1/weights"]
    raw[info.offset + 10] ^= 0xFF
    data.write_bytes(bytes(raw))
    reader = T.CheckpointReader(prefix)
    reader["im/conv1/weights"]  # an untouched variable still reads
    with pytest.raises(T.CheckpointError, match=r"data-00000-of-00001.*sf/conv1_1/weights.*checksum"):
        reader["sf/conv1_1/weights"]
    data.write_bytes(bytes(raw[: info.offset + 5]))
    with pytest.raises(T.CheckpointError, match="truncated"):
        T.CheckpointReader(prefix)["sf/conv1_1/weights"]


@pytest.mark.parametrize("damage,message", [
    (lambda raw: raw[:-60], "bad magic|truncated|damaged"),
    (lambda raw: raw[:20], "too short"),
    (lambda raw: raw[:100] + bytes([raw[100] ^ 0x55]) + raw[101:], "checksum"),
    (lambda raw: raw[:-1] + b"\x00", "bad magic"),
])
def test_damaged_index_is_named(tmp_path, damage, message):
    prefix = copy_fixture(tmp_path)
    index = Path(f"{prefix}.index")
    index.write_bytes(damage(index.read_bytes()))
    with pytest.raises(T.CheckpointError, match=message) as err:
        T.CheckpointReader(prefix)
    assert "tf_written.index" in str(err.value)


def test_missing_files_and_wrong_kinds(tmp_path):
    with pytest.raises(T.CheckpointError, match="no such checkpoint index"):
        T.CheckpointReader(tmp_path / "net.tf-1")
    (tmp_path / "v1").write_bytes(b"old")
    with pytest.raises(T.CheckpointError, match="V1"):
        T.CheckpointReader(tmp_path / "v1")
    with pytest.raises(T.CheckpointError, match="a folder"):
        T.CheckpointReader(tmp_path)
    prefix = copy_fixture(tmp_path)
    Path(f"{prefix}.data-00000-of-00001").unlink()
    with pytest.raises(T.CheckpointError, match="data-00000-of-00001: missing"):
        T.CheckpointReader(prefix)
    with pytest.raises(KeyError, match="no variable"):
        T.CheckpointReader(FIXTURE / "tf_written")["nope"]
    with pytest.raises(ValueError, match="cannot write"):
        T.write_checkpoint(tmp_path / "bad", {"s": np.asarray(["text"])})


def test_latest_prefix(tmp_path):
    for step in (5, 40, 300):
        T.write_checkpoint(tmp_path / f"net.tf-{step}", {"x": np.zeros(1, np.float32)})
    assert T.latest_prefix(tmp_path) == tmp_path / "net.tf-300"  # highest step, not the last name
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "/elsewhere/net.tf-40"\n'
                                         'all_model_checkpoint_paths: "/elsewhere/net.tf-300"\n')
    assert T.latest_prefix(tmp_path) == tmp_path / "net.tf-40"  # the checkpoint file decides, moved folders too
    assert T.latest_prefix(tmp_path / "net.tf-5.index") == tmp_path / "net.tf-5"
    with pytest.raises(T.CheckpointError, match="no checkpoint"):
        T.latest_prefix(tmp_path / "sub" if (tmp_path / "sub").mkdir() is None else tmp_path)
