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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/avscene/avscene/blob/main/notebooks/00_tour.ipynb)
#
# # 00 · A tour of avscene
#
# **avscene** reproduces, notebook by notebook, Owens & Efros, *Audio-Visual Scene Analysis with
# Self-Supervised Multisensory Features* (ECCV 2018), with two companions: Arandjelović & Zisserman,
# *Objects that Sound* (ECCV 2018), and Rouditchenko et al., *Self-Supervised Audio-Visual
# Co-Segmentation* (ICASSP 2019), built on Zhao et al.'s *Sound of Pixels*.
#
# The idea of the main paper fits in one sentence: **take a video, shift its soundtrack by a few seconds,
# and train a network to tell the shifted version from the real one.** Nobody labels anything, yet to
# solve the task the network must find *what in the picture makes the sound and when*: lips against
# syllables, a hammer against its thud. That internal representation then localizes sound sources,
# recognizes actions, and separates on-screen from off-screen speech.
#
# Every notebook runs at four sizes chosen by one parameter, `PROFILE`:
#
# | profile | where | how long |
# |---|---|---|
# | `smoke` | tests (`make test`) | seconds; nothing learns |
# | `cpu` | a 2-core laptop (`make figures`) | minutes a notebook, and models really learn on the synthetic world |
# | `colab` | a T4-class GPU on Colab | at most ~20 minutes a notebook |
# | `gpu` | your own GPUs with real data | the paper's sizes (4.2 s clips, 125 frames at 29.97 fps, 224 px, 21 kHz stereo) |

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

# %%
cfg, out = outputs.begin("00_tour", PROFILE)

# %% [markdown]
# ## The course
#
# Each notebook tells one part of the story and runs its experiment; the reusable code lives in the
# small library `avscene` (`lib/avscene/`), so you can read a notebook top to bottom without scrolling
# past plumbing.
#
# - **01 · Data and the shift task** (Owens & Efros §3.1). Real and synthetic clips, decoded frame-exactly;
#   what an aligned and a shifted example look and sound like; how the shifted audio is sampled (2.0-5.8 s,
#   from the *same* video) and which shortcuts the sampling must close.
# - **02 · The early-fusion network** (§3.2). The 3D CNN that fuses raw stereo audio with video after the
#   visual stream is reduced 4x in time: a diagram, every layer's shape and parameter count (36.0 M at full
#   size), FLOPs, and the temporal receptive field.
# - **03 · Pretraining** (§3.3). Self-supervised training that really learns on a laptop CPU, with the controls
#   that prove the network uses synchrony (audio zeroed, frozen frames, audio from another video) and an
#   offset sweep; the accuracy beside the paper's 59.9 % on AudioSet.
# - **04 · Where is the sound? CAM localization** (§4). Class activation maps of the aligned-audio logit from
#   the CAM model (the shift network fine-tuned with spatial strides removed, as the original's `cam_v1`),
#   measured against ground-truth masks of sounding objects (pointing game, cIoU, AUC) and simple baselines.
# - **05 · Action recognition on UCF-101** (§5). Fine-tuning the pretrained network; the paper's 82.1 % and its
#   ablations (scratch, audio zeroed, other-video negatives).
# - **06 · On/off-screen source separation** (§6). A u-net on spectrograms conditioned on the multisensory
#   features, trained with L1 and with permutation-invariant losses.
# - **07 · Objects that Sound**. AVE-Net (cross-modal retrieval by embedding distance) and AVOL-Net
#   (localization by multiple-instance learning), on the same localization benchmark as notebook 04.
# - **08 · Co-segmentation** (Rouditchenko et al.; Sound of Pixels). Mix-and-Separate training, the
#   sigmoid-to-softmax disentanglement, and channel-to-category assignment, scored by SDR/SIR and IoU.
# - **09 · Results beside the papers'.** Every measured number from 01-08 in one table, next to the papers'.
#
# ## How to run it
#
# - **Locally**: `make figures` (creates `.venv`, installs, runs every notebook under the `cpu` profile and
#   prints a summary); `make test` runs the unit tests and every notebook under `smoke`. For interactive
#   work: `.venv/bin/jupyter lab notebooks/`.
# - **Colab**: open a notebook with its badge; the setup cell installs avscene (not torch); then
#   *Runtime → Change runtime type → T4 GPU* and set `PROFILE = "colab"` in the parameters cell.
# - **Batch (papermill)**: `papermill notebooks/03_pretraining.ipynb out.ipynb -p PROFILE gpu -k python3`
#   (the `.ipynb` files are the paired, output-free twins of the `.py` sources).
# - **Trained networks are named runs** (`shift`, `cam`, ...) under `runs/<profile>/`. A notebook that needs
#   one loads it when it has finished, else downloads the profile's published weights when they exist
#   (checksummed and cached; it prints "found pretrained weights ... skipping training"), else trains it and
#   says how long that took when last measured. An interrupted training resumes where it stopped.

# %% [markdown]
# ## The profiles side by side
#
# A notebook never writes a size; it reads it from `cfg`. The network window is defined in frames,
# as in the original code (`sampled_frames = 125`), and the audio window follows from it.

# %%
rows = []
for name in config.PROFILE_NAMES:
    p = config.get(name)
    m = p.media
    rows.append((name, f"{m.fps:g}", m.sample_rate, m.channels, m.clip_frames, f"{m.clip_seconds:.2f}",
                 m.clip_samples, f"{m.frame_size}->{m.crop_size}", m.video_frames,
                 f"{p.min_shift_frames / m.fps:.2f}-{p.max_shift_frames / m.fps:.2f}", p.net.width))
header = ("profile", "fps", "rate", "ch", "frames", "seconds", "samples", "pixels", "video frames",
          "|shift| s", "width")
widths = [max(len(str(v)) for v in col) for col in zip(header, *rows)]
for row in (header, *rows):
    print("  ".join(str(v).rjust(w) for v, w in zip(row, widths)))

# %% [markdown]
# ## The shift task, drawn to scale for this profile
#
# The network sees a window of frames and a window of audio. In an *aligned* example the two windows start
# together; in a *shifted* one the audio window starts elsewhere in the **same** video, overlapping the
# frame window by at most `max_overlap_frames` (60 of 125 frames in the original), so the shift is at
# least `clip_frames - max_overlap_frames` frames and at most what the video's length allows.

# %%
import matplotlib.pyplot as plt

m = cfg.media
fig, ax = plt.subplots(figsize=(9, 2.6))
video_s, win_s = m.video_frames / m.fps, m.clip_seconds
start = (video_s - win_s) / 2
ax.barh(3, video_s, left=0, color="0.9", edgecolor="0.5", label="whole video")
ax.barh(2, win_s, left=start, color="tab:blue", label="frames (the network's window)")
ax.barh(1, win_s, left=start, color="tab:green", label="aligned audio")
min_shift_s = cfg.min_shift_frames / m.fps
for sign in (-1, 1):
    ax.barh(0, win_s, left=start + sign * min_shift_s, color="tab:red", alpha=0.35 if sign < 0 else 0.6,
            label="shifted audio (smallest shift, either way)" if sign > 0 else None)
ax.set_yticks([3, 2, 1, 0], ["video", "frames", "aligned", "shifted"])
ax.set_xlabel("seconds")
ax.set_xlim(-win_s, video_s + win_s)
ax.set_title(f"profile {cfg.name}: {m.clip_frames} frames = {win_s:.2f} s window, "
             f"|shift| >= {min_shift_s:.2f} s")
ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
out.save_figure(fig, "shift_task")
plt.show()

# %% [markdown]
# ## Self-check
#
# The cell below asserts what this notebook promises: every module of the library imports, the profile is
# self-consistent (the `gpu` profile reproduces the original's 125 frames and 87,588 audio samples), and the
# chosen device can run a computation.

# %%
import importlib
import pkgutil

import torch

import avscene

modules = sorted(m.name for m in pkgutil.walk_packages(avscene.__path__, "avscene."))
failed = {}
for name in modules:
    try:
        importlib.import_module(name)
    except Exception as exc:  # reported, then asserted below
        failed[name] = repr(exc)
print(f"{len(modules) - len(failed)}/{len(modules)} avscene modules import")
assert not failed, failed

paper = config.get("gpu").media
assert (paper.clip_frames, paper.clip_samples, paper.video_frames) == (125, 87588, 302)
assert cfg.min_shift_frames > 0 and cfg.max_shift_frames > cfg.min_shift_frames

device = runtime.pick_device()
x = torch.randn(64, 64, device=device)
assert torch.allclose((x @ torch.eye(64, device=device)).cpu(), x.cpu())

out.check("avscene modules importing", len(modules) - len(failed), at_least=len(modules))
out.check("smallest shift (s)", min_shift_s, at_least=0.5,
          paper="2.17 (original code; 2.0 in the text)")
out.record(device=str(device), profile_seconds_per_window=m.clip_seconds)
print(f"tour complete in {out.wall_time_s:.1f} s; metrics in {out.dir / 'metrics.json'}")
