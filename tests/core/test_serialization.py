"""mg.save / mg.load: round trips, interop with plain safetensors files, atomic writes, bad files."""
import os

import numpy as np
import pytest

import minigrad as mg


def checkpoint():
    rng = np.random.default_rng(0)
    return {"model": {"conv.weight": mg.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32)),
                      "bn.num_batches_tracked": np.array(7, dtype=np.int64)},
            "optimizer": {"state": {0: {"momentum_buffer": rng.standard_normal(5)}},
                          "param_groups": [{"lr": 0.1, "params": [0], "nesterov": False}]},
            "epoch": 3, "name": "run", "history": (1.5, None)}


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_round_trip_is_bit_exact(tmp_path, suffix):
    obj = checkpoint()
    path = tmp_path / f"ckpt{suffix}"
    mg.save(obj, path)
    back = mg.load(path)
    w = back["model"]["conv.weight"]
    assert isinstance(w, mg.Tensor) and w.dtype == np.float32
    np.testing.assert_array_equal(w.numpy(), obj["model"]["conv.weight"].numpy())
    nbt = back["model"]["bn.num_batches_tracked"]
    assert nbt.shape == () and nbt.dtype == np.int64 and int(nbt) == 7
    np.testing.assert_array_equal(back["optimizer"]["state"][0]["momentum_buffer"],
                                  obj["optimizer"]["state"][0]["momentum_buffer"])
    assert back["optimizer"]["param_groups"] == obj["optimizer"]["param_groups"]
    assert back["epoch"] == 3 and back["name"] == "run" and back["history"] == (1.5, None)


def test_flat_state_dict_keeps_keys_and_reads_foreign_files(tmp_path):
    from safetensors.numpy import save_file
    sd = {"features.0.weight": np.ones((2, 3), np.float32), "bn.num_batches_tracked": np.array(0)}
    mg.save(sd, tmp_path / "a.safetensors")
    from safetensors.numpy import load_file
    assert set(load_file(str(tmp_path / "a.safetensors"))) == set(sd)
    save_file(sd, str(tmp_path / "foreign.safetensors"))  # no minigrad metadata
    back = mg.load(tmp_path / "foreign.safetensors")
    assert set(back) == set(sd) and back["bn.num_batches_tracked"].shape == ()


def test_truncated_file_is_a_clear_error(tmp_path):
    path = tmp_path / "w.safetensors"
    mg.save({"w": mg.randn(100)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="corrupt, truncated"):
        mg.load(path)
    with pytest.raises(FileNotFoundError):
        mg.load(tmp_path / "missing.safetensors")


def test_failed_save_leaves_the_old_file_intact(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    mg.save({"w": mg.ones(3)}, path)
    with pytest.raises(TypeError, match="object"):
        mg.save({"w": mg.zeros(3), "bad": object()}, path)
    np.testing.assert_array_equal(mg.load(path)["w"].numpy(), np.ones(3))
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]  # no temporary files left behind
