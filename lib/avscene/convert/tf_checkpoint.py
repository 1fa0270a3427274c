"""Read and write TensorFlow's checkpoint format (V2 "tensor bundle") in pure Python (step 14; notebook 09).

The authors' released models (``multisensory-nets.zip``) are TF 1.8 checkpoints: ``PREFIX.index`` and
``PREFIX.data-00000-of-00001``. Reading them needs no TensorFlow:

* ``PREFIX.index`` is a LevelDB-style sorted table: data blocks of prefix-compressed ``key -> value`` entries
  with restart points, each followed by a 5-byte trailer (compression byte, masked CRC-32C), an index block
  pointing at them, and a 48-byte footer ending in the magic ``0xdb4775248b80fb57``.
* The entry under the empty key is a ``BundleHeaderProto`` (``num_shards``, endianness, version); every other
  key is a variable's name and its value a ``BundleEntryProto`` (dtype, shape, shard, offset, size, masked
  CRC-32C of the bytes).
* ``PREFIX.data-SSSSS-of-NNNNN`` holds the tensors' raw little-endian bytes at those offsets.

:class:`CheckpointReader` verifies every checksum and names the file and the problem on any damage
(:class:`CheckpointError`); :func:`write_checkpoint` writes the same format (TF's ``tf.train.load_checkpoint``
reads it: ``tests/fixtures/tf_checkpoint``), for :func:`avscene.convert.convert.export` and tests.

Why not ``tensorflow`` where present: it installs 1.3 GB this project needs nowhere else, it lags behind
new Python versions, and the format is small; one reader everywhere means one code
path to test, and the fixture shows it returns exactly what TensorFlow's reader returns. CRC-32C uses
``google_crc32c`` (C) when installed, else a pure-Python table (slow on large tensors, same result).
"""
from __future__ import annotations

import os
import re
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48  # two block handles padded to 40 bytes + the 8-byte magic
BLOCK_TRAILER = 5  # compression type byte + fixed32 masked crc32c
HEADER_KEY = b""

#: TF ``DataType`` enum -> numpy dtype (the numeric types a checkpoint of these models can hold).
DTYPES: dict[int, np.dtype] = {
    1: np.dtype("<f4"), 2: np.dtype("<f8"), 3: np.dtype("<i4"), 4: np.dtype("u1"), 5: np.dtype("<i2"),
    6: np.dtype("i1"), 9: np.dtype("<i8"), 10: np.dtype("?"), 17: np.dtype("<u2"), 19: np.dtype("<f2"),
    22: np.dtype("<u4"), 23: np.dtype("<u8"),
}
DTYPE_NAMES = {1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8", 7: "string",
               9: "int64", 10: "bool", 14: "bfloat16", 17: "uint16", 19: "float16", 22: "uint32", 23: "uint64"}
_TF_DTYPE = {np.dtype(v).str: k for k, v in DTYPES.items()}


class CheckpointError(ValueError):
    """A checkpoint that is missing, damaged or in a form this reader does not handle; names the file."""


# --------------------------------------------------------------------------------------------- crc32c
def _crc32c_table() -> list[int]:
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
        table.append(crc)
    return table


_TABLE: list[int] | None = None


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli) of ``data``: ``google_crc32c`` (C) when installed, else a table in Python."""
    try:
        import google_crc32c
        return int(google_crc32c.value(bytes(data)))
    except ImportError:
        global _TABLE
        _TABLE = _TABLE or _crc32c_table()
        crc = 0xFFFFFFFF
        for byte in bytes(data):
            crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
        return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """LevelDB's masked CRC (stored checksums are masked so that CRCs of CRCs stay informative)."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# ------------------------------------------------------------------------------------ varints, protobuf
def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise IndexError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _put_varint(value: int) -> bytes:
    if value < 0:
        value &= (1 << 64) - 1  # protobuf encodes negative int64 as 10-byte two's complement
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _fields(buf: bytes) -> list[tuple[int, int | bytes]]:
    """A protobuf message -> ``[(field number, int or bytes)]`` (fixed32/64 decoded as unsigned ints)."""
    out: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = struct.unpack_from("<Q", buf, pos)[0], pos + 8
        elif wire == 2:
            n, pos = _varint(buf, pos)
            if pos + n > len(buf):
                raise IndexError("truncated field")
            value, pos = bytes(buf[pos:pos + n]), pos + n
        elif wire == 5:
            value, pos = struct.unpack_from("<I", buf, pos)[0], pos + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        out.append((number, value))
    return out


def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _field(number: int, value: int | bytes, wire: int | None = None) -> bytes:
    if isinstance(value, bytes):
        return _put_varint(number << 3 | 2) + _put_varint(len(value)) + value
    if wire == 5:
        return _put_varint(number << 3 | 5) + struct.pack("<I", value)
    return _put_varint(number << 3) + _put_varint(value)


# --------------------------------------------------------------------------------------- tensor entries
@dataclass(frozen=True)
class TensorInfo:
    """One variable's ``BundleEntryProto``: where its bytes are and what they hold."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    shard: int
    offset: int
    size: int
    crc32c: int | None  # masked; None when the writer stored none
    dtype_enum: int = 1
    sliced: bool = False


def _shape(buf: bytes) -> tuple[int, ...]:
    dims = []
    for number, value in _fields(buf):
        if number == 2:  # TensorShapeProto.dim
            size = next((_signed64(v) for n, v in _fields(value) if n == 1), 0)  # type: ignore[arg-type]
            dims.append(size)
        elif number == 3 and value:
            raise ValueError("a tensor of unknown rank")
    return tuple(dims)


def _entry(name: str, buf: bytes) -> TensorInfo:
    dtype = shard = offset = size = 0
    shape: tuple[int, ...] = ()
    crc: int | None = None
    sliced = False
    for number, value in _fields(buf):
        if number == 1:
            dtype = int(value)  # type: ignore[arg-type]
        elif number == 2:
            shape = _shape(value)  # type: ignore[arg-type]
        elif number == 3:
            shard = int(value)  # type: ignore[arg-type]
        elif number == 4:
            offset = int(value)  # type: ignore[arg-type]
        elif number == 5:
            size = int(value)  # type: ignore[arg-type]
        elif number == 6:
            crc = int(value)  # type: ignore[arg-type]
        elif number == 7:
            sliced = True
    return TensorInfo(name, DTYPE_NAMES.get(dtype, f"dtype#{dtype}"), shape, shard, offset, size, crc,
                      dtype, sliced)


def _encode_entry(dtype: int, shape: tuple[int, ...], offset: int, size: int, crc: int) -> bytes:
    dims = b"".join(_field(2, _field(1, int(d))) for d in shape)
    msg = _field(1, dtype) + _field(2, dims)
    if offset:
        msg += _field(4, offset)
    if size:
        msg += _field(5, size)
    return msg + _field(6, crc, wire=5)


# ------------------------------------------------------------------------------------- the sorted table
def _block(data: bytes, offset: int, size: int, path: Path) -> bytes:
    end = offset + size + BLOCK_TRAILER
    if offset < 0 or end > len(data):
        raise CheckpointError(f"{path}: truncated (a block at bytes {offset}..{end} of {len(data)})")
    contents = data[offset:offset + size]
    kind = data[offset + size]
    (stored,) = struct.unpack_from("<I", data, offset + size + 1)
    if masked_crc32c(contents + bytes([kind])) != stored:
        raise CheckpointError(f"{path}: damaged (checksum mismatch in the block at byte {offset})")
    if kind != 0:
        raise CheckpointError(f"{path}: a compressed index block (type {kind}); only uncompressed tables "
                              "(what TensorFlow writes for checkpoints) are supported")
    return contents


def _block_entries(block: bytes) -> list[tuple[bytes, bytes]]:
    (restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    limit = len(block) - 4 - 4 * restarts
    if limit < 0:
        raise ValueError("bad restart count")
    entries, key, pos = [], b"", 0
    while pos < limit:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        length, pos = _varint(block, pos)
        if shared > len(key) or pos + unshared + length > limit:
            raise ValueError("entry overruns its block")
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        entries.append((key, block[pos:pos + length]))
        pos += length
    return entries


def _handle(buf: bytes, pos: int) -> tuple[int, int, int]:
    offset, pos = _varint(buf, pos)
    size, pos = _varint(buf, pos)
    return offset, size, pos


def read_table(path: Path) -> list[tuple[bytes, bytes]]:
    """Every ``(key, value)`` of a checkpoint index (a LevelDB-format table), checksums verified."""
    data = path.read_bytes()
    if len(data) < FOOTER_SIZE:
        raise CheckpointError(f"{path}: {len(data)} bytes, too short for a checkpoint index (truncated?)")
    footer = data[-FOOTER_SIZE:]
    lo, hi = struct.unpack_from("<II", footer, 40)
    if (hi << 32 | lo) != MAGIC:
        raise CheckpointError(f"{path}: not a TensorFlow checkpoint index (bad magic number)")
    try:
        _, _, pos = _handle(footer, 0)  # the metaindex block (empty in checkpoints)
        index_offset, index_size, _ = _handle(footer, pos)
        entries = []
        for _, handle in _block_entries(_block(data, index_offset, index_size, path)):
            offset, size, _ = _handle(handle, 0)
            entries += _block_entries(_block(data, offset, size, path))
    except CheckpointError:
        raise
    except (ValueError, IndexError, struct.error) as exc:
        raise CheckpointError(f"{path}: damaged checkpoint index ({exc})") from exc
    return entries


def _build_block(entries: list[tuple[bytes, bytes]], restart_interval: int) -> bytes:
    out, restarts, last = bytearray(), [], b""
    for i, (key, value) in enumerate(entries):
        shared = 0
        if i % restart_interval == 0:
            restarts.append(len(out))
        else:
            n = min(len(key), len(last))
            while shared < n and key[shared] == last[shared]:
                shared += 1
        out += _put_varint(shared) + _put_varint(len(key) - shared) + _put_varint(len(value))
        out += key[shared:] + value
        last = key
    restarts = restarts or [0]
    out += b"".join(struct.pack("<I", r) for r in restarts) + struct.pack("<I", len(restarts))
    return bytes(out)


def write_table(entries: list[tuple[bytes, bytes]], *, block_size: int = 4096,
                restart_interval: int = 16) -> bytes:
    """The bytes of a LevelDB-format table holding ``entries`` (sorted by key, uncompressed)."""
    keys = [k for k, _ in entries]
    if keys != sorted(keys) or len(set(keys)) != len(keys):
        raise ValueError("table keys must be unique and sorted")
    out = bytearray()

    def put(block: bytes) -> bytes:
        handle = _put_varint(len(out)) + _put_varint(len(block))
        out.extend(block + b"\x00" + struct.pack("<I", masked_crc32c(block + b"\x00")))
        return handle

    index, chunk, chunk_bytes = [], [], 0
    for key, value in entries:
        chunk.append((key, value))
        chunk_bytes += len(key) + len(value) + 3
        if chunk_bytes >= block_size:
            index.append((key, put(_build_block(chunk, restart_interval))))
            chunk, chunk_bytes = [], 0
    if chunk:
        index.append((chunk[-1][0], put(_build_block(chunk, restart_interval))))
    meta = put(_build_block([], restart_interval))
    top = put(_build_block(index, 1))
    footer = (meta + top).ljust(40, b"\x00") + struct.pack("<II", MAGIC & 0xFFFFFFFF, MAGIC >> 32)
    return bytes(out + footer)


# ---------------------------------------------------------------------------------------- the bundle
def _prefix(path: str | Path) -> Path:
    text = str(path)
    text = re.sub(r"\.(index|meta|data-\d{5}-of-\d{5})$", "", text)
    return Path(text)


class CheckpointReader:
    """A TF V2 checkpoint at ``prefix`` (``.../net.tf-650000``; a path to its ``.index`` works too)."""

    def __init__(self, prefix: str | Path) -> None:
        self.prefix = _prefix(prefix)
        self.index_path = Path(f"{self.prefix}.index")
        if not self.index_path.exists():
            if self.prefix.is_file():
                raise CheckpointError(f"{self.prefix}: a V1 (single-file) checkpoint, or not a checkpoint; "
                                      "only V2 checkpoints (PREFIX.index + PREFIX.data-*) are supported")
            if self.prefix.is_dir():
                raise CheckpointError(f"{self.prefix}: a folder; give a checkpoint prefix inside it "
                                      "(e.g. .../net.tf-650000), or use latest_prefix(folder)")
            raise CheckpointError(f"{self.index_path}: no such checkpoint index")
        entries = read_table(self.index_path)
        if not entries or entries[0][0] != HEADER_KEY:
            raise CheckpointError(f"{self.index_path}: no bundle header (not a V2 checkpoint index)")
        header = dict(_fields(entries[0][1]))
        self.num_shards = int(header.get(1, 1)) or 1  # type: ignore[arg-type]
        if int(header.get(2, 0)):  # type: ignore[arg-type]
            raise CheckpointError(f"{self.index_path}: written big-endian; only little-endian is supported")
        self.data_paths = [Path(f"{self.prefix}.data-{i:05d}-of-{self.num_shards:05d}")
                           for i in range(self.num_shards)]
        for p in self.data_paths:
            if not p.exists():
                raise CheckpointError(f"{p}: missing (the checkpoint's data shard named by its index)")
        self._infos: dict[str, TensorInfo] = {}
        for key, value in entries[1:]:
            name = key.decode("utf-8", "replace")
            try:
                self._infos[name] = _entry(name, value)
            except (ValueError, IndexError, struct.error) as exc:
                raise CheckpointError(f"{self.index_path}: the entry of {name!r} is damaged ({exc})") from exc

    def variables(self) -> dict[str, TensorInfo]:
        """Every variable, by name, in the index's (sorted) order."""
        return dict(self._infos)

    def __contains__(self, name: object) -> bool:
        return name in self._infos

    def __iter__(self):
        return iter(self._infos)

    def __len__(self) -> int:
        return len(self._infos)

    def __getitem__(self, name: str) -> np.ndarray:
        """The value of variable ``name`` (a numpy array of its shape; checksum verified)."""
        info = self._infos.get(name)
        if info is None:
            raise KeyError(f"{self.prefix}: no variable {name!r}")
        if info.sliced:
            raise CheckpointError(f"{self.prefix}: {name} is a partitioned variable; not supported")
        dtype = DTYPES.get(info.dtype_enum)
        if dtype is None:
            raise CheckpointError(f"{self.prefix}: {name} has dtype {info.dtype}, which this reader does not read")
        if info.shard >= len(self.data_paths):
            raise CheckpointError(f"{self.index_path}: {name} names shard {info.shard} of {self.num_shards}")
        count = int(np.prod(info.shape, dtype=np.int64))
        if count * dtype.itemsize != info.size:
            raise CheckpointError(f"{self.index_path}: {name} {info.dtype}{list(info.shape)} should take "
                                  f"{count * dtype.itemsize} bytes, its entry says {info.size}")
        path = self.data_paths[info.shard]
        with open(path, "rb") as fh:
            fh.seek(info.offset)
            raw = fh.read(info.size)
        if len(raw) != info.size:
            raise CheckpointError(f"{path}: truncated ({name} needs bytes {info.offset}..{info.offset + info.size})")
        if info.crc32c is not None and masked_crc32c(raw) != info.crc32c:
            raise CheckpointError(f"{path}: damaged ({name}'s bytes fail their checksum)")
        return np.frombuffer(raw, dtype=dtype).reshape(info.shape).astype(dtype.newbyteorder("="))

    def read_all(self) -> dict[str, np.ndarray]:
        """Every readable variable (string and partitioned ones skipped)."""
        return {n: self[n] for n, i in self._infos.items() if i.dtype_enum in DTYPES and not i.sliced}


def read_checkpoint(prefix: str | Path) -> dict[str, np.ndarray]:
    """``{name: array}`` of every numeric variable of the checkpoint at ``prefix``."""
    return CheckpointReader(prefix).read_all()


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_checkpoint(prefix: str | Path, tensors: dict[str, np.ndarray]) -> Path:
    """Write ``tensors`` as a one-shard TF V2 checkpoint at ``prefix``; returns the prefix.

    Files are written whole then renamed (a crash never leaves a half index). TensorFlow reads the result.
    """
    prefix = _prefix(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    data, entries, offset = bytearray(), [], 0
    for name in sorted(tensors, key=lambda n: n.encode("utf-8")):
        array = np.asarray(tensors[name])
        little = array.dtype.newbyteorder("<") if array.dtype.byteorder not in "|<" else array.dtype
        dtype = _TF_DTYPE.get(np.dtype(little).str)
        if dtype is None or not name:
            raise ValueError(f"cannot write {name!r} of dtype {array.dtype} to a checkpoint")
        raw = np.ascontiguousarray(array, dtype=little).tobytes()
        entries.append((name.encode("utf-8"),
                        _encode_entry(dtype, tuple(array.shape), offset, len(raw), masked_crc32c(raw))))
        data += raw
        offset += len(raw)
    version = _field(1, 1)  # VersionDef.producer = 1 (as TF writes it)
    header = _field(1, 1) + _field(3, version)  # num_shards = 1, endianness LITTLE (0, the default)
    _atomic_write(Path(f"{prefix}.data-00000-of-00001"), bytes(data))
    _atomic_write(Path(f"{prefix}.index"), write_table([(HEADER_KEY, header), *entries]))
    return prefix


def latest_prefix(folder: str | Path) -> Path:
    """The newest checkpoint in ``folder``: the one its ``checkpoint`` file names, else the highest step."""
    folder = Path(folder)
    if not folder.is_dir():
        return _prefix(folder)
    state = folder / "checkpoint"
    if state.exists():
        match = re.search(r'^model_checkpoint_path:\s*"([^"]+)"', state.read_text(), re.M)
        if match:
            named = Path(match.group(1))
            candidate = named if named.is_absolute() else folder / named
            if Path(f"{candidate}.index").exists():
                return candidate
            candidate = folder / named.name  # saved on another machine: the same name here
            if Path(f"{candidate}.index").exists():
                return candidate
    indexes = sorted(folder.glob("*.index"),
                     key=lambda p: (int(m.group(1)) if (m := re.search(r"-(\d+)$", p.stem)) else -1, p.name))
    if not indexes:
        raise CheckpointError(f"{folder}: no checkpoint (*.index) in this folder")
    return _prefix(indexes[-1])
