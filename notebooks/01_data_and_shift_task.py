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
# How do you turn unlabeled video into a supervised task whose only answer is synchrony? Owens & Efros
# 2018, §3.1, ask one question of every example: *are these frames and this sound in sync?* Half of the
# examples keep the video's own soundtrack; the other half take the audio from the **same video**, a few
# seconds earlier or later. This notebook builds those examples and shows them, in the synthetic world
# (whose ground truth says exactly when things happen) and through the real-data path (files on disk,
# scanned, cached and decoded frame-exactly), then asks which choices of the sampler would let a network
# answer without looking at timing at all.
#
# ## Learning goals
#
# - Read an aligned and a shifted example: find the picture's events in the sound, by eye and by ear.
# - Explain why the negatives come from the same video, and what a detector that ignores timing achieves
#   when they come from another video.
# - Describe the law the shifts are drawn from, and read its histogram: the shortest and longest shift,
#   and why small shifts are drawn more often than large ones.
# - Name the padding shortcut and say how the sampler closes it.
# - State the shapes and value ranges of a batch when it reaches the network.
#
# ## Prerequisites
#
# Notebook 00 (the profiles, and the shift task drawn to scale). This notebook loads no trained run and
# trains nothing: it generates synthetic videos, and writes a few of them to mp4 files in a temporary folder.
# Optionally, set `REAL_CLIP` in the parameters cell to a video of your own.

# %%
# Setup: on Colab, install avscene from AVSCENE_REPO at AVSCENE_REF (never torch: Colab's builds stay);
# elsewhere nothing is installed. Then say which profile this runtime gets (a T4 GPU on Colab: "colab").
import os
import sys

AVSCENE_REPO = os.environ.get("AVSCENE_REPO", "https://github.com/avscene/avscene")
AVSCENE_REF = os.environ.get("AVSCENE_REF", "main")  # a branch, tag or commit
if "google.colab" in sys.modules and not os.path.exists("/content/.avscene-installed"):
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"git+{AVSCENE_REPO}@{AVSCENE_REF}"],
                   check=True)
    open("/content/.avscene-installed", "w").close()

from avscene import config, runtime
from avscene.course import colab, outputs

runtime.report()
DEFAULT_PROFILE = colab.default_profile()  # $AVSCENE_PROFILE, else on Colab "colab" with a GPU, else "cpu"

# %% tags=["parameters"]
PROFILE = DEFAULT_PROFILE
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
# ## Run time
#
# Minutes per profile, as last measured (read from this notebook's `metrics.json`, not typed). This
# notebook loads and trains no network, so both columns are the same time.

# %%
from avscene.course import display

display.markdown(outputs.run_time_table(out.notebook));

# %% [markdown]
# ## Paper vs here
#
# > **The paper** drew its examples from about 750,000 AudioSet videos (YouTube, 10-s clips): 4.2-s windows
# > of 125 frames at 29.97 fps, one random 224-px crop of the 256-px frames for the whole clip, a left-right
# > flip, and 21 kHz stereo audio shifted by 2.0-5.8 s within the same video (in the original code: at most
# > 60 of 125 frames of overlap, 2.17-5.87 s). Each video gives both its aligned and its shifted example to
# > the same batch.
# >
# > **Here** the sampler, the augmentation and the batch are the same, but the videos come from a synthetic
# > world generated on demand: it needs no download, and its ground truth marks every event, so we can see
# > what the network is asked to match. The real-data path is walked with synthetic videos written to mp4
# > files (AudioSet itself belongs to the `gpu` profile, via `data_scripts/`). The smaller profiles use
# > shorter windows, lower rates and smaller frames.
# >
# > **Comparable**: the law the shifts are drawn from (at the paper's sizes, checked against the exact law),
# > the augmentation and the batch composition. **Not comparable**: the content. Synthetic scenes are not
# > YouTube videos, and how hard it is to tell aligned from shifted depends on what the videos show; at the
# > smaller profiles the shifts are also shorter in seconds.

# %% [markdown]
# ## A video of the synthetic world
#
# Before building examples, we look at one whole video, to see what there is to match between picture and
# sound. Each synthetic video holds one to three objects; some make sounds when they move in their own way (a ball
# thumps when it bounces, a bar rings when struck, a talker's mouth follows its syllables...), some are
# silent distractors that move just the same, and sometimes a sound comes from off screen. Event times are
# random, so only matching *when* things happen in both senses tells aligned from shifted audio.
# Dotted blue lines: the events the picture shows; dashed green: the events in the soundtrack.

# %%
train_src = SyntheticSource.pretext(cfg, "train")
scene = train_src.scene(0)
fig = plots.av_strip(scene.frames, scene.audio, m.fps, m.sample_rate, events=scene.sounding_events,
                     title=f"synthetic video 0: {shift.figures.scene_caption(scene)}")
out.save_figure(fig, "synthetic_video")
plt.show()
display.video(scene.frames, scene.audio, m.fps, m.sample_rate);

# %% [markdown]
# This is the video's own soundtrack, so every event the picture shows is heard at the same moment: each
# dotted mark has its dashed twin. Silent objects move without a sound and an off-screen source sounds
# without a picture, so no single object or loud moment gives the answer away; the pattern of *when* is
# what picture and sound share.

# %% [markdown]
# ## The real-data path: files, scan, cache, frame-exact windows
#
# The labels are only as good as the timing of the decoded files: a soundtrack decoded a frame late is, to
# the network, a slightly shifted one. Real datasets (AudioSet, VoxCeleb2, UCF-101, Kinetics-Sounds; see
# `data_scripts/`) arrive as files in every container, frame rate and sample rate. The library scans a
# folder (skipping and counting bad files), decodes each usable video once into a memory-mapped cache at
# the profile's rates, and reads any window from it. Here we write a few synthetic videos to mp4 files and
# take exactly that path, so we can check that the decoded windows land where the ground truth says. Set
# `REAL_CLIP` (or the `AVSCENE_REAL_CLIP` environment variable) to any video of yours to see it decoded the
# same way.

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
# The decoded frames match the generated ones best with no frame offset, and the decoded sound lags the
# generated sound by less than one frame: the trip through files and the cache keeps the timing the labels
# rely on (the self-check asserts both). The PSNR only measures the lossy video codec, not timing; see
# *Details*.

# %% [markdown]
# ## Aligned and shifted examples
#
# The network never sees a label it could cheat with, only pairs like these, so it is worth looking at one
# with the ground truth drawn in. Each training item is one video: its frames (one random crop for the whole
# clip, flipped left-right half of the time), the audio that belongs to them, and audio from another window
# of the same video. The network sees both in the same batch, labeled 1 and 0.

# %%
dataset = shift.ShiftDataset(train_src, cfg, seed=cfg.seed)
item = dataset[0]
for k, name in enumerate(("aligned", "shifted")):
    fig = shift.figures.item_figure(dataset, 0, which=k, title=name)
    out.save_figure(fig, f"example_{name}")
    plt.show()
    display.video(item["frames"].numpy(), from_pcm16(item["audio"][k].numpy()), m.fps, m.sample_rate);

# %% [markdown]
# In the aligned example the dotted and dashed marks coincide. In the shifted one the same objects make the
# same kinds of sounds, but at other moments: nothing but the timing differs, which is exactly what the
# network is asked to notice.
#
# ### Try it: slide the audio
#
# Sliding the sound by hand is the quickest way to feel how far apart the two kinds of example are. The
# slider shifts the soundtrack against the same frames (in frames of video); at zero the dotted and dashed
# marks agree. (Interactive in Jupyter and Colab; a batch run shows the aligned view once.)

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
# How far the negatives are shifted decides what the network must detect: shifts much longer than a window
# would let it compare unrelated stretches of sound, shifts of a frame would demand lip-sync precision. The
# original code draws the pair (video start, audio start) uniformly from every pair of windows that overlap
# by at most 60 of their 125 frames, inside the video; the paper describes the result as shifts of
# 2.0-5.8 s. Below: `cfg.measure.shift_draws` shifts from our sampler against the exact law, at this
# profile's sizes and at the paper's.

# %%
rng = np.random.default_rng(cfg.seed)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.2))
stats = {}
for ax, prof in zip(axes, (cfg, config.get("gpu"))):
    pm = prof.media
    drawn = sampling.sample_shifts(rng, np.array([pm.video_frames]), np.zeros(cfg.measure.shift_draws, int),
                                   pm.clip_frames, prof.shift.max_overlap_frames)
    seconds = drawn.shift_frames / pm.fps
    shift.figures.shift_histogram(ax, drawn.shift_frames, pm.video_frames, pm.clip_frames,
                                  prof.shift.max_overlap_frames, pm.fps, legend=ax is axes[0],
                                  title=f"{prof.name}: |shift| {np.abs(seconds).min():.2f}-"
                                        f"{np.abs(seconds).max():.2f} s")
    stats[prof.name] = (float(np.abs(seconds).min()), float(np.abs(seconds).max()), float(np.abs(seconds).mean()))
out.save_figure(fig, "shift_histogram")
plt.show()
for name, (lo, hi, mean) in stats.items():
    print(f"{name}: |shift| from {lo:.2f} to {hi:.2f} s, mean {mean:.2f} s")

# %% [markdown]
# The sampled histograms follow the exact law at both sizes. Shifts go either way, and small ones are drawn
# more often than large ones, because there are more ways to place two windows close together than far
# apart inside one video. At the paper's size the range is the original code's, slightly wider than the
# paper's rounded 2.0-5.8 s (the green band).

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
# Each detector does well only where its shortcut is open: the silence detector on zero-padded negatives,
# the class detector with other-video negatives. On this sampler's own negatives both sit at chance, so
# whatever the network learns in notebook 03 has to come from timing.

# %% [markdown]
# ## Feeding the network
#
# Training can only go as fast as its data arrives, so we check what a batch looks like when it reaches the
# network, and how many videos per second the loader delivers. Training reads batches through a
# `DataLoader` whose workers generate (or read from the cache) and crop the clips; frames stay `uint8`
# until they reach the device, where they become floats in [-1, 1]. A batch: frames `[B, 3, T, H, W]`,
# audio `[B, 2, C, N]` (aligned, shifted).

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
# Each video gives two examples that share one set of frames, which is why the audio has an extra axis of
# two. Set the loader's rate beside the training speed that notebook 03 prints: as long as videos arrive
# faster than training steps use them, generating the world on the fly costs no training time.

# %% [markdown]
# ## Details
#
# **Codecs and timing.** The videos are written as mp4 files (H.264 video, AAC audio), both lossy. The
# PSNR of the decoded frames against the generated ones measures that loss, not timing. Timing is measured
# separately: `compare.frame_offset` scores the decoded frames against the generated ones at offsets of -1,
# 0 and +1 frame (a decoder that dropped or repeated a frame would score best off zero), and
# `compare.audio_lag` finds the lag, within one frame either way, that best correlates the decoded
# soundtrack with the generated one.
#
# **Flips do not swap the stereo channels.** The original code flips the frames left-right without swapping
# the audio channels, and so does avscene: a flipped scene then pans the wrong way. The task cannot exploit
# this, because the aligned and the shifted example of a video share the same flip.
#
# **The exact shift law.** In a 302-frame video, 125-frame windows can start at frames 0-176. The pairs of
# starts at least 65 frames apart (at most 60 frames of overlap) number 12,656, and a shift of *d* frames
# occurs in proportion to 177 - |*d*|: shifts from 65 to 176 frames, 2.17 to 5.87 s at 29.97 fps.
# `sampling.shift_distribution` computes this law for any profile, and the histogram above draws it.
#
# **Nothing is padded.** A video too short for a window plus the smallest shift is left out of the dataset
# and counted (`dataset.excluded`), instead of having its audio padded.

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

# %% [markdown]
# ## Exercises
#
# Predict first, then run.
#
# 1. **A harder world.** In the library's `hard` preset, what will a video show, and will matching picture
#    and sound by eye get easier or harder? In the cell under *A video of the synthetic world*, change the
#    first line to `train_src = SyntheticSource.pretext(cfg, "train", difficulty="hard")` and run it again.
#
#    <details><summary>Answer</summary>
#
#    At least two objects, and the ones besides the first sounding object are more often silent look-alikes;
#    usually an off-screen source as loud as the on-screen ones; smaller objects, pixel noise, stronger
#    backdrop flicker and a steady background noise. The dotted
#    marks still have their dashed twins, but the soundtrack now holds many events with no visible cause and
#    the picture many motions with no sound, so matching them by eye gets harder. That is the point of the
#    preset (`avscene/synthetic/difficulty.py`): a stress test for the network and the baselines.
#
#    </details>
#
# 2. **Small shifts.** If the negatives are shifted by less than the smallest regular shift, how does the
#    shifted example differ from the aligned one? In the cell under *Aligned and shifted examples*, use
#    `dataset = shift.ShiftDataset(train_src, cfg, seed=cfg.seed, negatives="small")` and run it again.
#
#    <details><summary>Answer</summary>
#
#    The shift in the title is now shorter than the smallest regular shift (`cfg.min_shift_frames` frames),
#    so the two audio windows share more of their sound than a regular negative may: the dashed marks look
#    like the dotted ones slid by less than usual. Telling such pairs apart needs finer timing than the
#    regular task; notebook 03's offset sweep asks how well the trained network does it.
#
#    </details>
#
# 3. **At the smallest shift.** When the audio is shifted by exactly the smallest shift, do any of the marks
#    line up? Run `show_shift(cfg.min_shift_frames)` in a new cell after the slider.
#
#    <details><summary>Answer</summary>
#
#    A dotted and a dashed mark may happen to coincide, but the pattern does not: every object's events fall
#    at random times, so only a shift of zero lines them all up. That is what makes the shifted audio a
#    true negative, however similar it sounds.
#
#    </details>
#
# ## Summary
#
# A shift-task example pairs one video's frames with either its own soundtrack or the sound of another
# moment of the same video, drawn from the original code's law, so the two kinds differ only in timing.
# Taking the negatives from the same video and never padding closes the two cheapest shortcuts, as detectors
# that ignore synchrony confirm by sitting at chance on our negatives. The same examples come from generated
# scenes or from decoded files, with the timing kept to within a frame. **Next**: notebook 02 builds the
# early-fusion network that takes these batches (frames `[B, 3, T, H, W]` and both soundtracks) and turns
# each frames-and-sound pair into one logit.
