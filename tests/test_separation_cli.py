"""``python -m avscene.separation separate``: whole-video on/off-screen separation (paper §6; reference notes
§1.7, the original's ``sep_video.py``) on generated clips at the smoke profile's sizes."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from avscene import config
from avscene.io.write import write_av
from avscene.sampling import audio_offset
from avscene.separation import runs
from avscene.separation import separate as sep
from avscene.separation.__main__ import main
from scipy.io import wavfile

CFG = config.get("smoke")  # 8 fps, 4 kHz, frames 36, crop 32, windows of 16 frames (2 s)


def make_video(path: Path, *, seconds: float, fps: float = 8.0, sample_rate: int | None = 8000,
               channels: int = 2, seed: int = 0) -> Path:
    """A moving bright square over noise with a tone plus noise (``sample_rate=None``: no audio track)."""
    rng = np.random.default_rng(seed)
    t = round(seconds * fps)
    frames = rng.integers(0, 60, (t, 48, 64, 3), dtype=np.uint8)
    for i in range(t):
        x = (4 * i) % 48
        frames[i, 16:32, x:x + 16] = 230
    audio = None
    if sample_rate is not None:
        n = round(seconds * sample_rate)
        tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / sample_rate)
        audio = (tone + 0.05 * rng.standard_normal((channels, n))).astype(np.float32)
    write_av(path, frames, audio, fps, sample_rate or 8000)
    return path


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    return runs.build(CFG, "full").eval()


@pytest.fixture(scope="module")
def weights(net, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("weights") / "sep.pt"
    torch.save(net.state_dict(), path)
    return path


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["separate", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_window_starts_cover_every_output_sample():
    assert sep.window_starts(32, 16).tolist() == [0, 8, 16]
    assert sep.window_starts(31, 16).tolist() == [0, 8, 15]
    assert sep.window_starts(16, 16).tolist() == [0]
    assert sep.window_starts(15, 16).size == 0
    for fps, sr, w, out_samples in [(8.0, 4000, 16, 1984), (15.0, 8000, 32, 16256), (29.97, 21000, 63, 43008)]:
        step = sep.window_step(w, out_samples, fps, sr)
        assert step <= w // 2
        for n_frames in range(w, 4 * w):
            offsets = audio_offset(sep.window_starts(n_frames, w, step), fps, sr)
            covered = np.zeros(int(offsets[-1]) + out_samples, bool)
            for o in offsets:
                covered[o:o + out_samples] = True
            assert covered.all() and offsets[0] == 0
    assert sep.window_step(63, 43008, 29.97, 21000) == 31  # the original's 50 % step where the output allows


@pytest.mark.parametrize("sample_rate,channels", [(8000, 2), (48000, 2), (16000, 1)])
def test_cli_writes_tracks_and_video(tmp_path, capsys, weights, sample_rate, channels):
    video = make_video(tmp_path / "in.mp4", seconds=4.0, sample_rate=sample_rate, channels=channels)
    out = tmp_path / "out"
    code, stdout, err = run_cli(capsys, video, "--out", out, "--profile", "smoke", "--weights", weights)
    assert code == 0, err
    assert "windows" in stdout and "s of audio per s of compute" in stdout
    files = sorted(p.name for p in out.iterdir())
    assert files == ["off.wav", "on.mkv", "on.wav"]  # 4 kHz: AAC cannot take it, FLAC in Matroska
    sr_on, on = wavfile.read(out / "on.wav")
    sr_off, off = wavfile.read(out / "off.wav")
    assert sr_on == sr_off == CFG.media.sample_rate and on.dtype == np.int16 and on.ndim == 1
    assert len(on) == len(off)
    # up to the last window's output, which ends at the last frame less the 6016 of 8000 samples the net
    # leaves out: (T - 16) frames of 500 samples + 1984, T = 32 (or a frame or two fewer after AAC's trims)
    assert (len(on) - 1984) % 500 == 0 and 14 <= (len(on) - 1984) // 500 <= 16
    assert np.abs(on).max() > 0
    with av.open(str(out / "on.mkv")) as c:
        assert c.streams.video and c.streams.audio
        n_frames = sum(1 for _ in c.decode(video=0))
    assert n_frames == len(on) * 8 // 4000


def test_separate_lengths_scale_and_mask(tmp_path, net, monkeypatch):
    video = make_video(tmp_path / "in.mp4", seconds=4.0, sample_rate=16000, channels=1, seed=1)
    clip = sep.decode(video, CFG)
    w = CFG.separation.clip_frames
    seen: list[np.ndarray] = []
    real = sep.separate_windows

    def spy(net_, frames, mixture, device):
        seen.append(frames)
        return real(net_, frames, mixture, device)

    monkeypatch.setattr(sep, "separate_windows", spy)
    plain = sep.separate(clip, net, CFG, device=torch.device("cpu"))
    starts = sep.window_starts(len(clip.frames), w, sep.window_step(w, net.samples, CFG.media.fps, 4000))
    assert plain.windows == len(starts) and plain.on.dtype == np.float32
    assert len(plain.on) == len(plain.off) == int(audio_offset(starts[-1], CFG.media.fps, 4000)) + net.samples
    assert plain.frames.shape == (len(clip.frames), 32, 32, 3) and plain.sample_rate == 4000
    # the inverse gain: a louder input gives proportionally louder outputs
    loud = dataclasses.replace(clip, audio=3 * clip.audio)
    louder = sep.separate(loud, net, CFG, device=torch.device("cpu"))
    np.testing.assert_allclose(louder.on, 3 * plain.on, rtol=1e-3, atol=1e-5)
    seen.clear()
    left = sep.separate(clip, net, CFG, mask="left", device=torch.device("cpu"))
    assert seen and all(f.shape[1:] == (16, 32, 32, 3) and (f[..., :16, :] == 128).all() for f in seen)
    assert all((f[..., 16:, :] != 128).any() for f in seen)
    assert (left.frames[:, :, :16] == 128).all() and (left.frames[:, :, 16:] == clip.frames[:, :, 16:]).all()
    right = sep.apply_mask(clip.frames, "right")
    assert (right[:, :, 16:] == 128).all() and (right[:, :, :16] == clip.frames[:, :, :16]).all()
    assert not np.allclose(left.on, plain.on)  # the net hears differently when it sees less


def test_cli_mask_runs(tmp_path, capsys, weights):
    video = make_video(tmp_path / "in.mp4", seconds=3.0)
    code, _, err = run_cli(capsys, video, "--out", tmp_path / "out", "--profile", "smoke", "--weights", weights,
                           "--mask", "right")
    assert code == 0, err
    assert (tmp_path / "out" / "on.wav").exists()


@pytest.mark.parametrize("case", ["short", "no_audio", "garbage", "missing"])
def test_cli_bad_inputs_fail_with_one_line(tmp_path, capsys, weights, case):
    path = tmp_path / "in.mp4"
    if case == "short":
        make_video(path, seconds=1.5)
    elif case == "no_audio":
        make_video(path, seconds=4.0, sample_rate=None)
    elif case == "garbage":
        path.write_bytes(np.random.default_rng(0).bytes(4096))
    out = tmp_path / "out"
    code, stdout, err = run_cli(capsys, path, "--out", out, "--profile", "smoke", "--weights", weights)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: "), err
    if case == "short":
        assert "shorter than one window" in lines[0] and "< 2.00 s" in lines[0]
    if case == "no_audio":
        assert "no audio" in lines[0]
    assert not out.exists() and stdout == ""
