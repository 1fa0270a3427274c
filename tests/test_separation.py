"""avscene.separation: STFT front end, u-net, losses and metrics at tiny sizes (reference notes §1.7)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from avscene.separation import losses, metrics
from avscene.separation import spectrogram as S
from avscene.separation.unet import UNet, pool_video_features
from torchmetrics.functional.audio import scale_invariant_signal_distortion_ratio

SR = 8000
SPEC = S.spec_spec(SR)
W = 8  # u-net width
VIDEO_CH = (4, 8, 32)  # a width-4 shift network's scales: (w, 2w, 8w)


def _band_limited(batch: int, n: int, seed: int = 0, fade: int | None = None) -> torch.Tensor:
    """``[batch, n]`` noise with no energy above sr/4, faded in and out over ``fade`` samples."""
    g = torch.Generator().manual_seed(seed)
    x = torch.fft.rfft(0.1 * torch.randn(batch, n, generator=g))
    x[:, x.shape[-1] // 2:] = 0
    wave = torch.fft.irfft(x, n=n)
    if fade:
        ramp = torch.hann_window(2 * fade, periodic=False)
        wave[:, :fade] *= ramp[:fade]
        wave[:, -fade:] *= ramp[fade:]
    return wave


def _video(batch: int, seed: int = 0, channels: tuple[int, int, int] = VIDEO_CH,
           ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pooled video features ``[B, C_i, T_i]`` with the shift network's time ratios (T/4, T/4, T/8)."""
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.rand(batch, c, t, generator=g) for c, t in zip(channels, (16, 16, 8)))


# ------------------------------------------------------------------------------------ spectrogram
def test_spec_sizes_follow_the_original() -> None:
    assert S.spec_spec(21000) == S.SpecSpec(21000, 1344, 336, 2048, 1024)
    assert SPEC == S.SpecSpec(SR, 512, 128, 512, 256)
    assert S.spec_spec(22050).frame == 1411  # int(64 ms · sr), truncated like soundrep


def test_db_mapping_end_points_and_clipping() -> None:
    db = torch.tensor([-150.0, -100.0, -10.0, 80.0, 120.0])
    unit = S.db_to_unit(db)
    torch.testing.assert_close(unit, torch.tensor([-1.0, -1.0, 0.0, 1.0, 1.0]))
    torch.testing.assert_close(S.unit_to_db(unit[1:4]), db[1:4])


def test_to_spec_shape_and_range() -> None:
    n = SR  # 1 s
    spec = S.to_spec(_band_limited(3, n), SPEC)
    assert spec.shape == (3, 2, SPEC.frames(n), SPEC.bins) == (3, 2, 1 + n // 128, 256)
    assert spec.min() >= -1 and spec.max() <= 1
    assert SPEC.frames(SPEC.samples_for(64)) == 64


def test_spectrogram_round_trip() -> None:
    """Exact (to float error) for audio with nothing at Nyquist; the Nyquist bin itself is dropped."""
    n = SPEC.samples_for(64)
    wave = _band_limited(3, n, fade=SPEC.frame)
    back = S.from_spec(S.to_spec(wave, SPEC), SPEC, n)
    assert back.shape == wave.shape
    assert ((back - wave).norm(dim=-1) / wave.norm(dim=-1)).max() < 1e-4
    white = 0.1 * torch.randn(3, n, generator=torch.Generator().manual_seed(1))
    err = (S.from_spec(S.to_spec(white, SPEC), SPEC, n) - white).norm() / white.norm()
    assert 1e-3 < err < 0.1  # white noise loses (only) what the dropped Nyquist bin held


# ------------------------------------------------------------------------------------------ u-net
def test_unet_shapes_with_and_without_video() -> None:
    spec = S.to_spec(_band_limited(2, SPEC.samples_for(64)), SPEC)  # [2, 2, 64, 256], ~1 s
    net = UNet(width=W, levels=6, video_channels=VIDEO_CH)
    on, off = net(spec, _video(2))
    assert on.shape == off.shape == spec.shape
    assert on.abs().max() < 1 and off.abs().max() < 1  # tanh
    blind = UNet(width=W, levels=6)
    on, off = blind(spec, None)
    assert on.shape == off.shape == spec.shape
    with pytest.raises(ValueError, match="audio-only"):
        blind(spec, _video(2))
    with pytest.raises(ValueError, match="video"):
        net(spec, None)
    with pytest.raises(ValueError, match="multiple"):
        net(spec[:, :, :60])


def test_unet_geometry_at_the_original_depth() -> None:
    """9 levels on 128 × 1024: the notes' table (time/freq per level, 1×2 bottleneck), tiny width."""
    net = UNet(width=2, levels=9, video_channels=(1, 2, 8)).eval()
    sizes = []
    hooks = [level.register_forward_hook(lambda m, a, o: sizes.append(tuple(o.shape[2:])))
             for level in net.encoder]
    with torch.no_grad():
        on, _ = net(torch.zeros(1, 2, 128, 1024), _video(1, channels=(1, 2, 8)))
    for h in hooks:
        h.remove()
    assert sizes == [(128, 512), (128, 256), (64, 128), (32, 64), (16, 32), (8, 16), (4, 8), (2, 4), (1, 2)]
    assert on.shape == (1, 2, 128, 1024)
    full = UNet(video_channels=(64, 128, 512))  # the original's widths: notes §1.7 decoder inputs
    assert [full.decoder[i].conv.in_channels for i in (4, 3, 2, 1, 0)] == [1024, 1536, 1152, 576, 256]
    assert full.encoder[3].conv.in_channels == 320 and full.on_head.conv.in_channels == 128


def _skip_inputs(net: UNet, spec: torch.Tensor, video) -> tuple[list[torch.Tensor], dict[int, torch.Tensor]]:
    """Encoder pre-activation outputs and the skip part of each decoder input (by encoder level)."""
    pre: list[torch.Tensor] = []
    used: dict[int, torch.Tensor] = {}
    hooks = [level.register_forward_hook(lambda m, a, o: pre.append(o)) for level in net.encoder]
    for i, dec in enumerate(net.decoder[:-1]):  # decoder[i] reads the skip of level i + 1
        hooks.append(dec.register_forward_pre_hook(
            lambda m, a, i=i: used.__setitem__(i + 1, a[0][:, net.encoder[i + 1].conv.out_channels:])))
    hooks.append(net.on_head.register_forward_pre_hook(
        lambda m, a: used.__setitem__(0, a[0][:, net.encoder[0].conv.out_channels:])))
    with torch.no_grad():
        net(spec, video)
    for h in hooks:
        h.remove()
    return pre, used


def test_skips_are_taken_before_the_leaky_relu() -> None:
    spec = S.to_spec(_band_limited(2, SPEC.samples_for(64)), SPEC)
    blind = UNet(width=W, levels=6)
    pre, used = _skip_inputs(blind, spec, None)
    assert sorted(used) == [0, 1, 2, 3, 4]  # the deepest level feeds the decoder without concatenation
    for i, skip in used.items():
        assert (pre[i] < 0).any()  # so the skip cannot be the LeakyReLU's output ...
        torch.testing.assert_close(skip, pre[i], rtol=0, atol=0)  # ... and it is the BN output
    # with video, levels 2-4 pass the merged tensor (post-activation + tiled video), as merge_level
    net = UNet(width=W, levels=6, video_channels=VIDEO_CH)
    video = _video(2)
    pre, used = _skip_inputs(net, spec, video)
    for i in (0, 1):
        torch.testing.assert_close(used[i], pre[i], rtol=0, atol=0)
    for i, v in zip((2, 3, 4), video):
        c = pre[i].shape[1]
        torch.testing.assert_close(used[i][:, :c], F.leaky_relu(pre[i], 0.2), rtol=0, atol=0)
        tiled = used[i][:, c:]
        assert tiled.shape == (2, v.shape[1], *pre[i].shape[2:])
        torch.testing.assert_close(tiled[..., 0], F.interpolate(v, size=pre[i].shape[2], mode="linear"))
        assert (tiled == tiled[..., :1]).all()  # tiled over frequency


def test_video_features_change_the_output() -> None:
    torch.manual_seed(0)
    spec = S.to_spec(_band_limited(2, SPEC.samples_for(64)), SPEC)
    net = UNet(width=W, levels=6, video_channels=VIDEO_CH).eval()
    with torch.no_grad():
        a = net(spec, _video(2, seed=1))
        b = net(spec, _video(2, seed=2))
        c = net(spec, _video(2, seed=1))
    assert (a[0] - b[0]).abs().max() > 1e-3 and (a[1] - b[1]).abs().max() > 1e-3
    torch.testing.assert_close(a, c)


def test_pool_video_features_of_a_shift_network() -> None:
    from avscene.models import ShiftNet

    torch.manual_seed(0)
    shift = ShiftNet(4).eval()
    n = SPEC.samples_for(64)
    with torch.no_grad():
        feats = shift.features(torch.rand(2, 3, 8, 32, 32) * 2 - 1, 0.1 * torch.randn(2, 2, n))
    video = pool_video_features(feats)
    assert [tuple(v.shape) for v in video] == [(2, 4, 2), (2, 8, 2), (2, 32, 1)]
    torch.testing.assert_close(video[0], feats.scale0.mean(dim=(3, 4)))
    net = UNet(width=W, levels=6, video_channels=VIDEO_CH)
    on, off = net(S.to_spec(0.1 * torch.randn(2, n), SPEC), video)
    assert on.shape == off.shape == (2, 2, 64, 256)


# ----------------------------------------------------------------------------------------- losses
def _targets(batch: int = 4, t: int = 16, f: int = 32, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(batch, 2, t, f, generator=g) * 2 - 1, torch.rand(batch, 2, t, f, generator=g) * 2 - 1)


def test_full_loss_weights_phase_by_a_hundredth() -> None:
    s0, s1 = _targets()
    shifted = s0.clone()
    shifted[:, 0] += 0.5
    assert losses.full_loss(shifted, s1, s0, s1).item() == pytest.approx(0.5)
    assert losses.full_loss(s0, s1, s0, s1).item() == 0.0
    shifted = s1.clone()
    shifted[:, 1] += 0.5  # phase off by half a unit (π/2) on the off-screen head
    assert losses.full_loss(s0, shifted, s0, s1).item() == pytest.approx(0.005)


def test_pit_loss_properties() -> None:
    s0, s1 = _targets()
    g = torch.Generator().manual_seed(1)
    out0 = s0 + 0.1 * torch.randn(s0.shape, generator=g)
    out1 = s1 + 0.1 * torch.randn(s1.shape, generator=g)
    pit, swapped = losses.pit_loss(out0, out1, s0, s1)
    assert not swapped.any()
    torch.testing.assert_close(pit, losses.full_loss(out0, out1, s0, s1))  # right order: same loss
    pit2, swapped2 = losses.pit_loss(out0, out1, s1, s0)
    torch.testing.assert_close(pit2, pit)  # invariant to swapping the targets
    assert swapped2.all()
    # mixed orders in one batch: PIT is at most the fixed-order loss, strictly less here
    mixed_out0 = torch.where(torch.arange(4)[:, None, None, None] % 2 == 0, out0, out1)
    mixed_out1 = torch.where(torch.arange(4)[:, None, None, None] % 2 == 0, out1, out0)
    pit3, swapped3 = losses.pit_loss(mixed_out0, mixed_out1, s0, s1)
    assert swapped3.tolist() == [False, True, False, True]
    assert pit3 < losses.full_loss(mixed_out0, mixed_out1, s0, s1)
    torch.testing.assert_close(pit3, pit)


def test_the_original_l2_on_weights_is_the_optimizers_decay_on_every_conv_weight() -> None:
    from avscene import config
    from avscene.train.optim import param_groups

    net = UNet(width=2, levels=3)
    spec = config.get("cpu").separation.train
    decayed = {id(p) for g in param_groups(net, spec) if g["weight_decay"] == spec.weight_decay for p in g["params"]}
    convs = [p for n, p in net.named_parameters() if n.endswith("conv.weight")]
    assert spec.weight_decay == 1e-5 and convs and all(id(p) in decayed for p in convs)
    others = [p for n, p in net.named_parameters() if not n.endswith("conv.weight")]
    assert not any(id(p) in decayed for p in others)  # BN and biases are not decayed


# ---------------------------------------------------------------------------------------- metrics
def _sources(batch: int = 3, n: int = 4000) -> tuple[torch.Tensor, torch.Tensor]:
    t = torch.arange(n) / SR
    g = torch.Generator().manual_seed(0)
    tone = 0.1 * torch.sin(2 * math.pi * (200 + 300 * torch.rand(batch, 1, generator=g)) * t)
    noise = 0.05 * torch.randn(batch, n, generator=g)
    return tone, noise


def test_si_sdr_known_cases() -> None:
    on, off = _sources()
    mix = on + off
    assert (metrics.si_sdr(on, on) > 60).all()
    assert (metrics.si_sdr(3.0 * on, on) > 60).all()  # scale invariant
    torch.testing.assert_close(metrics.si_sdr_improvement(mix, on, mix), torch.zeros(3))
    assert (metrics.si_sdr_improvement(on, on, mix) > 40).all()
    ref = scale_invariant_signal_distortion_ratio(mix - mix.mean(-1, keepdim=True), on - on.mean(-1, keepdim=True))
    torch.testing.assert_close(metrics.si_sdr(mix, on), ref)


def test_assignment_accuracy() -> None:
    on, off = _sources()
    assert metrics.assignment_accuracy(on, off, on) == 1.0
    assert metrics.assignment_accuracy(off, on, on) == 0.0
    mix = on + off
    half = torch.stack([on[0], off[1], on[2]]), torch.stack([off[0], on[1], off[2]])
    assert metrics.assignment_correct(*half, on).tolist() == [True, False, True]
    assert metrics.assignment_accuracy(mix, off, on) == 1.0  # the mixture still holds the on-screen source


def test_bss_eval_known_cases_and_silence() -> None:
    on, off = _sources(batch=2)
    ref = torch.stack([on, off], dim=1).numpy()  # [2, 2, N]
    g = np.random.default_rng(0)
    est = ref + 1e-3 * g.standard_normal(ref.shape)
    good = metrics.bss_eval(ref, est)
    assert good.sdr.shape == (2, 2) and (good.sdr > 20).all() and good.evaluated == 2
    assert (good.perm == [0, 1]).all()
    fixed = metrics.bss_eval(ref, est[:, ::-1])
    assert (fixed.sdr < 0).all()  # swapped outputs, scored in order
    free = metrics.bss_eval(ref, est[:, ::-1], permute=True)
    assert (free.perm == [1, 0]).all()
    np.testing.assert_allclose(np.sort(free.sdr, axis=1), np.sort(good.sdr, axis=1))
    single = metrics.bss_eval(ref[0], est[0])  # one example, [n_src, N]
    np.testing.assert_allclose(single.sdr, good.sdr[:1])
    ref[1, 1] = 0.0  # a silent reference: skipped and counted
    est[0, 0] = 0.0  # a silent estimate: skipped and counted
    out = metrics.bss_eval(ref, est)
    assert np.isnan(out.sdr).all() and out.silent_reference == 1 and out.silent_estimate == 1
    assert out.evaluated == 0


# --------------------------------------------------------------------------------------- training
def test_training_steps_reduce_the_loss() -> None:
    """20 Adam steps on one fixed tiny batch lower the ``full`` loss; every parameter gets a gradient."""
    torch.manual_seed(0)
    n = SPEC.samples_for(32)
    on_wave, off_wave = _sources(batch=4, n=n)
    on_t, off_t = S.to_spec(on_wave, SPEC), S.to_spec(off_wave, SPEC)
    mix = S.to_spec(on_wave + off_wave, SPEC)  # [4, 2, 32, 256]
    video = _video(4)
    net = UNet(width=W, levels=5, video_channels=VIDEO_CH)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    history = []
    for step in range(21):
        on, off = net(mix, video)
        loss = losses.full_loss(on, off, on_t, off_t)
        history.append(loss.item())
        if step == 20:
            break
        opt.zero_grad()
        loss.backward()
        if step == 0:
            assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters())
        torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
        opt.step()
    assert history[-1] < 0.5 * history[0], history
