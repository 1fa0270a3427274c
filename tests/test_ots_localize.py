"""avscene.ots.localize and the benchmark's ``same_class`` kind: AVOL-Net's maps on the notebook-04 benchmark,
beside the CAM model and the baselines (notebook 07), at the smoke profile."""
from __future__ import annotations

import dataclasses
import hashlib

import numpy as np
import pytest
import torch
from avscene import config
from avscene.localization import benchmark as B
from avscene.localization import cam_model, metrics
from avscene.ots import embed as E
from avscene.ots import localize as LZ
from avscene.ots import runs as R
from avscene.ots.nets import AVOLNet, Subnet
from avscene.synthetic import N_CLASSES, World
from torch import nn

SMOKE = config.get("smoke")
CPU = config.get("cpu")

# sha256 (first 16 hex digits) of frames, audio, gt and distractors of scene 0 of each kind, at notebook 04's
# smoke sizes (``cam_model.profile(SMOKE)``), computed with the code before ``same_class`` was added
BEFORE = {"distractor": "0ac3c24b45d5e809", "offscreen": "36d9af89115c1adb", "offscreen_only": "964782b44165637a"}


pytestmark = pytest.mark.usefixtures("one_thread")


def _hash(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


# ------------------------------------------------------------------------------------------------ the new kind
def test_existing_kinds_are_unchanged() -> None:
    assert B.KINDS == ("distractor", "offscreen", "offscreen_only")  # notebook 04's, unchanged
    assert B.ALL_KINDS == (*B.KINDS, "same_class")
    lcfg = cam_model.profile(SMOKE)
    for kind, digest in BEFORE.items():
        b = B.build(lcfg, kind, n=1)
        assert _hash(b.frames[0], b.audio[0], b.gt[0], b.distractors[0]) == digest, kind


def test_same_class_scenes_have_two_objects_of_one_class_one_sounding() -> None:
    lcfg = cam_model.profile(SMOKE)
    n = 6
    b = B.build(lcfg, "same_class", n=n)
    assert b.kind == "same_class" and len(b) == n
    assert b.classes.shape == (n, 2) and (b.classes[:, 0] == b.classes[:, 1]).all()
    assert b.sounding.sum(axis=1).tolist() == [1] * n and not b.offscreen.any() and b.scorable.all()
    assert len(set(b.classes[:, 0].tolist())) > 1  # the class varies from scene to scene
    # per object ground truth: both objects visible, their masks never share a pixel
    assert b.distractor_window().any(axis=(1, 2)).all() and not (b.gt & b.distractors).any()
    # the ground truth is the sounding object's own mask, the silent one's is the distractor: re-render each
    # scene and compare with the world's per-object masks, stems and events
    m = lcfg.media
    world = World(m, lcfg.synth.difficulty, seed=lcfg.seed, seconds=(m.clip_frames + 0.5) / m.fps)
    y0, c, t = (m.frame_size - m.crop_size) // 2, m.crop_size, m.clip_frames
    first = B.FIRST_INDEX + B.ALL_KINDS.index("same_class") * B._KIND_STRIDE
    np.testing.assert_array_equal(b.indices, np.arange(first, first + n))
    for i in range(n):
        spec = B._spec("same_class", np.random.default_rng([lcfg.seed, 7, 3, i]), np.arange(N_CLASSES))
        clip = world.clip(first + i, spec)
        np.testing.assert_array_equal(clip.frames[:t, y0:y0 + c, y0:y0 + c], b.frames[i])
        masks = clip.masks[:, :t, y0:y0 + c, y0:y0 + c]
        k = int(np.flatnonzero(clip.sounding)[0])
        np.testing.assert_array_equal(b.gt[i], masks[k])
        np.testing.assert_array_equal(b.distractors[i], masks[1 - k])
        # one on-screen stem, the sounding object's; the silent twin moves at events of its own
        assert clip.stem_onscreen.sum() == 1 and clip.stem_object[clip.stem_onscreen].tolist() == [k]
        assert len(clip.events[1 - k]) and not np.array_equal(clip.events[0], clip.events[1])
        moved = np.abs(np.diff(b.frames[i].astype(int).mean(-1), axis=0))[:, b.distractor_window()[i]].sum()
        assert moved > 0


# ------------------------------------------------------------------------------------------------ geometry
def test_geometry_keeps_objects_at_avol_training_scale() -> None:
    g = LZ.geometry(CPU)  # 65-px crops of 72-px frames -> AVOL's 32 of 36
    assert (g.bench_size, g.input_size, g.scale, g.start, g.cells) == (65, 32, 2.0, 1.0, 8)
    assert (g.on_input.stride, g.on_input.first_center) == (4.0, 1.5)
    assert (g.on_benchmark.stride, g.on_benchmark.first_center) == (8.0, 4.0)
    s = LZ.geometry(SMOKE)  # 33-px crops of 36-px frames -> 32 of 36: the same scale
    assert (s.bench_size, s.input_size, s.scale, s.start, s.cells) == (33, 32, 1.0, 1.0, 8)
    for name in config.PROFILE_NAMES:  # AVOL's view inside the benchmark crop at every profile
        p = config.get(name)
        geo = LZ.geometry(p)
        assert geo.scale == cam_model.profile(p).media.frame_size / p.media.frame_size
        assert 0 <= geo.start and geo.start + geo.scale * geo.input_size <= geo.bench_size
    with pytest.raises(ValueError, match="leaves"):
        LZ.geometry(CPU.replace(**{"localization.crop_size": 40}))
    # AVOL-Net's own pools (cfg.ots.avol) set its map: no pooling, a 16 x 16 map of cells every 2 input pixels
    fine = LZ.geometry(CPU.replace(**{"ots.avol": dataclasses.replace(CPU.ots.avol, pools=0)}))
    assert (fine.cells, fine.on_input.stride, fine.on_benchmark.stride) == (16, 2.0, 4.0)


@pytest.mark.parametrize("first_stride, pools, size", [(2, 1, 96), (2, 3, 224), (1, 2, 96)])
def test_cell_geometry_is_the_centre_of_each_cell_receptive_field(first_stride: int, pools: int, size: int) -> None:
    """An impulse at input column ``x`` reaches exactly the cells whose receptive field holds ``x`` (positive
    weights, identity BN, zero background): each interior cell's field is centred where the geometry says."""
    net = Subnet(3, 1, pools=pools, first_stride=first_stride).double().eval()
    with torch.no_grad():
        for mod in net.modules():
            if isinstance(mod, nn.Conv2d):
                mod.weight.fill_(1.0 / mod.weight[0].numel())
    x = torch.zeros(size, 3, 2 ** (pools + 2), size, dtype=torch.float64)
    x[torch.arange(size), :, x.shape[2] // 2, torch.arange(size)] = 1.0
    with torch.no_grad():
        reached = net(x).amax(dim=(1, 2)) > 0  # [impulse column, cell]
    geo = LZ.cell_geometry(first_stride, pools)
    checked = 0
    for j in range(reached.shape[1]):
        cols = torch.nonzero(reached[:, j])[:, 0]
        lo, hi = int(cols.min()), int(cols.max())
        if lo == 0 or hi == size - 1:
            continue  # the field is cut by the border
        assert (lo + hi + 1) / 2 == geo.first_center + geo.stride * j
        checked += 1
    assert checked >= 2


def test_resample_shows_avol_its_training_scale() -> None:
    g = LZ.geometry(CPU)
    frames = np.full((1, 65, 65, 3), 100, np.uint8)
    frames[0, 9:11, 21:23] = 255  # a 2x2 white block at benchmark rows 9-10, columns 21-22
    frames[0, 40, 40] = 0  # one dark pixel: a quarter of an AVOL pixel
    view = LZ.resample(frames, g)
    assert view.shape == (1, 32, 32, 3) and view.dtype == np.uint8
    # benchmark pixel y is AVOL coordinate (y - 1) / 2
    assert g.to_input(9.0) == 4.0 and g.to_input(21.0) == 10.0
    assert (view[0, 4, 10] == 255).all() and (view[0, 19, 19] == 75).all()  # (3 * 100 + 0) / 4
    others = np.ones((32, 32), bool)
    others[4, 10] = others[19, 19] = False
    assert (view[0][others] == 100).all()
    one = LZ.resample(np.arange(33 * 33 * 3, dtype=np.int64).reshape(1, 33, 33, 3).astype(np.uint8),
                      LZ.geometry(SMOKE))  # scale 1: the crop's pixels 1 .. 32
    np.testing.assert_array_equal(one[0], (np.arange(33 * 33 * 3).reshape(33, 33, 3).astype(np.uint8))[1:, 1:])


@pytest.mark.parametrize("cfg", [SMOKE, CPU], ids=["smoke", "cpu"])
def test_a_map_peaked_at_one_cell_lands_on_that_cell_in_the_benchmark_frame(cfg) -> None:
    g = LZ.geometry(cfg)
    h = g.cells
    cells = torch.zeros(h * h, h, h)
    cells[torch.arange(h * h), torch.arange(h * h) // h, torch.arange(h * h) % h] = 1.0
    maps = LZ.to_benchmark(cells, g)
    assert maps.shape == (h * h, g.bench_size, g.bench_size)
    px = np.arange(g.bench_size) + 0.5
    for k in range(h * h):
        i, j = divmod(k, h)
        cy, cx = g.on_benchmark.first_center + g.on_benchmark.stride * np.array([i, j])
        # the cell's centre on the benchmark is where AVOL saw it: back through the view, at its own centre
        assert g.to_input(cy) == g.on_input.first_center + g.on_input.stride * i
        m = maps[k].numpy()
        near = np.abs(px - cy) <= 0.5, np.abs(px - cx) <= 0.5  # the pixels nearest the cell's centre
        assert near[0].any() and near[1].any() and m[np.ix_(*near)].max() >= m.max() - 1e-6

        def allowed(centre: float, cell: int) -> np.ndarray:  # edge cells extend to the border
            return ((px >= centre - 0.5) | (cell == 0)) & ((px <= centre + 0.5) | (cell == h - 1))

        top = np.argwhere(m >= m.max() - 1e-6)
        assert allowed(cy, i)[top[:, 0]].all() and allowed(cx, j)[top[:, 1]].all()
        if 0 < i < h - 1 and 0 < j < h - 1:  # the pointing game's peak, on the cell's centre
            r, c = np.unravel_index(int(m.argmax()), m.shape)
            assert abs(r + 0.5 - cy) <= 0.5 and abs(c + 0.5 - cx) <= 0.5


class _Brightness(nn.Module):
    """A stand-in for AVOL-Net: the map is the input's brightness at each cell's centre (pixel)."""

    def __init__(self, geo: LZ.Geometry) -> None:
        super().__init__()
        self.idx = torch.tensor([int(geo.on_input.first_center + geo.on_input.stride * j) for j in range(geo.cells)])
        self.dummy = nn.Parameter(torch.zeros(()))

    def forward(self, image: torch.Tensor, spec: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        m = (image.mean(dim=1)[:, self.idx][:, :, self.idx] + 1) / 2
        return m.flatten(1).amax(dim=1), m


def _disks(centres: list[tuple[float, float]], radius: float) -> tuple[LZ.Geometry, B.Benchmark]:
    """CPU-geometry benchmark scenes, each a bright still disk (the sounding object) on grey, silent sound."""
    g, m = LZ.geometry(CPU), cam_model.profile(CPU).media
    n, s, t = len(centres), g.bench_size, m.clip_frames
    frames = np.full((n, t, s, s, 3), 90, np.uint8)
    gt = np.zeros((n, t, s, s), bool)
    yy, xx = np.mgrid[:s, :s] + 0.5
    for i, (cy, cx) in enumerate(centres):
        disk = (yy - cy) ** 2 + (xx - cx) ** 2 <= radius ** 2
        frames[i, :, disk] = 250
        gt[i, :, disk] = True
    return g, B.Benchmark(kind="distractor", frames=frames, audio=np.zeros((n, 2, m.clip_samples), np.float32), gt=gt,
                          distractors=np.zeros_like(gt), classes=np.zeros((n, 1), int),
                          sounding=np.ones((n, 1), bool), offscreen=np.zeros(n, bool), indices=np.arange(n),
                          fps=m.fps, sample_rate=m.sample_rate)


def test_a_bright_object_is_pointed_at_through_the_whole_path() -> None:
    """Frames -> AVOL's view -> a map that follows brightness -> the benchmark grid: the peak is on the object."""
    s = LZ.geometry(CPU).bench_size
    # clear of the border, where the map is flat out to the edge (ties)
    g, bench = _disks([tuple(c) for c in np.random.default_rng(0).uniform(14, s - 14, (6, 2))], 6)
    n = len(bench)
    maps = LZ.avol_maps(_Brightness(g), bench, g, n_frames=3)
    assert maps.shape == (n, s, s) and maps.dtype == np.float32
    assert metrics.score(maps, bench.gt_window()).pointing == 1.0
    one = LZ.avol_maps(_Brightness(g), bench, g, n_frames=3, mirrors=((),))
    assert metrics.score(one, bench.gt_window()).pointing == 1.0


class _Offset(_Brightness):
    """A network whose peak sits one cell below and right of the bright object (a fixed offset of its filters):
    its map is the brightness blurred (a Gaussian of 1.5 cells) and moved one cell down and right."""

    def forward(self, image: torch.Tensor, spec: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        _, m = super().forward(image, spec)
        r = torch.arange(-3, 4, dtype=m.dtype)
        k = torch.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * 1.5 ** 2))
        m = torch.nn.functional.conv2d(m[:, None] - m.amin(), (k / k.sum())[None, None], padding=3)[:, 0]
        m = torch.nn.functional.pad(m, (1, 0, 1, 0))[:, :-1, :-1]
        return m.flatten(1).amax(dim=1), m


def test_four_mirrored_views_cancel_a_fixed_offset_one_view_cannot() -> None:
    g, bench = _disks([(20, 20), (44, 24), (28, 40), (36, 36)], 7)
    frames = bench.frames
    net = _Offset(g)  # one cell = 8 benchmark pixels below and right: outside a disk of radius 7
    one = LZ.avol_maps(net, bench, g, n_frames=1, mirrors=((),))
    four = LZ.avol_maps(net, bench, g, n_frames=1)
    assert metrics.score(one, bench.gt_window()).pointing == 0.0
    assert metrics.score(four, bench.gt_window()).pointing == 1.0
    # a mirrored view's map is the mirror image of the map of the mirrored frames
    mirrored = B.Benchmark(**{**bench.__dict__, "frames": np.ascontiguousarray(frames[:, :, :, ::-1])})
    np.testing.assert_allclose(LZ.avol_maps(net, bench, g, n_frames=1, mirrors=((-1,),)),
                               LZ.avol_maps(net, mirrored, g, n_frames=1, mirrors=((),))[:, :, ::-1], atol=1e-6)
    with pytest.raises(ValueError, match="mirror axes"):
        LZ.avol_maps(net, bench, g, mirrors=((-3,),))
    with pytest.raises(ValueError, match="at least one view"):
        LZ.avol_maps(net, bench, g, mirrors=())


def test_frames_and_sound_as_embed_inputs() -> None:
    b = LZ.benchmark(SMOKE, "same_class", n=2)
    m = SMOKE.media  # 16 frames at 8 fps, 2 s of sound at 4 kHz: frames 4 .. 12 admit a centred second
    assert LZ.frame_indices(b).tolist() == [4, 6, 8, 10, 12] and LZ.frame_indices(b, 1).tolist() == [8]
    g = LZ.geometry(SMOKE)
    image, spec = LZ.inputs(b, 8, g)
    assert image.shape == (2, 3, 32, 32) and float(image.min()) >= -1 and float(image.max()) <= 1
    clips = R.Clips(b.frames, b.audio, np.ones((2, N_CLASSES), bool), m.fps, m.sample_rate)
    _, want = E.inputs(clips, m.crop_size)  # the middle frame's second of mono sound
    torch.testing.assert_close(spec, want, rtol=0, atol=0)
    with pytest.raises(ValueError, match="leaves"):
        LZ.inputs(b, 1, g)


def test_avol_maps_of_a_network_on_the_mask_grid() -> None:
    torch.manual_seed(0)
    net = R.build(SMOKE, "avol")
    assert isinstance(net, AVOLNet)
    net.train()
    b = LZ.benchmark(SMOKE, "distractor", n=3)
    g = LZ.geometry(SMOKE)
    cells = LZ.cell_maps(net, b, g, n_frames=2, device=torch.device("cpu"))
    assert net.training and cells.shape == (3, g.cells, g.cells)  # its mode is restored
    maps = LZ.avol_maps(net, b, g, n_frames=2, device=torch.device("cpu"), mirrors=((),))
    assert maps.shape == (3, 33, 33) and 0 <= maps.min() and maps.max() <= 1
    np.testing.assert_allclose(maps, LZ.to_benchmark(cells, g).numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="frames"):
        LZ.cell_maps(net, B.build(SMOKE, "distractor", n=1), g)  # 32-px scenes, not the benchmark's 33


# ------------------------------------------------------------------------------------------------ the table
def test_table_scores_every_method_on_both_kinds(runs) -> None:
    cpu = torch.device("cpu")
    n = 3
    result = LZ.table(SMOKE, n=n, n_frames=2, device=cpu)
    methods = [LZ.avol_name(s, one_view=o) for s in range(SMOKE.ots.seeds) for o in (False, True)]
    methods += [LZ.CAM, *LZ.BASELINES]
    assert list(result) == methods == ["AVOL-Net seed0", "AVOL-Net one view seed0", "AVOL-Net seed1",
                                       "AVOL-Net one view seed1", "CAM |abs|", "motion energy", "centre prior",
                                       "random"]
    for method, per in result.items():
        assert list(per) == ["distractor", "same_class"], method
        for kind, s in per.items():
            values = [v for k, v in s.as_dict().items() if k != "n"]
            assert s.n == n and all(np.isfinite(v) and 0 <= v <= 1 for v in values), (method, kind)
    assert (runs / "ots" / "avol" / "seed1").is_dir() and (runs / "cam").is_dir()
    rows = LZ.rows(result)
    assert len(rows) == len(methods) * 2 and {r["seed"] for r in rows} == {0, 1, None}
    assert {r["seed"] for r in rows if r["method"] == "AVOL-Net one view seed1"} == {1}
    # the same scenes and functions as notebook 04: the benchmark, the CAM model's map, motion energy
    c = LZ.compare(SMOKE, "same_class", seeds=[1], n=n, n_frames=2, device=cpu)
    np.testing.assert_array_equal(c.bench.frames, B.build(cam_model.profile(SMOKE), "same_class", n).frames)
    assert c.scores()["motion energy"] == result["motion energy"]["same_class"]
    assert c.scores()[LZ.CAM] == result[LZ.CAM]["same_class"]
    assert c.scores()["AVOL-Net seed1"] == result["AVOL-Net seed1"]["same_class"]
    one = LZ.scores(SMOKE, "distractor", 0, n=n, n_frames=2, device=cpu)
    assert one == result["AVOL-Net seed0"]["distractor"]
    comps = LZ.comparisons(SMOKE, n=n, n_frames=2, device=cpu)
    assert LZ.tabulate(comps) == result
    picks = LZ.choices(comps)
    assert set(picks) == set(result) and all(0 <= v <= 1 for per in picks.values() for v in per.values())


def test_object_choice_says_which_object_a_map_favours() -> None:
    _, bench = _disks([(20, 20), (44, 44)], 6)
    bench.distractors[:] = np.roll(bench.gt, 12, axis=-1)  # a silent twin 12 pixels to the right
    gt, dis = bench.gt_window(), bench.distractor_window()
    on_sounding = gt.astype(np.float32) + 0.1 * dis
    assert LZ.object_choice(on_sounding, bench).tolist() == [True, True]
    assert LZ.object_choice(dis.astype(np.float32), bench).tolist() == [False, False]
    flat = np.ones_like(on_sounding)  # no preference is no choice
    assert not LZ.object_choice(flat, bench).any()
    with pytest.raises(ValueError, match="do not match"):
        LZ.object_choice(on_sounding[:, :-1], bench)
    bench.distractors[1] = False
    with pytest.raises(ValueError, match="lack a sounding or a silent"):
        LZ.object_choice(on_sounding, bench)
