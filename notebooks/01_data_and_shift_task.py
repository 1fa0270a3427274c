# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/avscene/avscene/blob/main/notebooks/01_data_and_shift_task.ipynb)
#
# # 01 · Data and the shift task
#
# Owens & Efros (§3.1) learn from unlabeled video by asking one question: *are these frames and this
# sound in sync?* Half of the training examples keep the video's own soundtrack; the other half take the
# audio from the **same video**, a few seconds earlier or later. This notebook builds those examples and
# shows them, in the synthetic world (whose ground truth tells us exactly when things happen) and through
# the real-data path (files on disk, scanned, cached and decoded frame-exactly).
#
# We look at: what an aligned and a shifted example look and sound like; how the shift is sampled (the
# original code's law, 2.17-5.87 s at the paper's sizes); and which shortcuts a careless sampler would
# open.

# %%
# Setup: on Colab, install avscene from its repository (never torch: Colab's builds stay); elsewhere a no-op.
import os
import sys

if "google.colab" in sys.modules and not os.path.exists("/content/.avscene-installed"):
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "git+https://github.com/avscene/avscene"], check=True)
    open("/content/.avscene-installed", "w").close()

from avscene import config, runtime
from avscene.course import outputs

runtime.report();

# %% tags=["parameters"]
PROFILE = os.environ.get("AVSCENE_PROFILE", "cpu")
REAL_CLIP = os.environ.get("AVSCENE_REAL_CLIP", "")  # path to your own video (any container), optional

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from avscene import sampling, shift
from avscene.course import display, plots, widgets
from avscene.datasets.sources import CacheSource, SyntheticSource
from avscene.io.pcm import from_pcm16

cfg, out = outputs.begin("01_data_and_shift_task", PROFILE)
m = cfg.media
print(f"profile {cfg.name}: windows of {m.clip_frames} frames ({m.clip_seconds:.2f} s) at {m.fps:g} fps, "
      f"{m.clip_samples} audio samples at {m.sample_rate} Hz, {m.crop_size}-px crops of {m.frame_size}-px frames")

# %% [markdown]
# ## A video of the synthetic world
#
# Each synthetic video holds one to three objects; some make sounds when they move in their own way (a ball
# thumps when it bounces, a bar rings when struck, a talker's mouth follows its syllables...), some are
# silent distractors that move just the same, and sometimes a sound comes from off screen. Event times are
# random, so only matching *when* things happen in both senses tells aligned from shifted audio.
# Dotted blue lines: the events the picture shows; dashed green: the events in the soundtrack.

# %%
train_src = SyntheticSource.pretext(cfg, "train")
scene = train_src.scene(0)
owners = [f"{'sounding' if s else 'silent'} object {k}" for k, s in enumerate(scene.sounding)]
fig = plots.av_strip(scene.frames, scene.audio, m.fps, m.sample_rate, events=scene.sounding_events,
                     title=f"synthetic video 0: {', '.join(owners)}; "
                           f"{int((~scene.stem_onscreen).sum())} off-screen source(s)")
out.save_figure(fig, "synthetic_video")
plt.show()
display.video(scene.frames, scene.audio, m.fps, m.sample_rate);

# %% [markdown]
# ## The real-data path: files, scan, cache, frame-exact windows
#
# Real datasets (AudioSet, VoxCeleb2, UCF-101, Kinetics-Sounds; see `data_scripts/`) arrive as files in
# every container, frame rate and sample rate. The library scans a folder (skipping and counting bad
# files), decodes each usable video once into a memory-mapped cache at the profile's rates, and reads any
# window from it. Here we write a few synthetic videos to H.264/AAC mp4 files and take exactly that path,
# so we can check that the decoded windows land where the ground truth says. Set `REAL_CLIP` (or the
# `AVSCENE_REAL_CLIP` environment variable) to any video of yours to see it decoded the same way.

# %%
from avscene.datasets import scan
from avscene.io import ClipCache, compare, load_clip, probe
from avscene.synthetic.write import write_dataset

work = Path(tempfile.mkdtemp(prefix="avscene-01-"))
paths = write_dataset(work / "videos", [train_src.scene(v) for v in range(cfg.measure.files)])
index = scan(work / "videos", min_duration=m.clip_seconds)
cache = ClipCache.from_profile(work / "cache", cfg)
cached = CacheSource(cache, [e.path for e in index])
print(f"{len(index)} usable videos, {len(index.skipped)} skipped; cached at {cached.n_frames[0]} frames each")

# the decoded video against the generated one: same frames (up to H.264), same sound at the same time
frames_dec, audio_dec = cached.read(0)
frames_gen, audio_gen = train_src.read(0)
frame_offset, frame_psnr = compare.frame_offset(frames_gen, frames_dec)
psnr = frame_psnr[0]
one_frame = int(round(m.sample_rate / m.fps))  # audio samples in one video frame
audio_lag_ms = 1000 * compare.audio_lag(audio_gen[0], audio_dec[0], one_frame) / m.sample_rate
print(f"decoded vs generated: frames PSNR {psnr:.1f} dB (best at frame offset {frame_offset:+d}; "
      f"{frame_psnr[-1]:.1f} / {frame_psnr[1]:.1f} dB one frame off); audio best lag {audio_lag_ms:+.2f} ms "
      f"(one frame = {1000 / m.fps:.1f} ms)")

if REAL_CLIP:
    info = probe(REAL_CLIP)
    print(info)
    real = load_clip(REAL_CLIP, info.av_start, min(m.clip_seconds, info.av_duration - 0.01), fps=m.fps,
                     sample_rate=m.sample_rate, channels=m.channels, size=m.frame_size)
    fig = plots.av_strip(real.frames, real.audio, m.fps, m.sample_rate, title=f"your clip: {Path(REAL_CLIP).name}")
    out.save_figure(fig, "real_clip")
    plt.show()
    display.video(real.frames, real.audio, m.fps, m.sample_rate);

# %% [markdown]
# ## Aligned and shifted examples
#
# Each training item is one video: its frames (one random crop for the whole clip, a horizontal flip half
# of the time; the original code does not swap the audio channels when it flips, and neither do we), the
# audio that belongs to them, and audio from another window of the same video. The network sees both in
# the same batch, labeled 1 and 0.

# %%
dataset = shift.ShiftDataset(train_src, cfg, seed=cfg.seed)
item = dataset[0]
for k, name in enumerate(("aligned", "shifted")):
    fig = shift.figures.item_figure(dataset, 0, which=k, title=name)
    out.save_figure(fig, f"example_{name}")
    plt.show()
    display.video(item["frames"].numpy(), from_pcm16(item["audio"][k].numpy()), m.fps, m.sample_rate);

# %% [markdown]
# ### Try it: slide the audio
#
# The slider shifts the soundtrack against the same frames (in frames of video). At zero the dotted and
# dashed marks agree. (Interactive in Jupyter and Colab; a batch run shows the aligned view once.)

# %%
v = int(item["video"])
s0 = int(dataset.plan(0)[0].video_start[0])
full_frames, full_audio = train_src.read(v)


def show_shift(offset: int) -> None:
    start = int(np.clip(s0 + offset, 0, full_frames.shape[0] - m.clip_frames))
    j = int(sampling.audio_offset(start, m.fps, m.sample_rate))
    wave = full_audio[:, j:j + m.clip_samples]
    shift.figures.window_figure(train_src.scene(v), full_frames[s0:s0 + m.clip_frames], s0, wave, start,
                                f"audio shifted by {(start - s0) / m.fps:+.2f} s")
    plt.show()
    display.audio(from_pcm16(wave), m.sample_rate)


widgets.slider(show_shift, value=0, lo=-cfg.max_shift_frames, hi=cfg.max_shift_frames, description="shift (frames)")

# %% [markdown]
# ## How big is the shift?
#
# The original code draws the pair (video start, audio start) uniformly from every pair whose 125-frame
# windows overlap by at most 60 frames, inside a 302-frame video: 12,656 pairs, shifts from 65 to 176 frames
# (2.17 to 5.87 s), more often small than large (there are more ways to place two windows close together).
# The paper describes this as 2.0-5.8 s. Below: `cfg.measure.shift_draws` shifts from our sampler against
# the exact law, at this profile's sizes and at the paper's.

# %%
rng = np.random.default_rng(cfg.seed)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.2))
stats = {}
for ax, prof in zip(axes, (cfg, config.get("gpu"))):
    pm = prof.media
    drawn = sampling.sample_shifts(rng, np.array([pm.video_frames]), np.zeros(cfg.measure.shift_draws, int),
                                   pm.clip_frames, prof.shift.max_overlap_frames)
    seconds = drawn.shift_frames / pm.fps
    values, probs = sampling.shift_distribution(pm.video_frames, pm.clip_frames, prof.shift.max_overlap_frames)
    ax.hist(seconds, bins=80, density=True, alpha=0.6, label="sampled")
    ax.plot(values / pm.fps, probs * pm.fps, color="k", lw=1, label="exact law")
    ax.axvspan(2.0, 5.8, color="tab:green", alpha=0.08, label="paper: 2.0-5.8 s")
    ax.axvspan(-5.8, -2.0, color="tab:green", alpha=0.08)
    ax.set_title(f"{prof.name}: |shift| {np.abs(seconds).min():.2f}-{np.abs(seconds).max():.2f} s")
    ax.set_xlabel("audio shift (s)")
    stats[prof.name] = (float(np.abs(seconds).min()), float(np.abs(seconds).max()), float(np.abs(seconds).mean()))
axes[0].legend(fontsize=8)
out.save_figure(fig, "shift_histogram")
plt.show()
for name, (lo, hi, mean) in stats.items():
    print(f"{name}: |shift| from {lo:.2f} to {hi:.2f} s, mean {mean:.2f} s")

# %% [markdown]
# ## Shortcuts the sampler must close
#
# A network learns whatever separates the two classes most cheaply. Two careless choices would hand it an
# answer that has nothing to do with sight and sound together:
#
# 1. **Padding.** Shift the audio past the end of the video and fill with zeros, and "is there digital
#    silence at one end?" tells shifted from aligned. Our sampler keeps every window inside its video, so
#    no shifted window holds a sample the aligned one could not.
# 2. **Audio from another video.** Then the shifted sound usually comes from *different things*: a
#    detector that only checks "does this kind of sound go with these objects?" wins without looking at
#    timing (the paper's ablation: these negatives gave weaker features, 78.7 % vs 84.2 % on UCF-101).
#    Same-video negatives contain exactly the same sources, so only timing can separate them.
#
# We measure both with detectors that know nothing of synchrony.

# %%
n_pairs = cfg.measure.detector_pairs
acc_naive, acc_ours = shift.shortcuts.padding_detector(dataset, cfg, n_pairs)
# half as many pairs for the class detector: each of its pairs generates two scenes
acc_class_same, acc_class_other = shift.shortcuts.class_match_detector(train_src, cfg, n_pairs // 2)
print(f"zero-padding detector: {acc_naive:.1%} on padded negatives, {acc_ours:.1%} on ours")
print(f"class-match detector (ground truth classes): {acc_class_other:.1%} with other-video negatives, "
      f"{acc_class_same:.1%} with same-video negatives")

# %% [markdown]
# ## Feeding the network
#
# Training reads batches through a `DataLoader` whose workers generate (or read from the cache) and crop
# the clips; frames stay `uint8` until they reach the device, where they become floats in [-1, 1].
# A batch: frames `[B, 3, T, H, W]`, audio `[B, 2, C, N]` (aligned, shifted).

# %%
from avscene.bench.data import measure_loader

batch = shift.to_device(shift.collate([dataset[i] for i in range(cfg.train.batch)]), runtime.pick_device())
print({k: (tuple(t.shape), str(t.dtype)) for k, t in batch.items()})
rate = measure_loader(dataset, cfg.train.batch, num_workers=cfg.train.num_workers,
                      n_batches=cfg.measure.loader_batches)
print(f"data: {rate['videos_per_s']:.1f} videos/s ({2 * rate['videos_per_s']:.1f} examples/s) "
      f"with {cfg.train.num_workers} worker(s)")
cache_ds = shift.ShiftDataset(cached, cfg, seed=cfg.seed)
cache_rate = measure_loader(cache_ds, cfg.train.batch, num_workers=0, n_batches=cfg.measure.loader_batches)
print(f"from the clip cache: {cache_rate['videos_per_s']:.1f} videos/s in the main process")

# %% [markdown]
# ## Self-check
#
# Nothing in this notebook learns, so every check holds under every profile, `smoke` included: the batch's
# shapes and ranges, decoding that keeps the timing (frame offset 0, audio lag within one frame), the
# sampler's shift law at the paper's sizes, and both shortcut detectors.

# %%
fr, au = batch["frames"], batch["audio"]
assert fr.shape == (cfg.train.batch, 3, m.clip_frames, m.crop_size, m.crop_size)
assert au.shape == (cfg.train.batch, 2, m.channels, m.clip_samples)
assert fr.min() >= -1 and fr.max() <= 1 and fr.dtype == torch.float32
assert not torch.equal(au[:, 0], au[:, 1]), "aligned and shifted audio differ"
assert len(dataset.excluded) == 0 and len(index) == cfg.measure.files
out.check("decoded frames PSNR vs generated (dB)", psnr, at_least=20)
out.check("decoded frame offset (frames)", abs(frame_offset), at_most=0)
out.check("decoded audio lag (ms)", abs(audio_lag_ms), at_most=1000 / m.fps)
lo, hi, _ = stats["gpu"]
out.check("paper-size |shift| min (s)", lo, at_least=2.16, at_most=2.18, paper=2.0)
out.check("paper-size |shift| max (s)", hi, at_most=5.88, paper=5.8)
out.check("zero-padding detector on our sampler", acc_ours, at_most=0.55)
out.check("zero-padding detector on padded negatives", acc_naive, at_least=0.6)
out.check("class-match detector, same-video negatives", acc_class_same, at_most=0.5)
out.check("class-match detector, other-video negatives", acc_class_other, at_least=0.6)
out.record(data_videos_per_s=rate["videos_per_s"], cache_videos_per_s=cache_rate["videos_per_s"])
