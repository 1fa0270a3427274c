"""The converter of the authors' TF checkpoints (step 14): checkpoints written here with the original's variable
names and shapes, converted, and compared with the same values loaded directly.

The table of original names below is written from the original's ``shift_net.make_net`` / ``block2`` /
``block3`` / ``merge`` and ``sourcesep.make_net`` (not from ``avscene.convert.names``), so a naming or layout
slip in the converter shows up here; ``tests/test_original_numerics.py`` pins the layouts against TensorFlow.
"""
from __future__ import annotations

import http.server
import threading
import zipfile
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch

from avscene.convert import convert as C
from avscene.convert import registry
from avscene.convert.tf_checkpoint import write_checkpoint
from avscene.models import ShiftNet

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- the original's variables, by hand
def _conv(table, scope, key, shape, dims, *, bn=True, gamma=False):
    """slim conv: <scope>/weights [*k, in, out] + BatchNorm (beta, [gamma], moving_*) or biases."""
    table[f"{scope}/weights"] = (shape, f"{key}.conv.weight", f"conv{dims}")
    c = shape[-1]
    if bn:
        _bn(table, f"{scope}/BatchNorm", f"{key}.bn", c, gamma)
    else:
        table[f"{scope}/biases"] = ((c,), f"{key}.conv.bias", "vector")


def _bn(table, scope, key, c, gamma):
    table[f"{scope}/beta"] = ((c,), f"{key}.bias", "vector")
    table[f"{scope}/moving_mean"] = ((c,), f"{key}.running_mean", "vector")
    table[f"{scope}/moving_variance"] = ((c,), f"{key}.running_var", "vector")
    if gamma:
        table[f"{scope}/gamma"] = ((c,), f"{key}.weight", "vector")


def _block(table, scope, key, c_in, c_out, k, stride, dims, gamma):
    """block2 / block3: a conv shortcut only where channels change (stride-only changes subsample)."""
    if c_in != c_out:
        k1 = (1, 1) if dims == 1 else (1, 1, 1)  # the sound branch's "2-D" [1, 1] kernels
        _conv(table, f"{scope}_short", f"{key}.shortcut", k1 + (c_in, c_out), dims, gamma=gamma)
    _conv(table, f"{scope}_1", f"{key}.conv1", k + (c_in, c_out), dims, gamma=gamma)
    _conv(table, f"{scope}_2", f"{key}.conv2", k + (c_out, c_out), dims, bn=False)
    _bn(table, f"{scope}_bn", f"{key}.bn", c_out, gamma)


def shift_table(w: int, channels: int = 2, gamma: bool = False, prefix: str = "") -> dict:
    t: dict = {}
    p = prefix
    _conv(t, "sf/conv1_1", f"{p}sf.conv1_1", (65, 1, channels, w), 1, gamma=gamma)
    _block(t, "sf/conv2_1", f"{p}sf.conv2_1", w, 2 * w, (15, 1), 4, 1, gamma)
    _block(t, "sf/conv3_1", f"{p}sf.conv3_1", 2 * w, 2 * w, (15, 1), 4, 1, gamma)
    _block(t, "sf/conv4_1", f"{p}sf.conv4_1", 2 * w, 4 * w, (15, 1), 4, 1, gamma)
    _conv(t, "sf/conv5_1", f"{p}sf.conv5_1", (3, 1, 4 * w, 2 * w), 1, gamma=gamma)
    _conv(t, "im/conv1", f"{p}im.conv1", (5, 7, 7, 3, w), 3, gamma=gamma)
    k3 = (3, 3, 3)
    for name, c_in, c_out in (("conv2_1", w, w), ("conv2_2", w, w), ("conv3_1", 2 * w, 2 * w),
                              ("conv3_2", 2 * w, 2 * w), ("conv4_1", 2 * w, 4 * w), ("conv4_2", 4 * w, 4 * w),
                              ("conv5_1", 4 * w, 8 * w), ("conv5_2", 8 * w, 8 * w)):
        _block(t, f"im/{name}", f"{p}im.{name}", c_in, c_out, k3, 1, 3, gamma)
    _conv(t, "im/merge1", f"{p}im.merge.merge1", (1, 1, 1, 3 * w, 8 * w), 3, gamma=gamma)
    _conv(t, "im/merge2", f"{p}im.merge.merge2", (1, 1, 1, 8 * w, 2 * w), 3, bn=False)
    _bn(t, "im/merge_block_bn", f"{p}im.merge.bn", 2 * w, gamma)
    t["joint/logits/weights"] = ((1, 1, 1, 8 * w, 1), f"{p}logits.weight", "conv3")
    t["joint/logits/biases"] = ((1,), f"{p}logits.bias", "vector")
    return t


def unet_table(uw: int, levels: int, video: tuple[int, int, int] | None) -> dict:
    t: dict = {}
    chans = [uw * min(2 ** i, 8) for i in range(levels)]
    extra = [0] * levels
    if video:
        for lv, c in zip((2, 3, 4), video):
            extra[lv] = c
    skip = [c + e for c, e in zip(chans, extra)]
    for i in range(levels):  # gen/conv{i+1}: 4x4, in = previous level's (merged) output
        c_in = 2 if i == 0 else skip[i - 1]
        t[f"gen/conv{i + 1}/weights"] = ((4, 4, c_in, chans[i]), f"unet.encoder.{i}.conv.weight", "conv2")
        _bn(t, f"gen/conv{i + 1}/BatchNorm", f"unet.encoder.{i}.bn", chans[i], True)
    for j in range(1, levels):  # gen/deconv{j}: deepest first; weights [4, 4, out, in]
        level = levels - j  # mirrors encoder level `level`, outputs chans[level - 1]
        c_in = skip[level] if j == 1 else chans[level] + skip[level]
        t[f"gen/deconv{j}/weights"] = ((4, 4, chans[level - 1], c_in), f"unet.decoder.{level - 1}.conv.weight",
                                        "deconv")
        _bn(t, f"gen/deconv{j}/BatchNorm", f"unet.decoder.{level - 1}.bn", chans[level - 1], True)
    for scope, head in (("gen/fg", "on_head"), ("gen/bg", "off_head")):
        t[f"{scope}/weights"] = ((4, 4, 2, chans[0] + skip[0]), f"unet.{head}.conv.weight", "deconv")
        t[f"{scope}/biases"] = ((2,), f"unet.{head}.conv.bias", "vector")
    return t


def table(model: str, w: int = 4, uw: int = 4, levels: int = 5) -> dict:
    if model in ("shift", "cam"):
        return shift_table(w)
    if model == "sep_pit":
        return unet_table(uw, levels, None)
    return {**unet_table(uw, levels, (w, 2 * w, 8 * w)), **shift_table(w, gamma=True, prefix="video.")}


def direct(value: np.ndarray, kind: str) -> torch.Tensor:
    """The test's own layout change: TF channels-last kernels -> PyTorch [out, in, *k] / [in, out, kh, kw]."""
    if kind == "vector":
        return torch.from_numpy(value)
    if kind == "deconv":
        return torch.from_numpy(value).permute(3, 2, 0, 1)
    if kind == "conv1":
        return torch.from_numpy(value[:, 0]).permute(2, 1, 0)
    if kind == "conv2":
        return torch.from_numpy(value).permute(3, 2, 0, 1)
    return torch.from_numpy(value).permute(4, 3, 0, 1, 2)


def random_values(t: dict, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for name, (shape, _, _) in t.items():
        v = rng.standard_normal(shape).astype(np.float32) * 0.1
        if name.endswith("moving_variance"):
            v = rng.uniform(0.5, 2.0, shape).astype(np.float32)
        out[name] = v
    return out


def extras(t: dict) -> dict[str, np.ndarray]:
    """What a released checkpoint also holds: the step, optimizer slots, batch-renorm statistics."""
    name = next(iter(t))
    return {"global_step": np.asarray(650000, np.int64), f"{name}/Momentum": np.zeros(t[name][0], np.float32),
            "sf/conv2_1_bn/renorm_mean": np.zeros(t["sf/conv2_1_bn/beta"][0], np.float32)
            if "sf/conv2_1_bn/beta" in t else np.zeros(3, np.float32)}


def direct_model(model: str, values: dict, t: dict, built: torch.nn.Module) -> torch.nn.Module:
    state = built.state_dict()
    for name, (_, key, kind) in t.items():
        state[key] = direct(values[name], kind)
    built.load_state_dict(state)
    return built.eval()


# ---------------------------------------------------------------- conversion at smoke width
@pytest.mark.parametrize("model", C.MODELS)
def test_every_model_converts_at_smoke_width(tmp_path, model):
    t = table(model)
    values = random_values(t)
    write_checkpoint(tmp_path / "net.tf-650000", {**values, **extras(t)})
    converted = C.convert(tmp_path / "net.tf-650000", model)
    state = converted.model.state_dict()
    for name, (shape, key, kind) in t.items():
        assert torch.equal(state[key], direct(values[name], kind)), (name, key)
    filled = {key for _, key, _ in t.values()}
    assert {k for k in state if not k.endswith("num_batches_tracked")} == filled  # nothing left unfilled
    assert converted.step == 650000
    assert any(n.endswith("/Momentum") for n in converted.ignored) and "global_step" in converted.ignored
    if model != "sep_pit":
        assert "sf/conv2_1_bn/renorm_mean" in converted.ignored
    expect_cfg = {"shift": dict(width=4, audio_channels=2, bn_scale=False),
                  "cam": dict(width=4, audio_channels=2, bn_scale=False),
                  "sep_full": dict(width=4, audio_channels=2, bn_scale=True, unet_width=4, levels=5),
                  "sep_pit": dict(unet_width=4, levels=5)}[model]
    assert converted.config == expect_cfg
    if model == "cam":
        assert converted.model.cam_levels == 1


def test_converted_separation_net_runs_like_the_direct_load(tmp_path):
    t = table("sep_full")
    values = random_values(t, seed=3)
    write_checkpoint(tmp_path / "ck", values)
    model = C.convert(tmp_path / "ck", "sep_full").model
    ref = direct_model("sep_full", values, t, C.build("sep_full", C.convert(tmp_path / "ck", "sep_full").config))
    torch.manual_seed(0)
    frames = torch.rand(1, 3, 8, 32, 32) * 2 - 1
    mixture = torch.rand(1, 2, model.samples + 400) * 0.2 - 0.1
    with torch.no_grad():
        a, b = model(frames, mixture), ref(frames, mixture)
    torch.testing.assert_close(a[0], b[0], atol=0, rtol=0)
    torch.testing.assert_close(a[1], b[1], atol=0, rtol=0)


def test_full_width_shift_net_gives_the_direct_logits(tmp_path):
    """Acceptance: a full-width checkpoint (random values under the original names) loads into ShiftNet(64) and
    gives the same logits as the same values loaded directly."""
    t = shift_table(64)
    values = random_values(t, seed=1)
    write_checkpoint(tmp_path / "net.tf-650000", values)
    out = C.save(C.convert(tmp_path / "net.tf-650000", "shift"), tmp_path / "shift.pt")
    loaded, info = C.load(out)
    assert isinstance(loaded, ShiftNet) and loaded.width == 64 and info["model"] == "shift"
    ref = direct_model("shift", values, t, ShiftNet(64))
    torch.manual_seed(0)
    frames = torch.rand(2, 3, 8, 64, 64) * 2 - 1
    audio = torch.rand(2, 2, 4800) * 2 - 1
    with torch.no_grad():
        got, want = loaded(frames, audio), ref(frames, audio)
    assert got.shape == (2,)
    torch.testing.assert_close(got, want, atol=0, rtol=0)
    # ... and a slip is visible: the same values with the video kernels' spatial axes swapped differ
    swapped = dict(values)
    swapped["im/conv1/weights"] = np.ascontiguousarray(values["im/conv1/weights"].transpose(0, 2, 1, 3, 4))
    wrong = direct_model("shift", swapped, t, ShiftNet(64))
    with torch.no_grad():
        assert (wrong(frames, audio) - want).abs().max() > 1e-4


# ---------------------------------------------------------------- refusals
def _write(tmp_path: Path, model: str = "shift", drop: str | None = None, add: dict | None = None,
           reshape: str | None = None) -> Path:
    t = table(model)
    values = random_values(t)
    if drop:
        values.pop(drop)
    if reshape:
        values[reshape] = np.zeros(values[reshape].shape[:-1] + (values[reshape].shape[-1] + 1,), np.float32)
    values.update(add or {})
    write_checkpoint(tmp_path / "ck", values)
    return tmp_path / "ck"


@pytest.mark.parametrize("case, needle", [
    (dict(drop="im/conv3_1_2/biases"), "missing im/conv3_1_2/biases"),
    (dict(add={"im/conv9/weights": np.zeros((3, 3), np.float32)}), "im/conv9/weights (3, 3) is used by nothing"),
    (dict(reshape="im/merge_block_bn/beta"), "im/merge_block_bn/beta (9,) does not fit im.merge.bn.bias (8,)"),
])
def test_refuses_and_writes_nothing(tmp_path, capsys, case, needle):
    from avscene.convert.__main__ import main

    prefix = _write(tmp_path, **case)
    out = tmp_path / "out.pt"
    assert main([str(prefix), "--model", "shift", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert needle in err and str(prefix) in err and "nothing written" in err
    assert not out.exists() and not list(tmp_path.glob(".out.pt*"))


def test_ignore_option_and_wrong_model(tmp_path, capsys):
    from avscene.convert.__main__ import main

    prefix = _write(tmp_path, add={"discrim/spec/conv1/weights": np.zeros((4, 4, 4, 32), np.float32)})
    with pytest.raises(C.ConversionError, match="discrim/spec/conv1/weights"):
        C.convert(prefix, "shift")
    converted = C.convert(prefix, "shift", ignore=(r"^discrim/",))
    assert converted.ignored["discrim/spec/conv1/weights"] == "--ignore ^discrim/"
    sep = tmp_path / "sep"
    sep.mkdir()
    sep_prefix = _write(sep, "sep_full")
    assert main([str(sep_prefix), "--model", "shift", "--out", str(tmp_path / "x.pt")]) == 2
    assert "--model sep_full" in capsys.readouterr().err
    assert main([str(tmp_path / "nothing-here"), "--model", "shift", "--out", str(tmp_path / "x.pt")]) == 2
    assert "nothing-here" in capsys.readouterr().err
    assert not (tmp_path / "x.pt").exists()


def test_export_round_trip(tmp_path):
    torch.manual_seed(0)
    net = ShiftNet(4, cam_levels=1).eval()
    for m in net.modules():
        if hasattr(m, "running_var") and m.running_var is not None:
            m.running_var.uniform_(0.5, 2.0)
            m.running_mean.normal_()
    C.export(net, tmp_path / "ck", step=12)
    back = C.convert(tmp_path / "ck", "cam")
    for k, v in net.state_dict().items():
        if not k.endswith("num_batches_tracked"):
            assert torch.equal(back.model.state_dict()[k], v), k
    assert back.step == 12


# ---------------------------------------------------------------- CLI, registry and the download script
def test_cli_registry_and_load(tmp_path, monkeypatch, capsys):
    from avscene.convert.__main__ import main

    monkeypatch.setenv("AVSCENE_CACHE", str(tmp_path / "cache"))
    with pytest.raises(Exception, match="not converted on this machine.*original_weights.py"):
        registry.load("original/cam")
    prefix = _write(tmp_path, "cam")
    assert main([str(prefix), "--list"]) == 0
    assert "im/conv5_1_short/weights\tfloat32\t[1, 1, 1, 16, 32]" in capsys.readouterr().out
    assert main([str(prefix), "--model", "cam", "--out", str(tmp_path / "cam.pt"), "--register"]) == 0
    assert "registered original/cam" in capsys.readouterr().out
    model, info = registry.load("original/cam")
    assert isinstance(model, ShiftNet) and model.cam_levels == 1 and info["media"]["fps"] == 29.97
    assert registry.available() == ["original/cam"]
    (registry.root() / "cam.pt").write_bytes(b"changed")
    with pytest.raises(Exception, match="differs from the registry"):
        registry.path("original/cam")
    with pytest.raises(ValueError, match="unknown original model"):
        registry.path("original/nope")


def _serve(folder: Path):
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a, **k: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def test_download_script_converts_and_registers(tmp_path, monkeypatch, capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("original_weights", ROOT / "data_scripts" / "original_weights.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setenv("AVSCENE_CACHE", str(tmp_path / "cache"))
    build = tmp_path / "build"
    for model, (parts, step) in script.CHECKPOINTS.items():
        folder = build.joinpath("multisensory-nets", *parts)
        folder.mkdir(parents=True)
        t = table(model)
        write_checkpoint(folder / f"net.tf-{step}", {**random_values(t), "global_step": np.asarray(step)})
    served = tmp_path / "www"
    served.mkdir()
    with zipfile.ZipFile(served / "multisensory-nets.zip", "w") as zf:
        for f in sorted(build.rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(build))
    httpd = _serve(served)
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/multisensory-nets.zip"
        assert script.main(["--out", str(tmp_path / "out"), "--url", url, "--sha256", "0" * 64]) == 2
        assert "expected " + "0" * 64 in capsys.readouterr().err
        assert script.main(["--out", str(tmp_path / "out"), "--url", url]) == 0
    finally:
        httpd.shutdown()
    out = capsys.readouterr().out
    assert "sha256" in out and out.count("registered original/") == 4
    assert registry.available() == [f"original/{m}" for m in C.MODELS]
    model, info = registry.load("original/sep_pit")
    assert info["step"] == 160000 and info["source"]["archive"]["url"] == url
