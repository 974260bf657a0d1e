"""Hostile and damaged files: every mutation of a saved checkpoint either raises ValueError
naming the file or loads exactly what was saved (never another exception, never a silently
different value)."""
import io
import json
import struct
import time
import zipfile
import zlib

import numpy as np
import pytest

import minigrad as mg
from minigrad import serialization

MUTATIONS_PER_FORMAT = 700  # 1,400 in all (the issue asks for at least 1,000)


def checkpoint():
    rng = np.random.default_rng(0)
    return {"model": {"conv.weight": mg.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32)),
                      "bn.running_var": mg.tensor(rng.uniform(0.5, 2, 4).astype(np.float32)),
                      "bn.num_batches_tracked": np.array(7, dtype=np.int64)},
            "optimizer": {"state": {0: {"momentum_buffer": rng.standard_normal(5)}},
                          "param_groups": [{"lr": 0.1, "params": [0], "nesterov": False}]},
            "epoch": 3, "batch": 11, "name": "run", "history": (1.5, None), "flag": True}


def same(a, b):
    """Equal in type, dtype, shape and every bit."""
    if isinstance(a, mg.Tensor) or isinstance(a, np.ndarray):
        a_arr, b_arr = (np.asarray(x.numpy() if isinstance(x, mg.Tensor) else x) for x in (a, b))
        return (type(a) is type(b) and a_arr.dtype == b_arr.dtype and a_arr.shape == b_arr.shape
                and a_arr.tobytes() == b_arr.tobytes())
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and a == b


def split_safetensors(data):
    (length,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8:8 + length]), data[8 + length:]


def join_safetensors(header, body):
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + body


def structured_mutation(data, rng):
    """A mutation of the parsed header or metadata, re-serialised so that it parses."""
    header, body = split_safetensors(data)
    names = [k for k in header if k != "__metadata__"]
    meta = header["__metadata__"]
    choice = rng.integers(12)
    name = names[rng.integers(len(names))]
    if choice == 0:    # another valid dtype of the same width
        header[name]["dtype"] = {"F32": "I32", "I64": "F64", "F64": "U64"}[header[name]["dtype"]]
    elif choice == 1:  # a shape with the same number of elements
        header[name]["shape"] = header[name]["shape"][::-1] + [1]
    elif choice == 2:  # swap two arrays' data ranges
        other = names[rng.integers(len(names))]
        header[name]["data_offsets"], header[other]["data_offsets"] = \
            header[other]["data_offsets"], header[name]["data_offsets"]
    elif choice == 3:  # rename an array
        header[name + "x"] = header.pop(name)
    elif choice == 4:  # change one character of the skeleton
        text = meta["minigrad"]
        i = rng.integers(len(text))
        meta["minigrad"] = text[:i] + "0123456789{}[],\"x"[rng.integers(17)] + text[i + 1:]
    elif choice == 5:  # a plausible edit of a value: the epoch
        meta["minigrad"] = meta["minigrad"].replace('"epoch", 3', '"epoch", 4')
    elif choice == 6:  # drop one metadata key
        del meta[["minigrad", "minigrad.checksums"][rng.integers(2)]]
    elif choice == 7:  # a deeply nested skeleton
        meta["minigrad"] = "[" * 100_000 + "]" * 100_000
    elif choice == 8:  # wrong JSON types in the metadata or the header
        target = [meta, header[name], header][rng.integers(3)]
        key = list(target)[rng.integers(len(target))]
        target[key] = [None, 7, "x", [1, "a"], {"a": []}, -1, 2**70][rng.integers(7)]
    elif choice == 9:  # a checksum table naming other arrays, or with wrong digests
        table = json.loads(meta["minigrad.checksums"])
        entry = table["arrays"][name]
        entry[rng.integers(3)] = ["float64", [2], "0" * 64][rng.integers(3)]
        meta["minigrad.checksums"] = json.dumps(table)
    elif choice == 10:  # the skeleton of a different shape (valid JSON, no arrays)
        meta["minigrad"] = json.dumps(
            [{"__dict__": [[1, 2, 3]]}, {"__array__": 3, "tensor": True}, {"__list__": 5},
             {"__array__": "nope", "tensor": False}, {"a": 1}][rng.integers(5)])
    else:              # drop an array entry
        del header[name]
    return join_safetensors(header, body)


def byte_mutation(data, rng, header_end):
    """One raw change: a bit flip, a random byte, a cut, an inserted or deleted byte, or a
    new header-length field; positions favour the header."""
    in_header = rng.random() < 0.6
    position = int(rng.integers(header_end if in_header else len(data)))
    kind = rng.integers(6)
    if kind == 0:
        return data[:position] + bytes([data[position] ^ (1 << rng.integers(8))]) + data[position + 1:]
    if kind == 1:
        return data[:position] + bytes([rng.integers(256)]) + data[position + 1:]
    if kind == 2:
        return data[:position]
    if kind == 3:
        return data[:position] + bytes([rng.integers(256)]) + data[position:]
    if kind == 4:
        return data[:position] + data[position + 1:]
    return struct.pack("<Q", int(rng.integers(2**63))) + data[8:]


def npz_member_mutation(path, rng):
    """Rebuild the archive with one member's .npy header or metadata altered."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    name = list(members)[rng.integers(len(members))]
    raw = members[name]
    choice = rng.integers(4)
    if choice == 0:    # shape in the .npy header
        raw = raw.replace(b"'shape': (", b"'shape': (2, ", 1)
    elif choice == 1:  # dtype in the .npy header
        raw = raw.replace(b"<f", b"<i", 1).replace(b"<i8", b"<f8", 1)
    elif choice == 2:  # one byte of the member, then re-zipped with a valid CRC
        i = int(rng.integers(len(raw)))
        raw = raw[:i] + bytes([raw[i] ^ (1 << rng.integers(8))]) + raw[i + 1:]
    else:              # the member renamed
        members[name.replace(".npy", "x.npy") if rng.random() < 0.5 else name + ".txt"] = \
            members.pop(name)
        name = None
    if name is not None:
        members[name] = raw
    with zipfile.ZipFile(path, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_every_mutation_is_a_value_error_naming_the_file_or_harmless(tmp_path, suffix):
    original = tmp_path / f"original{suffix}"
    obj = checkpoint()
    mg.save(obj, original)
    data = original.read_bytes()
    header_end = 8 + struct.unpack("<Q", data[:8])[0] if suffix == ".safetensors" else 600
    rng = np.random.default_rng(1 if suffix == ".npz" else 0)
    outcomes = {"ValueError": 0, "unchanged": 0}
    for trial in range(MUTATIONS_PER_FORMAT):
        path = tmp_path / f"m{trial}{suffix}"
        if suffix == ".safetensors" and trial % 2:
            path.write_bytes(structured_mutation(data, rng))
        elif suffix == ".npz" and trial % 3 == 0:
            path.write_bytes(data)
            npz_member_mutation(path, rng)
        else:
            path.write_bytes(byte_mutation(data, rng, header_end))
        try:
            loaded = mg.load(path)
        except ValueError as error:
            assert str(path) in str(error), f"trial {trial}: {error}"
            outcomes["ValueError"] += 1
        else:  # any other exception fails the test here, with its traceback
            assert same(loaded, obj), f"trial {trial}: the file loaded with changed values"
            outcomes["unchanged"] += 1
        try:  # what load_weights reads first: the headers alone
            serialization.read_header(path)
        except ValueError as error:
            assert str(path) in str(error), f"trial {trial}: {error}"
        path.unlink()
    assert sum(outcomes.values()) == MUTATIONS_PER_FORMAT
    assert outcomes["ValueError"] > 0.9 * MUTATIONS_PER_FORMAT, outcomes
    print(f"{suffix}: {outcomes}")


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_every_single_bit_flip_in_the_data_is_caught(tmp_path, suffix):
    path = tmp_path / f"w{suffix}"
    values = mg.randn(16)
    mg.save({"w": values}, path)
    data = path.read_bytes()
    start = data.find(values.numpy().tobytes())
    assert start > 0
    for bit in range(16 * 4 * 8):  # every bit of the tensor's bytes
        flipped = bytearray(data)
        flipped[start + bit // 8] ^= 1 << (bit % 8)
        path.write_bytes(bytes(flipped))
        with pytest.raises(ValueError, match="w" + suffix.replace(".", r"\.")):
            mg.load(path)


def test_verify_false_skips_the_checksums(tmp_path):
    path = tmp_path / "w.safetensors"
    mg.save({"w": mg.zeros(4)}, path)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x40  # the last byte of the last float: a changed value
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="checksum of 'w'"):
        mg.load(path)
    assert mg.load(path, verify=False)["w"].numpy()[-1] != 0  # the trusted path reads it as is


def test_reserved_key_is_refused_before_the_old_file_is_replaced(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    mg.save({"w": mg.ones(3)}, path)
    for key in ("__metadata__", "__minigrad__"):
        with pytest.raises(ValueError, match="reserved"):
            mg.save({key: mg.zeros(3)}, path)
    np.testing.assert_array_equal(mg.load(path)["w"].numpy(), np.ones(3))
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.safetensors"]


def test_bfloat16_safetensors_load_as_float32(tmp_path):
    """bfloat16 is the upper half of a float32: values with 16 zero low bits are exact."""
    rng = np.random.default_rng(0)
    exact = (rng.standard_normal(15).astype(np.float32).view(np.uint32)
             & 0xFFFF0000).view(np.float32).reshape(3, 5)
    stored = (exact.view(np.uint32) >> 16).astype("<u2")
    header = {"w": {"dtype": "BF16", "shape": [3, 5], "data_offsets": [0, 30]},
              "__metadata__": {"format": "pt"}}
    path = tmp_path / "bf16.safetensors"
    path.write_bytes(join_safetensors(header, stored.tobytes()))
    loaded = mg.load(path)
    assert loaded["w"].dtype == np.float32
    np.testing.assert_array_equal(loaded["w"], exact)


def test_files_interoperate_with_the_safetensors_library(tmp_path):
    from safetensors.numpy import load_file
    state = {"a.weight": np.arange(12, dtype=np.float32).reshape(3, 4),
             "flag": np.array([True, False]), "n": np.array(3, np.int64)}
    mg.save(state, tmp_path / "x.safetensors")
    back = load_file(str(tmp_path / "x.safetensors"))
    assert set(back) == set(state) and all(same(back[k], state[k]) for k in state)


def write_bomb(path, gib=1):
    """A valid .npz whose one float32 member inflates to ``gib`` GiB of zeros, built in a
    second: deflate restarts after a full flush, so one compressed 16 MiB block of zeros
    repeats."""
    chunk = bytes(2**24)
    count = gib * 2**30 // len(chunk)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (gib * 2**28,)})
    header = header.getvalue()
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = deflate.compress(header) + deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    data = start + block * count + deflate.flush()
    crc = zlib.crc32(header)
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    name, size = b"w.npy", len(header) + count * len(chunk)
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size,
                        len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc,
                          len(data), size, len(name), 0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central),
                      len(local) + len(data), 0)
    path.write_bytes(local + data + central + end)


def test_npz_decompression_bomb_is_refused_from_its_headers(tmp_path):
    """1 MB on disk that would inflate to 1 GiB: refused in milliseconds from the headers."""
    from layers import models
    bomb = tmp_path / "bomb.npz"
    write_bomb(bomb)
    assert bomb.stat().st_size < 2**20
    with zipfile.ZipFile(bomb) as archive:  # a valid archive: the zip module reads it
        assert archive.getinfo("w.npy").file_size == 2**30 + 128
    start = time.perf_counter()
    with pytest.raises(ValueError, match="bomb.npz.*declare 1,073,741,824 bytes"):
        mg.load(bomb)
    with pytest.raises(RuntimeError, match='Unexpected key.*"w"'):  # names checked first
        models.load_weights(models.small_cnn(), bomb)
    assert time.perf_counter() - start < 2.0
    arrays, _ = serialization.read_arrays(bomb, [])  # nothing asked for: nothing inflated
    assert arrays == {}


def test_header_sizes_are_checked_before_reading(tmp_path):
    path = tmp_path / "big.safetensors"
    header = {"w": {"dtype": "F32", "shape": [2**40], "data_offsets": [0, 2**42]}}
    path.write_bytes(join_safetensors(header, b"\0" * 16))
    with pytest.raises(ValueError, match="big.safetensors.*describes"):
        mg.load(path)
    with pytest.raises(ValueError, match="big.safetensors.*describes"):
        serialization.read_header(path)
