"""``python -m avscene demo`` (notebook 09): sync curve, CAM video and on/off-screen sound of any video, with tiny
converted networks at small media (the same code reads the originals' media cards), the registry, the course's
runs, every bad input (one line, exit 2, nothing written), and ``python -m avscene.bench demo``."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
import torch

from avscene import config
from avscene.convert import registry
from avscene.convert.convert import Converted, build, save
from avscene.course import hub
from avscene.demo import render
from avscene.demo import run as R
from avscene.demo import weights as W
from avscene.demo.__main__ import main
from avscene.io.write import write_av
from avscene.models import ShiftNet
from avscene.sampling import audio_offset
from media_factory import make_flash_tone
from scipy.io import wavfile
from sync_scorers import EnvelopeNet

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(fps=8.0, sample_rate=4000, channels=2, frame_size=32, clip_frames=16, max_offset=2)
# the converted separation net's spectrogram is fixed at the original's 21 kHz and 128 frames (2.03 s)
SEP_MEDIA = dict(fps=8.0, sample_rate=21000, channels=2, frame_size=32, clip_frames=17, max_offset=0)
SHIFT_CFG = {"width": 4, "audio_channels": 2, "bn_scale": False}
SEP_CFG = {"width": 4, "audio_channels": 2, "bn_scale": True, "unet_width": 4, "levels": 5}
NEED_S = (16 + 2 * 2) / 8.0  # sync: a window and ±2 frames of slack at 8 fps


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """No registry, runs or published weights of this machine are seen."""
    monkeypatch.setenv("AVSCENE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("AVSCENE_RUNS", str(tmp_path / "runs"))
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"version": 1, "base_url": ".", "archives": {}}))
    monkeypatch.setenv("AVSCENE_WEIGHTS_MANIFEST", str(manifest))


@pytest.fixture(scope="module")
def weights_dir(tmp_path_factory) -> Path:
    """shift.pt, cam.pt and sep_full.pt of tiny random networks with small media cards."""
    folder = tmp_path_factory.mktemp("weights")
    torch.manual_seed(0)
    save(Converted(ShiftNet(4), "shift", SHIFT_CFG, None, media=SMALL), folder / "shift.pt")
    save(Converted(ShiftNet(4, cam_levels=1), "cam", SHIFT_CFG, 675000, media=SMALL), folder / "cam.pt")
    save(Converted(build("sep_full", SEP_CFG), "sep_full", SEP_CFG, None, media=SEP_MEDIA), folder / "sep_full.pt")
    return folder


def cli(capsys, *args: object) -> tuple[int, str, str]:
    code = main([*map(str, args), "--device", "cpu"])
    out, err = capsys.readouterr()
    return code, out, err


def decoded(path: Path) -> tuple[int, float, tuple[int, int], float]:
    """(video frames, their nominal rate, (H, W), seconds of decoded audio) of a written file."""
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        rate = float(vs.average_rate)
        frames = [f for f in c.decode(video=0)]
        hw = (frames[0].height, frames[0].width)
    with av.open(str(path)) as c:
        samples = sum(f.samples for f in c.decode(audio=0))
        sr = c.streams.audio[0].codec_context.sample_rate
    return len(frames), rate, hw, samples / sr


def no_leftovers(parent: Path) -> bool:
    return not list(parent.glob(".*.demo-*"))


# ---------------------------------------------------------------- real files, several containers and rates
@pytest.mark.parametrize("kind,fps,sr,size,audio_start", [
    ("mp4", 8.0, 8000, (48, 64), 0.0),
    ("mkv", 15.0, 8000, (48, 64), 0.04),  # FLAC; audio starting after the video
    ("webm-vp8", 30.0, 16000, (360, 640), 0.0),  # Opus; frames shown capped at 480 px
])
def test_writes_every_file(tmp_path, capsys, weights_dir, kind, fps, sr, size, audio_start):
    src = make_flash_tone(tmp_path / f"in.{kind.split('-')[0]}", kind=kind, fps=fps, sample_rate=sr, duration=3.5,
                          size=size, audio_start=audio_start).path
    out = tmp_path / "out"
    code, stdout, err = cli(capsys, src, "--out", out, "--weights", weights_dir)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == sorted(R.DEMO_FILES)
    assert all((out / n).stat().st_size > 0 for n in R.DEMO_FILES)
    for n in R.DEMO_FILES:
        assert f"wrote {out / n}" in stdout
    for part in ("decode", "sync", "cam", "separation", "writing"):
        assert f"{part} " in stdout.splitlines()[-1]
    assert f"sync: {weights_dir / 'shift.pt'} (shift weights)" in stdout
    assert "cam weights, step 675000" in stdout and "sep_full weights" in stdout

    doc = json.loads((out / "sync.json").read_text())
    assert doc["offsets"] == [-2, -1, 0, 1, 2] and -2 <= doc["offset_frames"] <= 2 and len(doc["curve"]) == 5
    assert doc["confidence"] == pytest.approx(max(doc["curve"]) - float(np.median(doc["curve"])))
    assert doc["video"] == str(src) and doc["weights"] == str(weights_dir) and doc["fps"] == 8.0
    assert doc["outputs"]["cam"].startswith(str(weights_dir / "cam.pt"))
    frames = math.floor(doc["duration"] * 8 + 1e-6)
    assert abs(doc["duration"] - 3.5) < 0.1

    n, rate, hw, audio_s = decoded(out / "cam.mp4")
    assert n == frames and rate == 8.0 and abs(audio_s - n / 8) <= 1 / 8
    assert hw == ((270, 480) if size == (360, 640) else size)
    n_on, _, hw_on, audio_on = decoded(out / "on_screen.mp4")
    assert n_on == frames and hw_on == hw and abs(audio_on - n_on / 8) <= 1 / 8
    sr_on, on = wavfile.read(out / "on.wav")
    sr_off, off = wavfile.read(out / "off.wav")
    assert sr_on == sr_off == 21000 and on.dtype == np.int16 and on.ndim == 1
    assert len(on) == len(off) == round(frames * 21000 / 8)  # every sample of the clip, not only full windows
    import matplotlib.image

    assert matplotlib.image.imread(out / "sync.png").ndim == 3
    assert no_leftovers(tmp_path)


def test_separation_windows_cover_every_sample():
    for t, fps, sr, w, length in [(28, 8.0, 21000, 17, 42672), (155, 29.97, 21000, 63, 42672), (40, 15.0, 8000, 32, 16256)]:
        n = round(t * sr / fps)
        starts = R.separation_starts(t, n, w, length, fps, sr)
        offsets = audio_offset(starts, fps, sr)
        covered = np.zeros(int(offsets[-1]) + length, bool)
        for o in offsets:
            covered[o:o + length] = True
        assert covered[:n].all() and offsets[0] == 0 and np.all(np.diff(starts) > 0)


# ---------------------------------------------------------------- the sync plumbing, with a predictable scorer
def flash_file(path: Path, delay: int, fps: float = 10.0, sr: int = 4000, seconds: float = 6.0) -> Path:
    """Random flashes; each one's tone burst ``delay`` frames later (+ = audio late)."""
    rng = np.random.default_rng(1)
    t = round(seconds * fps)
    events = rng.random(t) < 0.25
    frames = np.full((t, 32, 32, 3), 20, np.uint8)
    frames[events] = 235
    per = round(sr / fps)
    audio = np.zeros((2, t * per), np.float32)
    tone = 0.6 * np.sin(2 * np.pi * 400 * np.arange(per // 2) / sr)
    for i in np.flatnonzero(events):
        a = (i + delay) * per
        if 0 <= a < audio.shape[1] - per:
            audio[:, a:a + per // 2] = tone
    write_av(path, frames, audio, fps, sr, audio_codec="flac")
    return path


@pytest.mark.parametrize("delay", [0, 3, -2])
def test_sync_finds_a_known_delay(tmp_path, delay):
    media = W.Media(10.0, 4000, 2, 32, 20, 4)
    stand_in = W.Weights("stand-in", W.Model("sync", "shift", EnvelopeNet(), media, "envelope stand-in"), None)
    lines: list[str] = []
    res = R.demo(flash_file(tmp_path / "in.mkv", delay), tmp_path / "out", stand_in, device="cpu", progress=False,
                 log=lines.append)
    assert res.estimate.offset == delay and res.estimate.seconds == pytest.approx(delay / 10)
    doc = json.loads((tmp_path / "out" / "sync.json").read_text())
    assert doc["offset_frames"] == delay and doc["offsets"][int(np.argmax(doc["curve"]))] == delay
    assert doc["baseline"]["offset_frames"] == delay and doc["confidence"] > 0.3
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["sync.json", "sync.png"]  # no CAM model
    assert any(line.startswith(f"sync: offset {delay:+d} frames") for line in lines)


# ---------------------------------------------------------------- original weights: the registry
def test_original_weights_from_the_registry(tmp_path, capsys, weights_dir):
    registry.register(weights_dir / "shift.pt")
    registry.register(weights_dir / "cam.pt")
    src = make_flash_tone(tmp_path / "in.mp4", fps=25.0, sample_rate=16000, duration=3.0).path
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    (out / "on.wav").write_bytes(b"old")  # an old demo file this run does not make
    code, stdout, err = cli(capsys, src, "--out", out)
    assert code == 0, err
    assert "sync: original/shift (authors' released weights, AudioSet)" in stdout
    assert "cam: original/cam (authors' released weights, AudioSet, step 675000)" in stdout
    assert "separation: skipped" in stdout and "original/sep_full is not registered" in stdout
    assert sorted(p.name for p in out.iterdir()) == ["cam.mp4", "keep.txt", "sync.json", "sync.png"]
    assert (out / "keep.txt").read_text() == "mine" and no_leftovers(tmp_path)
    assert json.loads((out / "sync.json").read_text())["weights"] == "original"


def test_original_weights_not_registered(tmp_path, capsys):
    src = make_flash_tone(tmp_path / "in.mp4", duration=3.0).path
    code, stdout, err = cli(capsys, src, "--out", tmp_path / "out")
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith("error: original/shift: not converted on this machine") and "original_weights.py" in err
    assert not (tmp_path / "out").exists() and no_leftovers(tmp_path)


# ---------------------------------------------------------------- paths and the course's runs
def test_weights_paths(tmp_path, weights_dir):
    one = W.from_path(weights_dir / "shift.pt")
    assert one.cam.net is one.sync.net and one.separation is None and one.sync.media == W.Media(**SMALL)
    assert any("own (coarser) CAM" in n for n in one.notes)
    cam_only = tmp_path / "cam_only"
    cam_only.mkdir()
    (cam_only / "cam.pt").write_bytes((weights_dir / "cam.pt").read_bytes())
    w = W.from_path(cam_only)
    assert w.sync.kind == "cam" and w.cam.kind == "cam" and any("estimates the offset" in n for n in w.notes)
    for path, needle in [(weights_dir / "sep_full.pt", "separation model only"), (tmp_path / "nope", "no such file"),
                         (tmp_path, "neither shift.pt nor cam.pt")]:
        with pytest.raises(W.WeightsUnavailable, match=needle):
            W.from_path(path)
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / "shift.pt").write_bytes((weights_dir / "cam.pt").read_bytes())
    with pytest.raises(W.WeightsUnavailable, match="must hold 'shift'"):
        W.from_path(wrong)
    (tmp_path / "bad.pt").write_bytes(b"not torch")
    with pytest.raises(W.WeightsUnavailable, match="bad.pt"):
        W.from_path(tmp_path / "bad.pt")


def test_course_runs_found_never_trained(tmp_path, capsys):
    from avscene.shift import pretraining

    cfg = config.get("smoke")
    with pytest.raises(W.WeightsUnavailable, match="never trains.*avscene.shift pretrain --profile cpu.*notebook 03"):
        W.from_runs(cfg)
    assert not (tmp_path / "runs" / "smoke").exists() or not list((tmp_path / "runs" / "smoke").iterdir())
    run_dir = hub.runs_root(cfg) / "shift"
    settings = pretraining.settings(cfg)
    hub.start(run_dir, name="shift", profile="smoke", key=hub.settings_key(settings), settings=settings)
    hub.finish(run_dir, ShiftNet.from_config(cfg), history=[{"step": 4}], train_seconds=1.0)
    w = W.from_runs(cfg)
    assert w.sync.synthetic and "synthetic world" in w.sync.label and "NOT a model of real video" in w.sync.label
    assert w.sync.media == W.Media(8.0, 4000, 2, 32, 16, 2)
    assert w.separation is None and w.cam.net is w.sync.net
    assert any("cam run was not found" in n for n in w.notes) and any("separation: skipped" in n for n in w.notes)
    capsys.readouterr()
    # the cpu profile's shift run is not there: one line, exit 2
    src = make_flash_tone(tmp_path / "in.mp4", duration=3.0).path
    code, _, err = cli(capsys, src, "--out", tmp_path / "out", "--weights", "cpu")
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("error: cpu shift run: not found")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- bad input: one line, exit 2, nothing written
def _bad(tmp_path: Path, case: str) -> tuple[Path, list[str], str]:
    """(video path, extra arguments, a phrase of the reason)."""
    p = tmp_path / f"{case}.mkv"
    if case == "missing":
        return tmp_path / "nope.mp4", [], "file not found"
    if case == "folder":
        (tmp_path / "a_folder").mkdir()
        return tmp_path / "a_folder", [], "is a directory"
    if case == "empty":
        p.write_bytes(b"")
        return p, [], "zero-byte"
    if case == "garbage":
        p.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
        return p, [], "not a readable media file"
    if case == "no_audio":
        write_av(p, np.full((40, 32, 32, 3), 50, np.uint8), None, 8.0, 8000)
        return p, [], "no audio stream"
    if case == "no_video":
        p = tmp_path / "sound.wav"
        wavfile.write(p, 8000, np.zeros((24000, 2), np.int16))
        return p, [], "no video stream"
    if case == "truncated":
        full = make_flash_tone(tmp_path / "full.mkv", kind="mkv", duration=8.0, fps=25.0, sample_rate=16000).path
        p.write_bytes(full.read_bytes()[: full.stat().st_size * 2 // 5])
        return p, [], ""
    src = make_flash_tone(p, kind="mkv", duration=1.5 if case == "too_short" else 3.0).path
    if case == "too_short":
        return src, [], f"must be at least {NEED_S:.2f} s (sync: a window of 16 frames and ±2 frames"
    if case == "start_past_end":
        return src, ["--start", "10"], "--start 10.00 s is at or past the end"
    if case == "duration_too_short":
        return src, ["--duration", "1"], f"must be at least {NEED_S:.2f} s"
    raise AssertionError(case)


BAD = ["missing", "folder", "empty", "garbage", "no_audio", "no_video", "truncated", "too_short", "start_past_end",
       "duration_too_short"]


@pytest.mark.parametrize("case", BAD)
def test_bad_input_one_line_nothing_written(tmp_path, capsys, weights_dir, case):
    video, extra, reason = _bad(tmp_path, case)
    out = tmp_path / "new" / "out"
    code, stdout, err = cli(capsys, video, "--out", out, "--weights", weights_dir, *extra)
    assert code == 2, (stdout, err)
    assert len(err.splitlines()) == 1 and err.startswith(f"error: {video}: ") and reason in err
    assert "Traceback" not in err + stdout
    assert not (tmp_path / "new").exists()
    # an existing folder is left as it was
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "sync.json").write_text("old")
    code, _, err = cli(capsys, video, "--out", existing, "--weights", weights_dir, *extra)
    assert code == 2 and len(err.splitlines()) == 1
    assert sorted(p.name for p in existing.iterdir()) == ["sync.json"] and (existing / "sync.json").read_text() == "old"
    assert no_leftovers(tmp_path)


def test_out_is_a_file_and_interrupts(tmp_path, capsys, weights_dir, monkeypatch):
    src = make_flash_tone(tmp_path / "in.mp4", duration=3.0).path
    (tmp_path / "file").write_text("x")
    code, _, err = cli(capsys, src, "--out", tmp_path / "file", "--weights", weights_dir)
    assert code == 2 and err.startswith(f"error: {tmp_path / 'file'}: exists and is not a folder")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(render, "write_wav", interrupted)  # Ctrl-C while the files are written
    code, _, err = cli(capsys, src, "--out", tmp_path / "a" / "out", "--weights", weights_dir)
    assert code == 130 and len(err.splitlines()) == 1 and "interrupted; nothing written" in err
    assert not (tmp_path / "a").exists() and no_leftovers(tmp_path)


# ---------------------------------------------------------------- the entry points
def test_python_m_avscene_lists_demo(capsys):
    from avscene.__main__ import main as top

    with pytest.raises(SystemExit) as exc:
        top(["--help"])
    assert exc.value.code == 0 and "demo" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        top(["demo", "--help"])
    assert "--weights" in capsys.readouterr().out


def test_subprocess_error_is_one_line(tmp_path):
    r = subprocess.run([sys.executable, "-m", "avscene", "demo", str(tmp_path / "nope.mp4"), "--out",
                        str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 2 and r.stderr == f"error: {tmp_path / 'nope.mp4'}: file not found\n"
    assert not (tmp_path / "out").exists()


def test_bench_demo_tiny(capsys):
    import argparse

    from avscene.bench import demo as B

    p = argparse.ArgumentParser()
    B.add_arguments(p)
    args = p.parse_args(["--width", "4", "--fps", "8", "--frame-size", "32", "--clip-frames", "16", "--max-offset",
                         "2", "--source-size", "64x48", "--device", "cpu"])
    result = B.run(args)
    rates = {r["part"]: r["video_s_per_s"] for r in result["rows"]}
    for part in ("decode", "sync", "cam", "separation", "writing"):
        assert rates[part] > 0
    assert "random ShiftNet(4)" in capsys.readouterr().out
