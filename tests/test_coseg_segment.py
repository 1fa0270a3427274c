"""avscene.coseg.segment: IoU of the assigned channel's thresholded map on constructed maps (known answers), its
per-class means, the held-out duet scenes, the channel maps of a smoke network and the labelled solo clips."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from avscene import config
from avscene.coseg import runs as R
from avscene.coseg import segment
from avscene.coseg.data import MixSeparateDataset
from avscene.coseg.task import image_inputs
from avscene.synthetic.datasets import SoloDuetSet

SMOKE = config.get("smoke")
C = SMOKE.coseg

pytestmark = pytest.mark.usefixtures("one_thread")


def _scenes(masks: np.ndarray, classes) -> segment.SegScenes:
    masks = np.asarray(masks, dtype=bool)
    s, _, h, w = masks.shape
    return segment.SegScenes(np.zeros((s, 1, h, w, 3), np.uint8), masks, np.asarray(classes, dtype=np.int64))


def _solo() -> tuple[MixSeparateDataset, np.ndarray]:
    d = R.synthetic_data(SMOKE)
    solo = MixSeparateDataset(d.train, 1, n_mix=1, frames=C.frames, frame_spacing=C.frame_spacing,
                              samples=C.samples, train=False, seed=SMOKE.seed)
    return solo, np.asarray(d.train.classes)


# ---------------------------------------------------------------- iou, iou_per_class
def test_iou_known_answers() -> None:
    h = w = 4
    m = np.zeros((1, 2, h, w), bool)
    m[0, 0, 0, :2] = True  # object of class 0: 2 pixels
    m[0, 1, 3, :] = True  # object of class 1: 4 pixels
    scenes = _scenes(m, [[0, 1]])
    table = np.array([2, 0])  # class 0 -> channel 2, class 1 -> channel 0
    maps = np.zeros((1, 3, h, w), np.float32)
    maps[0, 2] = m[0, 0]  # channel 2 is exactly object 0
    maps[0, 0, 0, 2:] = 0.9  # channel 0 fires elsewhere than object 1: disjoint
    maps[0, 1] = m[0, 1]  # channel 1 is object 1, but class 1 is not assigned to it
    np.testing.assert_allclose(segment.iou(maps, scenes, table), [[1.0, 0.0]])
    # through channel 1, object 1 is found exactly
    np.testing.assert_allclose(segment.iou(maps, scenes, np.array([2, 1])), [[1.0, 1.0]])
    # half overlap: 2 predicted pixels, one of them on the 2-pixel object -> 1 / 3
    half = np.zeros_like(maps)
    half[0, 2, 0, 1:3] = 1.0
    assert segment.iou(half, scenes, table)[0, 0] == pytest.approx(1 / 3)
    # a map covering everything: |object| / |frame|
    full = np.ones_like(maps)
    np.testing.assert_allclose(segment.iou(full, scenes, table), [[2 / 16, 4 / 16]])
    # the threshold is strict (> 0.5) and can be moved
    edge = np.zeros_like(maps)
    edge[0, 2] = 0.5 * m[0, 0]
    assert segment.iou(edge, scenes, table)[0, 0] == 0.0
    assert segment.iou(edge, scenes, table, threshold=0.4)[0, 0] == 1.0
    out = segment.iou(maps, scenes, table)
    assert out.shape == (1, 2) and out.dtype == np.float64


def test_iou_per_scene_and_class() -> None:
    rng = np.random.default_rng(0)
    masks = rng.uniform(size=(3, 2, 5, 5)) > 0.5
    scenes = _scenes(masks, [[0, 1], [1, 2], [2, 0]])
    maps = rng.uniform(size=(3, 4, 5, 5)).astype(np.float32)
    table = np.array([3, 1, 0])
    got = segment.iou(maps, scenes, table)
    for s in range(3):
        for j in range(2):
            pred = maps[s, table[scenes.classes[s, j]]] > 0.5
            want = (pred & masks[s, j]).sum() / (pred | masks[s, j]).sum()
            assert got[s, j] == pytest.approx(want)
    per = segment.iou_per_class(got, scenes, 4)
    assert per[0] == pytest.approx((got[0, 0] + got[2, 1]) / 2)
    assert per[1] == pytest.approx((got[0, 1] + got[1, 0]) / 2)
    assert per[2] == pytest.approx((got[1, 1] + got[2, 0]) / 2)
    assert set(per) == {0, 1, 2, 3} and np.isnan(per[3])  # no object of class 3


# ---------------------------------------------------------------- scenes and maps
@pytest.fixture(scope="module")
def scenes() -> segment.SegScenes:
    return segment.seg_scenes(SMOKE, R.profile(SMOKE).media, 4)


def test_seg_scenes_are_duets_of_two_classes(scenes) -> None:
    size = C.frame_size
    assert len(scenes) == 4
    assert scenes.frames.shape == (4, C.frames, size, size, 3) and scenes.frames.dtype == np.uint8
    assert scenes.masks.shape == (4, 2, size, size) and scenes.masks.dtype == bool
    assert scenes.classes.shape == (4, 2) and scenes.classes.dtype == np.int64
    assert (scenes.classes[:, 0] != scenes.classes[:, 1]).all()
    assert scenes.masks.any(axis=(2, 3)).all()  # every object is visible at the middle frame
    # the frames around the middle one, the masks at the middle one
    clips = SoloDuetSet(R.profile(SMOKE).media, 4, p_duet=1.0, seed=SMOKE.seed, split="test")
    offsets = (np.arange(C.frames) - C.frames // 2) * C.frame_spacing
    for s, clip in enumerate(clips):
        t = len(clip.frames) // 2
        np.testing.assert_array_equal(scenes.frames[s], clip.frames[t + offsets])
        np.testing.assert_array_equal(scenes.masks[s], clip.masks[:2, t])
    # deterministic
    again = segment.seg_scenes(SMOKE, R.profile(SMOKE).media, 4)
    np.testing.assert_array_equal(again.frames, scenes.frames)


def test_channel_maps_sigmoid_and_softmax(scenes) -> None:
    torch.manual_seed(0)
    model = R.build(SMOKE).eval()
    maps = segment.channel_maps(model, torch.sigmoid, scenes.frames)
    size = C.frame_size
    assert maps.shape == (4, C.channels, size, size) and maps.dtype == np.float32
    assert np.isfinite(maps).all() and maps.min() >= 0 and maps.max() <= 1
    # by hand: the pixel maps (max over frames), the activation, bilinear upsampling
    with torch.no_grad():
        logits = model.image.pixel_maps(image_inputs(torch.from_numpy(scenes.frames)))
        want = F.interpolate(torch.sigmoid(logits), size=(size, size), mode="bilinear", align_corners=False)
    np.testing.assert_allclose(maps, want.numpy(), atol=1e-6)
    # batching does not change the maps (eval mode)
    np.testing.assert_allclose(segment.channel_maps(model, torch.sigmoid, scenes.frames, batch_size=3), maps,
                               atol=1e-6)
    # a softmax over the channels still sums to one at every pixel after the (linear) upsampling
    soft = segment.channel_maps(model, lambda x: torch.softmax(x / C.tau_end, dim=1), scenes.frames)
    np.testing.assert_allclose(soft.sum(axis=1), 1.0, atol=1e-5)


# ---------------------------------------------------------------- solo clips and the channel matrix
def test_solo_clips_per_class() -> None:
    solo, classes = _solo()
    n_classes = int(classes.max()) + 1
    frames, labels = segment.solo_clips(solo, classes, n_classes, 1)
    assert frames.shape == (n_classes, C.frames, C.frame_size, C.frame_size, 3) and frames.dtype == np.uint8
    np.testing.assert_array_equal(labels, np.arange(n_classes))
    assert labels.dtype == np.int64
    for c in range(n_classes):
        first = int(np.intersect1d(np.flatnonzero(classes == c), solo.eligible)[0])
        np.testing.assert_array_equal(frames[c], solo.middle(first)[0])
    # two per class where there are two; every class at least one
    _, two = segment.solo_clips(solo, classes, n_classes, 2)
    counts = np.bincount(classes, minlength=n_classes)
    np.testing.assert_array_equal(np.bincount(two, minlength=n_classes), np.minimum(counts, 2))
    assert (np.diff(two) >= 0).all()  # grouped by class
    with pytest.raises(ValueError, match=f"class {n_classes} "):
        segment.solo_clips(solo, classes, n_classes + 1, 1)


def test_channel_matrix_of_the_solo_clips() -> None:
    solo, classes = _solo()
    n_classes = int(classes.max()) + 1
    frames, labels = segment.solo_clips(solo, classes, n_classes, 1)
    torch.manual_seed(0)
    model = R.build(SMOKE).eval()
    v = segment.visual_vectors(model, torch.sigmoid, frames, batch_size=4)
    assert v.shape == (n_classes, C.channels) and v.dtype == np.float32
    with torch.no_grad():
        want = torch.sigmoid(model.image(image_inputs(torch.from_numpy(frames)))).numpy()
    np.testing.assert_allclose(v, want, atol=1e-6)
    m = segment.channel_matrix(model, torch.sigmoid, frames, labels, n_classes)
    np.testing.assert_allclose(m, v.T, atol=1e-6)  # one clip per class: the matrix is the vectors
    np.testing.assert_allclose(segment.channel_matrix(model, torch.sigmoid, frames, labels, n_classes,
                                                      per_location=True), m, atol=1e-6)
