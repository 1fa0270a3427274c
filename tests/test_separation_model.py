"""SeparationNet, its task and evaluation (step 11, notebook 06) at tiny sizes: the video net hears the
stereo mixture and sees the frames (or one of them), a frozen one stays fixed, PIT reads swapped outputs,
the ideal ratio mask is an upper bound."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from avscene import config
from avscene.models import ShiftNet
from avscene.separation import data as D
from avscene.separation import metrics
from avscene.separation import spectrogram as S
from avscene.separation.model import SeparationNet, ideal_ratio_mask
from avscene.separation.task import SeparationTask, evaluate
from avscene.separation.unet import UNet

SMOKE = config.get("smoke")
SPEC = S.spec_spec(SMOKE.media.sample_rate)
CLIP = 16  # frames: 16 / 8 fps = 2 s, 62 spectrogram frames at 4 kHz
T = 32  # spectrogram frames the u-net reads


def _net(view: str = "full", frozen: bool = False, audio_only: bool = False) -> SeparationNet:
    torch.manual_seed(0)
    w = SMOKE.net.width
    if audio_only:
        return SeparationNet(UNet(width=4, levels=5, bn_momentum=0.1), SPEC, T)
    return SeparationNet(UNet(width=4, levels=5, video_channels=(w, 2 * w, 8 * w), bn_momentum=0.1), SPEC, T,
                         ShiftNet.from_config(SMOKE), frozen_video=frozen, view=view)


@pytest.fixture(scope="module")
def batch() -> dict[str, torch.Tensor]:
    src = D.synthetic(SMOKE, "train", 8)
    ds = D.MixtureDataset(src, SMOKE, p_same_class=0.5, seed=0, clip_frames=CLIP)
    return D.to_device(D.collate([ds[i] for i in range(2)]), torch.device("cpu"))


def test_outputs_have_the_mixture_spectrogram_shape_and_video_matters(batch):
    net = _net().eval()
    on, off = net(batch["frames"], batch["mixture"])
    assert on.shape == off.shape == (4, 2, T, SPEC.bins)
    assert net.mixture_spec(batch["mixture"]).shape == on.shape
    other, _ = net(batch["frames"].flip(0), batch["mixture"])  # the same sound, other pictures
    assert not torch.allclose(on, other)
    assert net.waveforms(on).shape == (4, net.samples)
    with pytest.raises(ValueError, match="video net"):
        SeparationNet(UNet(width=4, levels=5), SPEC, T, ShiftNet.from_config(SMOKE))


def test_the_single_frame_view_sees_no_motion(batch):
    net = _net(view="single_frame").eval()
    still = batch["frames"][:, :, CLIP // 2:CLIP // 2 + 1].expand_as(batch["frames"])
    a = net.video_features(batch["frames"], batch["mixture"])
    b = net.video_features(still, batch["mixture"])
    assert all(torch.allclose(x, y) for x, y in zip(a, b))  # at test: the middle frame, whatever moves


def test_a_frozen_video_net_stays_fixed_and_in_eval_mode(batch):
    net = _net(frozen=True)
    before = {k: v.clone() for k, v in net.video.state_dict().items()}
    net.train()
    assert not net.video.training and net.unet.training
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-2)
    task = SeparationTask()
    for _ in range(2):
        loss, logged = task.loss(net, batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert all(torch.equal(before[k], v) for k, v in net.video.state_dict().items())  # BN statistics too
    assert logged["l1"] > 0


def test_pit_takes_the_better_assignment_and_evaluation_reads_it(batch):
    net = _net(audio_only=True).eval()
    task = SeparationTask(pit=True)
    on, off = task.outputs(net, batch)
    per, swapped = task.pair_losses(net, batch, on, off)
    straight, _ = SeparationTask().pair_losses(net, batch, on, off)
    crossed, _ = SeparationTask().pair_losses(net, batch, off, on)
    assert torch.allclose(per, torch.minimum(straight, crossed))
    assert torch.equal(swapped, crossed < straight)


def test_evaluation_splits_by_class_and_the_ideal_mask_is_near_perfect():
    src = D.synthetic(SMOKE, "test", 8)
    ds = D.MixtureDataset(src, SMOKE, p_same_class=0.5, seed=3, train=False, n_test=3, clip_frames=CLIP)
    r = evaluate(_net(), ds, SeparationTask(), batch_pairs=2)
    assert set(r) == {"sisdr", "sisdri", "sisdr_mix", "assign", "l1", "same_class", "pair", "view", "swapped"}
    assert all(len(v) == 6 for v in r.values())
    assert np.allclose(r["sisdri"], r["sisdr"] - r["sisdr_mix"], atol=1e-3)
    # batches of 2 pairs, each laid out as (first videos on screen, second videos on screen)
    assert r["pair"].tolist() == [0, 1, 0, 1, 2, 2] and r["view"].tolist() == [0, 0, 1, 1, 0, 1]
    assert not r["swapped"].any()  # only PIT reads its outputs crossed
    assert np.array_equal(r["same_class"], src.classes[ds.pairs[0][r["pair"]]] == src.classes[ds.pairs[1][r["pair"]]])
    scored = evaluate(_net(), torch.utils.data.Subset(ds, range(1)), SeparationTask(), bss=True)
    assert scored["sdr"].shape == scored["sir"].shape == scored["sar"].shape == (2, 2)
    assert np.isfinite(scored["sdr"]).all() and np.allclose(scored["sisdri"], r["sisdri"][[0, 2]], atol=1e-4)
    b = D.collate([ds[i] for i in range(3)])
    on, off = b["on"].mean(1), b["off"].mean(1)
    est_on, est_off = ideal_ratio_mask(on, off, SPEC, on.shape[-1])
    mix = on + off
    gain = metrics.si_sdr_improvement(est_on, on, mix)
    assert (gain > 3).all(), gain  # an oracle mask separates distinct objects well
    assert metrics.assignment_accuracy(est_on, est_off, on) == 1.0


# ---------------------------------------------------------------- named runs


def test_every_variant_trains_under_its_name_and_is_scored(runs, capsys):
    from avscene.separation import runs as R

    shift, _ = R.shift_state(SMOKE)
    for variant in R.VARIANTS:
        trained = R.train(SMOKE, variant, 0)
        assert (runs / "separation" / variant / "seed0" / "run.json").exists()
        net = trained.model
        assert (net.video is None) == (variant == "pit")
        if variant in ("full", "single_frame"):  # the frozen shift run, as pretrained
            assert all(torch.equal(net.video.state_dict()[k], v) for k, v in shift.items())
        r = R.scores(SMOKE, variant, 0)
        assert len(r["sisdri"]) == 2 * SMOKE.separation.n_test_pairs and np.isfinite(r["sisdri"]).all()
    capsys.readouterr()
    R.train(SMOKE, "full", 0)
    assert "found the finished run 'separation/full/seed0'" in capsys.readouterr().out
    oracle = R.oracle_scores(SMOKE)
    assert (oracle["assign"]).all() and oracle["sisdri"].mean() > 3
    with pytest.raises(ValueError, match="unknown variant"):
        R.train(SMOKE, "i3d", 0)


def test_separation_benchmark_reports_step_rates_flops_and_audio_throughput():
    import argparse

    from avscene.bench import separation as bench

    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    (row,) = bench.run(parser.parse_args(["--profile", "smoke", "--seconds", "0.05"]))["rows"]
    s = SMOKE.separation
    assert row["profile"] == "smoke" and row["examples"] == 2 * s.train.batch
    assert row["s_per_step"] > 0 and row["pit_s_per_step"] > 0 and row["audio_s_per_s"] > 0
    assert row["separate_audio_s_per_s"] > 0  # through `separate`, from an mp4 file
    assert row["GFLOP_per_s"] > 0 and row["ratio"] == pytest.approx(row["GFLOP_per_s"] / row["matmul_GFLOP_per_s"])
    expect = (row["s_per_step"] * 3 + row["pit_s_per_step"]) * s.train.steps * s.seeds / 60
    assert row["variants_minutes"] == pytest.approx(expect)
