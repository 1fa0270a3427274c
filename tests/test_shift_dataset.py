"""The shift task's training data: windows, crops, balance, shared frames, exclusions (step 4)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from avscene import config, sampling
from avscene.shift.dataset import ShiftDataset, collate, to_device
from avscene.shift.task import ShiftTask

CFG = config.get("smoke")
M = CFG.media


class RampSource:
    """Videos whose pixels encode (video, frame) and whose audio encodes the sample index."""

    def __init__(self, n_frames: list[int]) -> None:
        self.fps, self.sample_rate = M.fps, M.sample_rate
        self.n_frames = np.array(n_frames, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.n_frames)

    def read(self, v: int) -> tuple[np.ndarray, np.ndarray]:
        f = int(self.n_frames[v])
        frames = np.zeros((f, M.frame_size, M.frame_size, 3), np.uint8)
        frames[..., 0] = np.arange(f)[:, None, None] % 256  # red = frame index
        frames[..., 1] = v  # green = video
        frames[..., 2] = np.arange(M.frame_size)[None, None, :]  # blue = column (shows crops and flips)
        n = int(round(f * M.sample_rate / M.fps))
        audio = np.stack([np.arange(n) % 30000, (np.arange(n) + 7 * v) % 30000]).astype(np.int16)
        return frames, audio


def test_items_are_the_windows_the_plan_says() -> None:
    src = RampSource([M.video_frames] * 5)
    ds = ShiftDataset(src, CFG, seed=3)
    for i in range(40):
        item, (plan, _) = ds[i], ds.plan(i)
        v, s0, s1 = int(item["video"]), int(plan.video_start[0]), int(plan.audio_start[0])
        assert int(plan.video[0]) == int(plan.audio_video[0]) == v  # same video
        frames, audio = item["frames"].numpy(), item["audio"].numpy()
        assert frames.shape == (M.clip_frames, M.crop_size, M.crop_size, 3) and frames.dtype == np.uint8
        assert audio.shape == (2, M.channels, M.clip_samples) and audio.dtype == np.int16
        assert np.array_equal(frames[:, 0, 0, 0], np.arange(s0, s0 + M.clip_frames))
        assert (frames[..., 1] == v).all()
        cols = frames[0, 0, :, 2].astype(int)
        assert abs(np.diff(cols)).tolist() == [1] * (M.crop_size - 1)  # a contiguous crop, maybe flipped
        full = src.read(v)[1]
        j0, j1 = sampling.audio_offset(np.array([s0, s1]), M.fps, M.sample_rate)
        assert np.array_equal(audio[0], full[:, j0:j0 + M.clip_samples])
        assert np.array_equal(audio[1], full[:, j1:j1 + M.clip_samples])
        assert M.clip_frames - abs(s1 - s0) <= CFG.shift.max_overlap_frames
        assert int(item["shift_frames"]) == s1 - s0


def test_deterministic_per_index_and_flip_rate() -> None:
    ds = ShiftDataset(RampSource([M.video_frames] * 3), CFG, seed=0)
    a, b = ds[7], ds[7]
    assert all(torch.equal(a[k], b[k]) for k in a)
    flips = [int(ds[i]["frames"][0, 0, 0, 2]) > int(ds[i]["frames"][0, 0, -1, 2]) for i in range(400)]
    assert 0.4 < np.mean(flips) < 0.6
    # the audio channels are not swapped when the frames are flipped (as in the original code)
    item = next(ds[i] for i in range(400) if int(ds[i]["frames"][0, 0, 0, 2]) > int(ds[i]["frames"][0, 0, -1, 2]))
    au = item["audio"].numpy()
    assert (((au[0, 1].astype(int) - au[0, 0].astype(int)) % 30000) == (7 * int(item["video"])) % 30000).all()


def test_held_out_items_use_centre_crop_without_flip() -> None:
    ds = ShiftDataset(RampSource([M.video_frames] * 3), CFG, seed=0, train=False)
    off = (M.frame_size - M.crop_size) // 2
    for i in range(10):
        assert ds[i]["frames"][0, 0, :, 2].tolist() == list(range(off, off + M.crop_size))


def test_epochs_visit_every_video_once() -> None:
    ds = ShiftDataset(RampSource([M.video_frames] * 7), CFG, seed=0)
    for epoch in range(3):
        seen = sorted(int(ds.plan(epoch * 7 + p)[0].video[0]) for p in range(7))
        assert seen == list(range(7))


def test_short_videos_excluded_and_counted() -> None:
    need = sampling.min_video_frames(M.clip_frames, CFG.shift.max_overlap_frames)
    ds = ShiftDataset(RampSource([need - 1, need, M.video_frames, 3]), CFG)
    assert ds.excluded.videos == (0, 3) and len(ds) == 2
    assert {int(ds[i]["video"]) for i in range(20)} == {1, 2}
    with pytest.raises(ValueError, match="no usable videos"):
        ShiftDataset(RampSource([need - 1]), CFG)


def test_batches_balanced_and_halves_share_frames() -> None:
    ds = ShiftDataset(RampSource([M.video_frames] * 4), CFG, seed=0)
    batch = to_device(collate([ds[i] for i in range(4)]), torch.device("cpu"))
    assert batch["frames"].shape == (4, 3, M.clip_frames, M.crop_size, M.crop_size)
    assert batch["frames"].dtype == torch.float32 and batch["frames"].is_contiguous()
    assert -1 <= float(batch["frames"].min()) and float(batch["frames"].max()) <= 1
    seen = {}

    class Spy(torch.nn.Module):
        def forward(self, frames: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
            seen["frames"], seen["audio"] = frames, audio
            return torch.zeros(frames.shape[0], requires_grad=True)

    loss, metrics = ShiftTask().loss(Spy(), batch)
    f, a = seen["frames"], seen["audio"]
    assert f.shape[0] == a.shape[0] == 8
    assert torch.equal(f[:4], f[4:]), "aligned and shifted examples share their frames"
    assert torch.equal(a[:4], batch["audio"][:, 0]) and torch.equal(a[4:], batch["audio"][:, 1])
    assert abs(float(loss.detach()) - float(np.log(2))) < 1e-6  # logit 0 on 4 positives + 4 negatives
    assert metrics["acc"] == 0.5


def test_other_video_negatives_come_from_other_videos() -> None:
    ds = ShiftDataset(RampSource([M.video_frames] * 4), CFG, negatives="other_video")
    for i in range(20):
        plan, _ = ds.plan(i)
        assert plan.audio_video[0] != plan.video[0]
        assert int(ds[i]["shift_frames"]) == 0
