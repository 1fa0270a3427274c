"""avscene.localization: metrics on hand-made maps with known answers, baselines, CAM, overlay, benchmark."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from avscene import config
from avscene.localization import baselines, benchmark, cam, metrics, overlay
from avscene.models.inputs import frames_to_net


def _square(size: int, y: int, x: int, side: int) -> np.ndarray:
    g = np.zeros((size, size), bool)
    g[y:y + side, x:x + side] = True
    return g


# ------------------------------------------------------------------------------------------ metrics
def test_pointing_hit_and_miss() -> None:
    gt = np.stack([_square(8, 2, 2, 2), _square(8, 2, 2, 2)])
    maps = np.zeros((2, 8, 8))
    maps[0, 3, 3] = 1.0  # peak inside the square
    maps[1, 6, 6] = 1.0  # peak outside
    np.testing.assert_array_equal(metrics.pointing(maps, gt), [True, False])


def test_pointing_weighted_gt_needs_half() -> None:
    gt = np.zeros((2, 4, 4))
    gt[:, 1, 1] = [0.5, 0.4]
    maps = np.zeros((2, 4, 4))
    maps[:, 1, 1] = 1.0
    np.testing.assert_array_equal(metrics.pointing(maps, gt), [True, False])


def test_peak_places_partition_the_scenes() -> None:
    gt = np.zeros((3, 4, 5), bool)
    silent = np.zeros((3, 4, 5), bool)
    gt[:, 0, 0] = True
    silent[:, 3, 4] = True
    maps = np.zeros((3, 4, 5), np.float32)
    maps[0, 0, 0] = 1  # on the sounding object
    maps[1, 3, 4] = 1  # on the silent one
    maps[2, 2, 1] = 1  # on neither
    places = metrics.peak_places(maps, gt, silent)
    assert places["sounding"].tolist() == [True, False, False]
    assert places["silent"].tolist() == [False, True, False]
    assert places["background"].tolist() == [False, False, True]
    assert places["row"].tolist() == [0, 3, 2] and places["col"].tolist() == [0, 4, 1]


def test_ciou_by_hand() -> None:
    gt = _square(4, 0, 0, 2)[None]  # 4 GT pixels
    m = np.zeros((1, 4, 4))
    m[0, 0, 0] = m[0, 0, 1] = m[0, 1, 0] = 1.0  # 3 of them
    m[0, 3, 3] = 0.9  # and one pixel outside, above the 0.5 threshold
    m[0, 2, 2] = 0.4  # below it
    # cIoU = |P & G| / (|G| + |P outside G|) = 3 / (4 + 1)
    assert metrics.ciou(m, gt)[0] == pytest.approx(0.6)
    # min-max normalisation first: shifting and scaling the map changes nothing
    assert metrics.ciou(3 * m - 7, gt)[0] == pytest.approx(0.6)
    # a threshold of 0.95 keeps only the three 1.0 pixels: 3 / (4 + 0)
    assert metrics.ciou(m, gt, threshold=0.95)[0] == pytest.approx(0.75)


def test_each_map_is_normalised_on_its_own() -> None:
    gt = np.stack([_square(4, 0, 0, 2)] * 3)
    m = np.zeros((3, 4, 4))
    m[:, 0, 0] = m[:, 0, 1] = m[:, 1, 0] = 1.0
    m[:, 3, 3] = 0.9
    m[1] *= 100.0  # a map at another scale and one shifted far away must score the same
    m[2] -= 50.0
    np.testing.assert_allclose(metrics.ciou(m, gt), [0.6] * 3)
    np.testing.assert_allclose(metrics.normalize(m).numpy().reshape(3, -1).max(axis=1), [1.0] * 3)
    np.testing.assert_array_equal(metrics.binarize(m)[1], metrics.binarize(m[1]))


def test_ciou_weighted_gt() -> None:
    g = np.zeros((1, 2, 2))
    g[0, 0] = [1.0, 0.5]  # consensus map: two annotated pixels with different agreement
    m = np.array([[[1.0, 0.0], [1.0, 0.0]]])  # predicts (0,0) and (1,0)
    # sum(P*G) = 1; sum(G) = 1.5; P on G == 0: one pixel -> 1 / 2.5
    assert metrics.ciou(m, g)[0] == pytest.approx(0.4)


def test_ciou_median_threshold_is_top_half() -> None:
    m = np.arange(16, dtype=float).reshape(1, 4, 4)
    gt = np.zeros((1, 4, 4), bool)
    gt[0, 2:] = True  # the 8 largest values
    # LVS / EZ-VSL code: P = pred > sorted(pred)[H*W // 2] = values 9..15, 7 pixels, all on G -> 7 / 8
    assert metrics.ciou(m, gt, "median")[0] == pytest.approx(7 / 8)
    # the fixed 0.5 rule keeps values > 7.5 after min-max scaling to [0, 15]: all 8 pixels
    assert metrics.ciou(m, gt, 0.5)[0] == pytest.approx(1.0)
    gt2 = np.zeros((1, 4, 4), bool)
    gt2[0, 3] = True  # 4 pixels (12..15); the median rule predicts 9..15 -> 4 / (4 + 3)
    assert metrics.ciou(m, gt2, "median")[0] == pytest.approx(4 / 7)
    with pytest.raises(ValueError, match="threshold"):
        metrics.ciou(m, gt2, 1.5)


def test_auc_perfect_useless_and_mixed() -> None:
    assert metrics.auc(np.ones(10)) == pytest.approx(1.0)
    assert metrics.auc(np.zeros(10)) == pytest.approx(0.025)  # only t = 0 succeeds
    # half perfect, half useless: success 1 at t=0, 0.5 for t >= 0.05
    assert metrics.auc(np.array([1.0, 0.0])) == pytest.approx(0.05 * 0.75 + 0.95 * 0.5)
    # cIoU exactly on a threshold counts as a success there
    assert metrics.auc(np.array([0.5])) == pytest.approx(0.5 + 0.025)


def test_score_perfect_and_useless_maps() -> None:
    gt = np.stack([_square(16, 2, 3, 4), _square(16, 9, 8, 5)])
    perfect = metrics.score(gt.astype(float), gt)
    assert (perfect.pointing, perfect.ciou, perfect.ciou_at_05, perfect.auc) == (1.0, 1.0, 1.0, 1.0)
    useless = metrics.score((~gt).astype(float), gt)
    assert (useless.pointing, useless.ciou, useless.ciou_at_05) == (0.0, 0.0, 0.0)
    assert useless.auc == pytest.approx(0.025)
    assert perfect.n == 2
    assert "pointing" in metrics.table({"perfect": perfect, "useless": useless})


def test_score_per_frame_flattens_and_checks() -> None:
    gt = np.zeros((2, 3, 8, 8), bool)
    gt[:, :, :4, :4] = True
    maps = np.zeros((2, 3, 8, 8))
    maps[:, :, 1, 1] = 1.0
    maps[1, 2, 1, 1], maps[1, 2, 7, 7] = 0.0, 1.0  # one frame of six misses
    s = metrics.score(maps, gt)
    assert s.n == 6 and s.pointing == pytest.approx(5 / 6)
    with pytest.raises(ValueError, match="differ in shape"):
        metrics.score(maps[:, 0], gt)
    with pytest.raises(ValueError, match="no ground-truth"):
        metrics.score(maps, np.zeros_like(gt))


# ------------------------------------------------------------------------------------------ baselines
def test_center_prior_peaks_at_centre() -> None:
    c = baselines.center_prior(3, 16)
    assert c.shape == (3, 16, 16)
    np.testing.assert_allclose(c[0], c[0].T)
    np.testing.assert_allclose(c[0], c[0, ::-1, ::-1])
    assert c[0, 7:9, 7:9].min() == c.max()
    gt = np.zeros((3, 16, 16), bool)
    gt[:, 6:10, 6:10] = True
    assert metrics.pointing(c, gt).all()


def test_motion_energy_finds_what_moves() -> None:
    frames = np.full((2, 6, 32, 32, 3), 100, np.uint8)
    for t in range(6):  # a square moving right in clip 0; clip 1 is static
        frames[0, t, 20:26, 4 + 2 * t:10 + 2 * t] = 250
    e = baselines.motion_energy(frames, smooth=0.0)
    assert e.shape == (2, 32, 32)
    assert np.all(e[1] == 0)
    path = np.zeros((32, 32), bool)
    path[20:26, 4:20] = True
    assert np.all(e[0][~path] == 0) and e[0][path].max() > 0
    assert metrics.pointing(e[:1], path[None])[0]
    smooth = baselines.motion_energy(frames)
    assert metrics.pointing(smooth[:1], path[None])[0]
    per = baselines.motion_energy(frames, per_frame=True)
    assert per.shape == (2, 6, 32, 32)
    with pytest.raises(ValueError):
        baselines.motion_energy(frames[:, :1])


def test_random_maps_are_chance() -> None:
    r = baselines.random_maps((400, 10, 10), seed=3)
    np.testing.assert_array_equal(r, baselines.random_maps((400, 10, 10), seed=3))
    assert 0 <= r.min() and r.max() < 1
    gt = np.zeros((400, 10, 10), bool)
    gt[:, :5, :] = True  # half the frame: pointing at chance should be near 0.5
    assert 0.4 < metrics.pointing(r, gt).mean() < 0.6


# ------------------------------------------------------------------------------------------ CAM
def _model(width: int = 4, cam_model: bool | int = False, size: int = 64):
    from avscene.models import ShiftNet

    torch.manual_seed(0)
    m = ShiftNet(width, cam_levels=int(cam_model), bn_momentum=0.5)
    f, a = torch.rand(2, 3, 8, size, size) * 2 - 1, torch.rand(2, 2, 4000) * 2 - 1
    with torch.no_grad():
        for _ in range(2):  # non-trivial BN statistics
            m(f, a)
    return m.eval(), f, a


@pytest.mark.parametrize("size", [64, 65])
@pytest.mark.parametrize("cam_model,levels", [(False, 0), (False, 1), (False, 2), (True, 1), (2, 0)])
def test_dense_cam_contains_the_native_cam(cam_model: bool | int, levels: int, size: int) -> None:
    m, f, a = _model(cam_model=cam_model, size=size)
    r = cam.maps(m, f, a, dense_levels=levels)
    native = m.cam(f, a)
    torch.testing.assert_close(r.native, native, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(r.logits, m(f, a), rtol=1e-5, atol=1e-5)  # mean(cam) == logit
    torch.testing.assert_close(native.mean(dim=(1, 2, 3)), m(f, a), rtol=1e-5, atol=1e-5)
    assert r.maps.shape[-1] == -(-size // int(r.geometry.stride))  # ceil(size / stride) cells
    if size % 2 == 0:
        assert r.maps.shape[-1] == native.shape[-1] * 2 ** levels


def test_dense_levels_beyond_the_strides_raise() -> None:
    m, f, a = _model(cam_model=True)
    assert cam.dense_levels_available(m) == 1
    assert [cam.dense_levels_available(_model(cam_model=c)[0]) for c in (0, 2)] == [2, 0]
    with pytest.raises(ValueError, match="dense_levels"):
        cam.maps(m, f, a, dense_levels=2)


def test_cam_geometry_of_the_cam_levels() -> None:
    """Cells every 32 / 16 / 8 px; under TF SAME each stride-2 step centres output q on input 2q + 1, so
    the first cell sits at 31.5 / 15.5 / 7.5 px, and the cells span the frame to its last pixel."""
    for level, (stride, first) in enumerate([(32.0, 31.5), (16.0, 15.5), (8.0, 7.5)]):
        m, f, a = _model(cam_model=level)
        geo = cam.geometry(m, 64)
        assert (geo.stride, geo.first_center) == (stride, first)
        assert geo.first_center + (m.cam(f, a).shape[-1] - 1) * geo.stride == 63.5


def test_odd_crops_centre_the_cells_symmetrically() -> None:
    """At 65 = 8 * 9 - 7 px every stride-2 layer sees an odd size (65, 33, 17), so TF SAME pads both sides
    alike: output q is centred on input 2q, and the 9 cells of the cam=2 model sit symmetrically about
    the frame's centre (32.5), the middle one on it."""
    m, f, a = _model(cam_model=2, size=65)
    geo = cam.geometry(m, 65)
    n = m.cam(f, a).shape[-1]
    assert n == 9 and geo.stride == 8.0 and geo.first_center == 0.5
    assert geo.first_center + (n - 1) * geo.stride == 65 - geo.first_center


def test_upsample_puts_cells_at_their_centres() -> None:
    geo = cam.CamGeometry(stride=8.0, first_center=7.5)
    maps = torch.zeros(1, 8, 8)
    maps[0, 2, 5] = 1.0
    up = cam.upsample(maps, geo, 64)
    y, x = np.unravel_index(int(up[0].argmax()), (64, 64))
    # cell (2, 5) is centred on continuous (7.5 + 16, 7.5 + 40): pixels 23 and 47 hold the centre
    assert (y, x) == (23, 47)
    assert up.max() <= 1.0 and up.min() >= 0.0


def test_to_frames_abs_signed_and_per_frame() -> None:
    maps = torch.zeros(1, 2, 2, 2)
    maps[0, 0, 0, 0], maps[0, 1, 0, 0] = -4.0, 2.0
    r = cam.CamResult(maps, torch.zeros(1), cam.CamGeometry(stride=16.0, first_center=15.5))
    a = cam.to_frames(r, 32)
    s = cam.to_frames(r, 32, signed=True)
    assert a.shape == (1, 32, 32)
    assert float(a[0, 0, 0]) == pytest.approx(3.0) and float(s[0, 0, 0]) == pytest.approx(-1.0)
    p = cam.to_frames(r, 32, per_frame=8)
    assert p.shape == (1, 8, 32, 32)
    assert float(p[0, 0, 0, 0]) == pytest.approx(4.0) and float(p[0, -1, 0, 0]) == pytest.approx(2.0)
    assert float(p[0, 2, 0, 0]) == pytest.approx(3.0)  # frame 2 of 8 sits at map time 2 * 2 / 8 = 0.5


def test_cam_clips_takes_benchmark_arrays() -> None:
    m, _, _ = _model()
    frames = np.random.default_rng(0).integers(0, 256, (3, 8, 64, 64, 3), dtype=np.uint8)
    audio = np.random.default_rng(1).uniform(-1, 1, (3, 2, 4000)).astype(np.float32)
    r = cam.cam_clips(m, frames, audio, dense_levels=1, batch_size=2)
    assert r.maps.shape == (3, 1, 4, 4) and r.logits.shape == (3,)
    whole = cam.maps(m, frames_to_net(torch.from_numpy(frames)), torch.from_numpy(audio), dense_levels=1)
    torch.testing.assert_close(r.maps, whole.maps, rtol=1e-5, atol=1e-5)  # batching changes nothing
    with pytest.raises(ValueError, match="uint8"):
        cam.cam_clips(m, frames.astype(np.float32), audio)


def test_mirror_maps_the_mirrored_clip_and_averages_it_back_on_the_frame() -> None:
    m, _, _ = _model(cam_model=2)
    frames = np.random.default_rng(0).integers(0, 256, (3, 8, 64, 64, 3), dtype=np.uint8)
    audio = np.random.default_rng(1).uniform(-1, 1, (3, 2, 4000)).astype(np.float32)
    r = cam.cam_clips(m, frames, audio, batch_size=2, mirror=True)
    flipped = cam.cam_clips(m, np.ascontiguousarray(frames[:, :, :, ::-1]), audio, batch_size=2)
    torch.testing.assert_close(r.mirrored.maps, flipped.maps)  # audio unchanged, as in training
    assert r.mirrored.mirrored is None and cam.cam_clips(m, frames, audio).mirrored is None
    one, other = cam.to_frames(r, 64, mirror=False), cam.to_frames(flipped, 64)
    torch.testing.assert_close(cam.to_frames(r, 64), (one + other.flip(-1)) / 2)
    pf = cam.to_frames(r, 64, per_frame=8, signed=True)
    assert pf.shape == (3, 8, 64, 64)
    # by hand: one view peaks at cell (2, 5) (pixels 23, 47); the other at mirrored cell (2, 6), which is
    # pixel x = 55 in the mirrored frame, 63 - 55 = 8 in ours: the average has both, at half height
    geo = cam.CamGeometry(stride=8.0, first_center=7.5)
    a, b = torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 8)
    a[0, 0, 2, 5], b[0, 0, 2, 6] = 1.0, 1.0
    avg = cam.to_frames(cam.CamResult(a, torch.zeros(1), geo, cam.CamResult(b, torch.zeros(1), geo)), 64)[0]
    assert float(avg[23, 47]) == pytest.approx(0.5) and float(avg[23, 8]) == pytest.approx(0.5)
    assert float(avg.max()) == pytest.approx(0.5)


# ------------------------------------------------------------------------------------------ overlay
def test_heatmap_overlay_like_the_original() -> None:
    frames = np.full((2, 8, 8, 3), 100, np.uint8)
    heat = np.zeros((8, 8))
    heat[4:, 4:] = 10.0
    out = overlay.heatmap(frames, heat)
    assert out.shape == frames.shape and out.dtype == np.uint8
    np.testing.assert_array_equal(out[:, :4, :4], frames[:, :4, :4])  # below half the 97th percentile
    # at the top the blend weight is capped at 0.35: jet at 1.0 is dark red (0.5, 0, 0)
    red = np.array([0.5 * 255, 0, 0])
    expect = (100 * 0.65 + red * 0.35).astype(np.uint8)
    assert np.abs(out[0, 7, 7].astype(int) - expect.astype(int)).max() <= 1
    np.testing.assert_array_equal(overlay.heatmap(frames, np.ones((8, 8))), frames)  # constant: untouched
    with pytest.raises(ValueError, match="upsample"):
        overlay.heatmap(frames, np.zeros((4, 4)))


def test_overlay_video_is_saved(tmp_path) -> None:
    frames = np.random.default_rng(0).integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)
    heat = np.random.default_rng(1).random((8, 32, 32))
    data = overlay.overlay_video(frames, heat, np.zeros((2, 4000), np.float32), 8.0, 4000,
                                 path=tmp_path / "o.mp4", show=False)
    assert (tmp_path / "o.mp4").read_bytes() == data and len(data) > 1000


# ------------------------------------------------------------------------------------------ benchmark
def test_benchmark_scenes_have_the_promised_ground_truth() -> None:
    cfg = config.get("smoke")
    m = cfg.media
    b = benchmark.build(cfg, "distractor", n=4)
    assert b.frames.shape == (4, m.clip_frames, m.crop_size, m.crop_size, 3) and b.frames.dtype == np.uint8
    assert b.audio.shape == (4, m.channels, m.clip_samples)
    assert b.gt.shape == b.distractors.shape == (4, m.clip_frames, m.crop_size, m.crop_size)
    assert b.sounding.sum(axis=1).tolist() == [1] * 4 and not b.offscreen.any()
    assert b.scorable.all() and b.distractor_window().any(axis=(1, 2)).all()
    # the silent distractor moves: its pixels change over the window
    moving = [np.abs(np.diff(b.frames[i].astype(int).mean(-1), axis=0))[:, b.distractor_window()[i][:]].sum() > 0
              for i in range(4)]
    assert all(moving)
    again = benchmark.build(cfg, "distractor", n=4)
    np.testing.assert_array_equal(again.frames, b.frames)
    off = benchmark.build(cfg, "offscreen", n=2)
    assert off.offscreen.all() and off.scorable.all()
    only = benchmark.build(cfg, "offscreen_only", n=2)
    assert only.offscreen.all() and not only.gt.any() and not only.sounding.any()
    with pytest.raises(ValueError, match="kind"):
        benchmark.build(cfg, "nonsense", n=1)


# ------------------------------------------------------------------------------------------ CAM model
def test_cam_model_profile_takes_the_localization_sizes() -> None:
    from avscene import config
    from avscene.localization import cam_model

    cfg = config.get("cpu")
    lcfg = cam_model.profile(cfg)
    L = cfg.localization
    assert (lcfg.media.frame_size, lcfg.media.crop_size) == (L.frame_size, L.crop_size)
    assert lcfg.net.cam_levels == L.cam_levels and lcfg.train == L.finetune and lcfg.synth.curriculum == ()
    assert (L.finetune.batch, L.finetune.optimizer) == (cfg.train.batch, cfg.train.optimizer)
    assert lcfg.synth.difficulty == L.difficulty == "anywhere"  # objects anywhere, not in fixed slots
    assert lcfg.media.fps == cfg.media.fps and lcfg.net.width == cfg.net.width  # the same network otherwise
    with pytest.raises(ValueError, match="exceeds"):
        cam_model.profile(cfg.replace(**{"localization.crop_size": 80}))


def test_cam_model_finetunes_from_the_base_then_loads_and_restarts_for_another_base(tmp_path, capsys) -> None:
    from avscene import config
    from avscene.localization import cam_model
    from avscene.models import ShiftNet

    cfg = config.get("smoke")
    cpu = torch.device("cpu")
    torch.manual_seed(0)
    base = ShiftNet.from_config(cfg)
    run = cam_model.finetune(cfg, base, run_dir=tmp_path / "cam", device=cpu)
    assert run.model.cam_levels == cfg.localization.cam_levels and not run.model.training
    assert run.history[-1]["step"] == cfg.localization.finetune.steps
    tuned = run.model.state_dict()
    assert any(not torch.equal(tuned[k], v) for k, v in base.state_dict().items())  # it trained

    again = cam_model.finetune(cfg, base, run_dir=tmp_path / "cam", device=cpu)  # finished: loaded as is
    assert all(torch.equal(again.model.state_dict()[k], v) for k, v in tuned.items())
    assert "anew" not in capsys.readouterr().out

    torch.manual_seed(1)
    other = ShiftNet.from_config(cfg)  # the shift network was retrained: the CAM run is stale
    redone = cam_model.finetune(cfg, other, run_dir=tmp_path / "cam", device=cpu)
    assert "anew" in capsys.readouterr().out
    assert any(not torch.equal(redone.model.state_dict()[k], v) for k, v in tuned.items())


def test_localization_benchmark_reports_rates_at_smoke_size() -> None:
    import argparse

    from avscene.bench import localization as bench_loc

    parser = argparse.ArgumentParser()
    bench_loc.add_arguments(parser)
    result = bench_loc.run(parser.parse_args(["--profile", "smoke", "--scenes", "4", "--seconds", "0.1",
                                              "--device", "cpu"]))
    (row,) = result["rows"]
    assert row["profile"] == "smoke" and row["cam_levels"] == 2 and row["map"] == "5x5"  # 33-px crops
    for key in ("scenes_built_per_s", "cam_clips_per_s", "cam_mirrored_clips_per_s", "maps_scored_per_s",
                "finetune_clips_per_s"):
        assert row[key] > 0, key
    assert row["finetune_minutes"] == pytest.approx(row["finetune_s_per_step"] * 2 / 60)
