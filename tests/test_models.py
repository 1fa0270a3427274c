"""ShiftNet against the original's layer table (reference notes §1.3-1.6) and its building blocks."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
import torchaudio

from avscene import config
from avscene.models import (BatchNorm, BatchRenorm, ResBlock, SameConv, SameMaxPool, ShiftNet, feature_shapes, mu_law,
                            same_padding)
from avscene.models.summary import describe, example_inputs, layer_table, receptive_field

FULL = dict(frames=125, size=224, samples=87588)

# Reference notes §1.3 (T×H×W×C / L×C there; C first here), the original at full size.
REFERENCE_SHAPES = {
    "sf/conv1_1": "64×21897", "sf/pool": "64×5474", "sf/conv2_1": "128×1369", "sf/conv3_1": "128×343",
    "sf/conv4_1": "256×86", "sf/align": "256×32", "sf/conv5_1": "128×32",
    "im/conv1": "64×63×112×112", "im/pool": "64×63×56×56", "im/conv2_1": "64×63×56×56",
    "im/conv2_2": "64×32×28×28", "fusion": "192×32×28×28", "im/merge1": "512×32×28×28",
    "im/merge2": "128×32×28×28", "merge add": "128×32×28×28", "im/conv3_1": "128×32×28×28",
    "im/conv3_2": "128×32×28×28", "im/conv4_1": "256×16×14×14", "im/conv4_2": "256×16×14×14",
    "im/conv5_1": "512×16×7×7", "im/conv5_2": "512×16×7×7", "GAP": "512×1×1×1",
    "joint/logits": "1×1×1×1",
}
# Per-block parameter tallies of the reference notes (rounded there as printed).
REFERENCE_PARAMS = {
    "sf/conv1_1": 8.4e3, "sf/conv2_1": 377e3, "sf/conv3_1": 492e3, "sf/conv4_1": 1.51e6,
    "sf/conv5_1": 98e3, "im/conv1": 47e3, "im/conv2_1": 221e3, "im/conv2_2": 221e3,
    "im/conv3_1": 885e3, "im/conv3_2": 885e3, "im/conv4_1": 2.69e6, "im/conv4_2": 3.54e6,
    "im/conv5_1": 10.75e6, "im/conv5_2": 14.16e6, "joint/logits": 513,
}


def _inputs(cfg, batch=2, seed=0):
    torch.manual_seed(seed)
    return example_inputs(cfg.media.clip_frames, cfg.media.crop_size, cfg.media.clip_samples,
                          cfg.media.channels, batch=batch, device="cpu")


# ---------------------------------------------------------------------------- building blocks
def test_same_padding_is_tensorflows():
    assert same_padding([87588], [65], [4]) == [(30, 31)]  # 87588 -> 21897 = ceil(87588 / 4)
    assert same_padding([224, 224], [7, 7], [2, 2]) == [(2, 3), (2, 3)]
    assert same_padding([10], [1], [4]) == [(0, 0)]
    for n in range(5, 40):
        for k, s in ((3, 1), (3, 2), (5, 2), (15, 4), (65, 4)):
            conv = SameConv(1, 1, 1, k, s, bn=False, relu=False)
            assert conv(torch.zeros(1, 1, n)).shape[-1] == math.ceil(n / s)


def test_same_conv_puts_the_extra_padding_on_the_right():
    conv = SameConv(1, 1, 1, 3, 2, bn=False, relu=False)
    with torch.no_grad():
        conv.conv.weight.fill_(1.0)
    x = torch.tensor([[[1.0, 2.0, 3.0, 4.0]]])  # total pad 1 -> (0, 1): [1+2+3, 3+4+0]
    assert conv(x).flatten().tolist() == [6.0, 7.0]


@pytest.mark.parametrize("n", [7, 8, 56, 63, 112])
def test_same_max_pool_fast_paths_equal_explicit_padding(n):
    pool = SameMaxPool(3, (1, 3, 3), (1, 2, 2))
    x = torch.randn(2, 3, 4, n, n + 1)
    pads = same_padding(x.shape[2:], pool.kernel, pool.stride)
    flat = [p for pair in reversed(pads) for p in pair]
    ref = F.max_pool3d(F.pad(x, flat, value=float("-inf")), pool.kernel, pool.stride)
    assert torch.equal(pool(x), ref)
    assert list(ref.shape[2:]) == [4, math.ceil(n / 2), math.ceil((n + 1) / 2)]


def test_batch_norm_is_beta_only_with_the_original_settings():
    bn = BatchNorm(8)
    assert bn.weight is None and bn.bias.shape == (8,)
    assert bn.eps == 1e-3 and bn.momentum == pytest.approx(3e-4)
    assert [n for n, _ in bn.named_parameters()] == ["bias"]
    x = torch.randn(4, 8, 5) * 3 + 2
    ref = F.batch_norm(x, None, None, None, None, True, 0.0, 1e-3)
    assert torch.allclose(bn(x), ref, atol=1e-5)


def test_batch_renorm_first_step_is_batch_norm_then_uses_moving_averages():
    torch.manual_seed(0)
    rn = BatchRenorm(3)
    x1 = torch.randn(6, 3, 10) * 2 + 1
    ref = F.batch_norm(x1, None, None, None, None, True, 0.0, 1e-3)
    assert torch.allclose(rn(x1), ref, atol=1e-5)  # w = 0: the mixed averages are the batch's
    x2 = torch.randn(6, 3, 10) * 0.5 - 1
    w = rn.renorm_weight.clone()
    mixed_mean = rn.renorm_mean + (1 - w) * x2.mean((0, 2))
    std = torch.sqrt(x2.var((0, 2), unbiased=False) + 1e-3)
    mixed_std = rn.renorm_std + (1 - w) * std
    x2.requires_grad_(True)
    y = rn(x2)
    want = (x2 - mixed_mean[:, None]) / mixed_std[:, None]
    assert torch.allclose(y, want, atol=1e-4)
    assert not torch.allclose(y, F.batch_norm(x2, None, None, None, None, True, 0.0, 1e-3), atol=1e-2)
    y.pow(2).sum().backward()  # r, d are constants: the gradient still flows through the batch moments
    assert torch.isfinite(x2.grad).all() and x2.grad.abs().sum() > 0


@pytest.mark.parametrize("c_in, c_out, stride, kind", [(8, 8, 1, "identity"), (8, 8, 2, "subsample"),
                                                      (8, 16, 2, "conv"), (8, 16, 1, "conv")])
def test_residual_block_shortcut_rules_and_bn_after_the_sum(c_in, c_out, stride, kind):
    torch.manual_seed(0)
    block = ResBlock(3, c_in, c_out, 3, stride)
    assert (block.shortcut is None) == (kind != "conv")
    if kind == "conv":  # 1×1 conv + BN, no ReLU
        assert block.shortcut.kernel == (1, 1, 1) and block.shortcut.bn is not None
        assert not block.shortcut.relu
    assert block.conv2.bn is None and block.conv2.conv.bias is not None  # conv2: bias, no BN/act
    x = torch.randn(2, c_in, 5, 6, 7)
    short = {"identity": x, "subsample": x[:, :, ::stride, ::stride, ::stride]}.get(kind)
    if short is None:
        short = block.shortcut(x)
    s = block.conv2(block.conv1(x)) + short
    want = F.relu(F.batch_norm(s, None, None, None, block.bn.bias, True, 0.0, 1e-3))
    assert torch.allclose(block(x), want, atol=1e-5)
    assert block(x).shape[2:] == tuple(math.ceil(n / stride) for n in (5, 6, 7))


def test_he_init_and_mu_law():
    conv = SameConv(3, 256, 512, 3, bn=True)
    fan_in = 256 * 27
    assert conv.conv.weight.std().item() == pytest.approx(math.sqrt(2 / fan_in), rel=0.03)
    x = torch.linspace(-1, 1, 2001)
    y = mu_law(x)
    assert y[0] == -1 and y[-1] == 1 and mu_law(torch.zeros(1)) == 0 and torch.all(y.diff() > 0)
    assert torch.allclose(mu_law(-x), -y)
    q = torchaudio.functional.mu_law_encoding(x, 256)  # the quantized version of the same curve
    assert torch.equal(q, ((y + 1) / 2 * 255 + 0.5).to(q.dtype))


# ---------------------------------------------------------------------------- the full network
def test_full_size_parameters_and_every_shape_match_the_reference_table():
    d = describe(64, **FULL)
    assert d["params"] == pytest.approx(36.04e6, rel=0.005)
    assert sum(r["params"] for r in d["rows"]) == d["params"]
    rows = {r["layer"]: r for r in d["rows"]}
    assert {k: rows[k]["out_shape"] for k in REFERENCE_SHAPES} == REFERENCE_SHAPES
    for name, n in REFERENCE_PARAMS.items():
        digits = 3 if n >= 1e3 else 4
        assert rows[name]["params"] == pytest.approx(n, rel=0.5 * 10 ** -(digits - 1)), name
    assert describe(64, cam_levels=1, **FULL)["rows"][20]["out_shape"] == "512×16×14×14"  # cam model
    assert sum(r["gflops"] for r in d["rows"]) == pytest.approx(d["gflops_forward"], rel=1e-6)
    assert 2 * d["gflops_forward"] < d["gflops_train"] < 3 * d["gflops_forward"]


def test_temporal_receptive_field_at_full_size():
    cfg = config.get("gpu")
    with torch.device("meta"):
        net = ShiftNet(64)
    rf = receptive_field(net, 125, 87588, cfg.media.fps, cfg.media.sample_rate)
    # by hand: conv1 5/2 -> 5; conv2_1 +4+4; conv2_2 +4 (x2) +8 -> 25 frames at the fusion
    assert rf.fusion_frames == 25
    # then (x4) conv3: +8 x4; conv4_1 +8 (x8) +16; conv4_2 +32; conv5 +64 -> 177
    assert rf.last_frames == 177
    assert rf.last_seconds[0] == pytest.approx(177 / 29.97)
    assert rf.last_samples > 87588  # one last-conv unit hears the whole 4.2 s clip
    assert 0.5 < rf.fusion_seconds[1] < 3.0


@pytest.mark.slow
def test_full_size_forward_on_cpu():
    """One real forward at paper size (125×224×224 frames, 87,588 stereo samples), batch 1."""
    torch.manual_seed(0)
    net = ShiftNet(64).eval()
    frames, audio = example_inputs(device="cpu", **FULL)
    shapes = {}
    hooks = [net.get_submodule(p).register_forward_hook(
        lambda m, a, o, p=p: shapes.__setitem__(p, tuple(o.shape[1:])))
        for p in ("sf.conv4_1", "sf.conv5_1", "im.conv1", "im.conv2_2", "im.merge", "im.conv4_1")]
    with torch.no_grad():
        feats = net.features(frames, audio)
        cam = net.cam_from_features(feats.scale2)
        logit = net.logits(feats.scale2.mean((2, 3, 4), keepdim=True)).flatten()
    for h in hooks:
        h.remove()
    assert shapes == {"sf.conv4_1": (256, 86), "sf.conv5_1": (128, 32), "im.conv1": (64, 63, 112, 112),
                      "im.conv2_2": (64, 32, 28, 28), "im.merge": (128, 32, 28, 28),
                      "im.conv4_1": (256, 16, 14, 14)}
    assert [tuple(f.shape[1:]) for f in feats] == [(64, 32, 28, 28), (128, 32, 28, 28), (512, 16, 7, 7)]
    assert cam.shape == (1, 16, 7, 7) and torch.isfinite(cam).all()
    assert cam.mean().item() == pytest.approx(logit.item(), abs=1e-4)


@pytest.mark.parametrize("profile", ["smoke", "cpu"])
@pytest.mark.parametrize("levels", [0, 1, 2])
def test_mean_of_cam_is_the_logit(profile, levels):
    cfg = config.get(profile)
    net = ShiftNet.from_config(cfg, cam_levels=levels).eval()
    frames, audio = _inputs(cfg)
    with torch.no_grad():
        logits = net(frames, audio)
        c = net.cam(frames, audio)
    assert logits.shape == (2,)
    assert c.dim() == 4 and c.shape[0] == 2
    assert torch.allclose(c.mean(dim=(1, 2, 3)), logits, atol=1e-5)
    assert not torch.allclose(logits[0], logits[1])  # not a constant


@pytest.mark.parametrize("profile", ["smoke", "cpu", "colab"])
@pytest.mark.parametrize("levels", [0, 1, 2])
def test_feature_shapes_follow_tf_same_arithmetic(profile, levels):
    """The network's three scales are exactly what ``feature_shapes`` computes from strides alone."""
    cfg = config.get(profile)
    m = cfg.media
    with torch.device("meta"):
        net = ShiftNet.from_config(cfg, cam_levels=levels)
        frames, audio = example_inputs(m.clip_frames, m.crop_size, m.clip_samples, m.channels, device="meta")
        feats = net.features(frames, audio)
    want = feature_shapes(cfg.net.width, m.clip_frames, m.crop_size, levels)
    assert [tuple(f.shape[1:4]) for f in feats] == [tuple(w) for w in want]
    assert all(f.shape[3] == f.shape[4] for f in feats)


def test_cam_model_doubles_the_spatial_resolution():
    cfg = config.get("cpu")
    frames, audio = _inputs(cfg, batch=1)
    with torch.no_grad():
        plain = ShiftNet.from_config(cfg).eval().cam(frames, audio)
        fine = ShiftNet.from_config(cfg, cam_levels=1).eval().cam(frames, audio)
    assert plain.shape[1] == fine.shape[1]
    assert fine.shape[2:] == (2 * plain.shape[2], 2 * plain.shape[3])


def test_cam_levels_keep_the_weights_and_refine_the_map():
    """cam_levels=2 removes conv4_1's spatial stride too (4x finer), keeps its temporal one, and loads the
    shift model's weights unchanged (the CAM model is fine-tuned from them)."""
    cfg = config.get("smoke")
    frames, audio = _inputs(cfg, batch=1)
    shift = ShiftNet.from_config(cfg).eval()
    fine = ShiftNet.from_config(cfg, cam_levels=2).eval()
    fine.load_state_dict(shift.state_dict())  # same parameter names and shapes
    assert fine.cam_levels == 2 and shift.cam_levels == 0
    with torch.no_grad():
        plain, c = shift.cam(frames, audio), fine.cam(frames, audio)
    assert c.shape[1] == plain.shape[1]  # time strides unchanged
    assert c.shape[2:] == (4 * plain.shape[2], 4 * plain.shape[3])
    with pytest.raises(ValueError, match="cam_levels must be"):
        ShiftNet(4, cam_levels=3)


def test_use_sound_false_ignores_the_audio_exactly():
    cfg = config.get("smoke")
    torch.manual_seed(1)
    net = ShiftNet.from_config(cfg).eval()
    frames, audio = _inputs(cfg)
    other = torch.rand_like(audio) * 2 - 1
    with torch.no_grad():
        assert not torch.equal(net(frames, audio), net(frames, other))  # the audio does matter...
        a = net(frames, audio, use_sound=False)
        assert torch.equal(a, net(frames, other, use_sound=False))  # ...unless zeroed at the fusion
        assert torch.equal(a, net(frames, None, use_sound=False))
        mute = ShiftNet.from_config(cfg, use_sound=False).eval()
        mute.load_state_dict(net.state_dict())
        assert torch.equal(mute(frames, audio), a)
        # zeroing at the fusion is not a silent waveform once the sound branch's BN β are nonzero
        assert torch.equal(net(frames, torch.zeros_like(audio)), a)  # (at init they are zero)
        net.sf.conv5_1.bn.bias.fill_(0.1)
        assert not torch.equal(net(frames, torch.zeros_like(audio)), a)
        assert torch.equal(net(frames, other, use_sound=False), a)
        merged_zero = net.im["merge"](net.im["conv2_2"](net.im["conv2_1"](net.im["pool"](
            net.im["conv1"](frames)))), None)
        merged_ref = net.im["merge"](net.features(frames, audio, use_sound=False).scale0,
                                     torch.zeros(2, 2 * cfg.net.width, merged_zero.shape[2]))
        assert torch.equal(merged_zero, merged_ref)


@pytest.mark.parametrize("profile", ["smoke", "cpu", "colab"])
def test_profile_variants_run_forward_and_backward(profile):
    cfg = config.get(profile)
    net = ShiftNet.from_config(cfg).train()
    frames, audio = _inputs(cfg, batch=2 if profile != "colab" else 1)
    if profile == "colab":  # BN needs more than one value per channel at the 1×1×1 logit input
        frames, audio = frames.repeat(2, 1, 1, 1, 1), audio.repeat(2, 1, 1)
    feats = net.features(frames, audio)
    w = cfg.net.width
    assert [f.shape[1] for f in feats] == [w, 2 * w, 8 * w]
    assert feats.scale0.shape[2] == math.ceil(math.ceil(cfg.media.clip_frames / 2) / 2)
    logits = net.logits(feats.scale2.mean((2, 3, 4), keepdim=True)).flatten()
    F.binary_cross_entropy_with_logits(logits, torch.tensor([1.0, 0.0])).backward()
    missing = [n for n, p in net.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
    assert missing == []
    assert all(p.grad.abs().sum() > 0 for n, p in net.named_parameters() if "logits" in n)


def test_renorm_and_fractional_pool_options_run():
    cfg = config.get("smoke")
    net = ShiftNet.from_config(cfg, renorm=True, audio_pool="fractional").train()
    frames, audio = _inputs(cfg)
    net(frames, audio).sum().backward()
    net.eval()
    with torch.no_grad():  # evaluation regions are fixed: deterministic
        assert torch.equal(net(frames, audio), net(frames, audio))


def test_bad_inputs_raise_clear_errors():
    cfg = config.get("smoke")
    net = ShiftNet.from_config(cfg).eval()
    frames, audio = _inputs(cfg)
    with pytest.raises(ValueError, match=r"frames must be \[B, 3, T, H, W\]"):
        net(frames[:, :1], audio)
    with pytest.raises(ValueError, match=r"audio must be \[B, 2, N\]"):
        net(frames, audio[:, :1])
    with pytest.raises(ValueError, match="batch sizes differ"):
        net(frames, audio[:1])
    with pytest.raises(ValueError, match="audio is too short"):
        net(frames, audio[:, :, : audio.shape[-1] // 4])
    with pytest.raises(ValueError, match="audio_pool"):
        ShiftNet(4, audio_pool="random")


def test_layer_table_on_real_tensors_matches_meta():
    cfg = config.get("smoke")
    net = ShiftNet.from_config(cfg)
    frames, audio = _inputs(cfg, batch=1)
    real = layer_table(net, frames, audio)
    meta = describe(cfg.net.width, cfg.media.clip_frames, cfg.media.crop_size, cfg.media.clip_samples)
    assert [r["out_shape"] for r in real] == [r["out_shape"] for r in meta["rows"]]
    assert [r["gflops"] for r in real] == pytest.approx([r["gflops"] for r in meta["rows"]])
    assert net.training  # the table restores the mode
