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
# Can a network learn which sights go with which sounds from unlabeled video alone, if all it is ever
# asked is whether a soundtrack is in sync with its frames? That is the question of Owens & Efros,
# *Audio-Visual Scene Analysis with Self-Supervised Multisensory Features* (ECCV 2018, §1 and §3), and
# this course answers it notebook by notebook. Their recipe fits in one sentence: **take a video, shift
# its soundtrack by a few seconds, and train a network to tell the shifted version from the real one.**
# Nobody labels anything, yet to solve the task the network must find *what in the picture makes the
# sound and when*: lips against syllables, a hammer against its thud. This tour shows what the course
# contains, how one parameter sizes every notebook, and the shift task drawn to scale.
#
# ## Learning goals
#
# - State the shift task in one sentence, and say why the shifted audio comes from the *same* video.
# - Name the four profiles (`smoke`, `cpu`, `colab`, `gpu`), say what each is for, and read a profile's
#   sizes from `cfg` instead of typing them.
# - Find where a notebook writes its figures and `metrics.json`, and where trained runs live.
# - Say which results of this course can be set beside the paper's numbers, and which cannot.
#
# ## Prerequisites
#
# None: this is the first notebook. It assumes some Python and a first look at PyTorch. It loads no
# trained run and trains nothing, so it runs the same on any machine, with or without a GPU.

# %% [markdown]
# ## On Colab
#
# 1. **Before running anything**, choose *Runtime → Change runtime type → T4 GPU* (a notebook opened from its
#    badge already asks for one; check it). Switching later starts a fresh machine: what the setup cell
#    installed and every network trained so far are gone.
# 2. Run the setup cell below: it installs avscene (never torch: Colab's own build stays) and prints the
#    profile it picked, `colab` on a GPU runtime, `cpu` on a CPU runtime.
# 3. Trained networks (runs) go to `/content/runs/<profile>/`, which ends with the session, and each notebook
#    gets a machine of its own. To keep runs, and let notebook 04 find the `shift` run notebook 03 trained,
#    mount Google Drive and point `AVSCENE_RUNS` at a folder on it, in a new cell after the setup cell of
#    every notebook (`colab.runs_on_drive()` does the same in one call):
#
#    ```python
#    from google.colab import drive
#    drive.mount("/content/drive")
#    os.environ["AVSCENE_RUNS"] = "/content/drive/MyDrive/avscene/runs"
#    ```

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

# %%
cfg, out = outputs.begin("00_tour", PROFILE)

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
# > **The paper** trained on about 750,000 AudioSet videos: 4.2-s windows of 125 frames at 29.97 fps,
# > 224-px crops of 256-px frames and 21 kHz stereo sound, with the audio shifted by 2.0-5.8 s within the
# > same video, for 650,000 SGD iterations on GPUs; it reached 59.9 % alignment accuracy on held-out
# > videos (chance: 50 %).
# >
# > **Here** the same task and the same network run at four sizes. `gpu` keeps the paper's sizes, for real
# > data on your own GPUs. `cpu` and `colab` shrink the frame size, the frame and sample rates and the
# > network's width, and train on a synthetic world of objects that sound when they move (with silent
# > look-alikes and off-screen sounds), so that a laptop or a free Colab GPU finishes in minutes and every
# > claim can be checked against ground truth.
# >
# > **Comparable**: the task's definition, the law the shifts are drawn from, the network's topology layer
# > by layer, and at the paper's size its shapes and parameter count (checked exactly). **Not comparable**:
# > accuracies. The synthetic world is built so that the task can be learned in minutes, so a `cpu`
# > accuracy says whether the method works, not how it would fare on AudioSet.

# %% [markdown]
# ## The course
#
# Each notebook tells one part of the story and runs its experiment; the reusable code lives in the
# small library `avscene` (`lib/avscene/`), so you can read a notebook top to bottom without scrolling
# past plumbing. Besides the main paper, two companions are reproduced: Arandjelović & Zisserman,
# *Objects that Sound* (ECCV 2018), and Rouditchenko et al., *Self-Supervised Audio-Visual
# Co-Segmentation* (ICASSP 2019), built on Zhao et al.'s *Sound of Pixels*.
#
# - **01 · Data and the shift task** (Owens & Efros §3.1). Real and synthetic clips, decoded frame-exactly;
#   what an aligned and a shifted example look and sound like; how the shifted audio is sampled (2.0-5.8 s,
#   from the *same* video) and which shortcuts the sampling must close.
# - **02 · The early-fusion network** (§3.2). The 3D CNN that fuses raw stereo audio with video after the
#   visual stream is reduced 4x in time: a diagram, every layer's shape and parameter count (at full size,
#   against the original code's), FLOPs, and the temporal receptive field.
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
# - **Colab**: open a notebook with its badge, first choose *Runtime → Change runtime type → T4 GPU*, then run
#   the setup cell: it installs avscene (not torch) and picks `PROFILE = "colab"` (see "On Colab" above).
# - **Batch (papermill)**: `papermill notebooks/03_pretraining.ipynb out.ipynb -p PROFILE gpu -k python3`
#   (the `.ipynb` files are the paired, output-free twins of the `.py` sources).
# - **Trained networks are named runs** (`shift`, `cam`, ...) under `runs/<profile>/`. A notebook that needs
#   one loads it when it has finished, else downloads the profile's published weights when they exist
#   (checksummed and cached; it prints "found pretrained weights ... skipping training"), else trains it and
#   says how long that took when last measured. An interrupted training resumes where it stopped.

# %% [markdown]
# ## The profiles side by side
#
# One parameter, `PROFILE`, sizes every notebook, so that the same story runs in seconds in a test and at
# the paper's sizes on real data; a notebook never writes a size, it reads it from `cfg`.
#
# | profile | where | what it is for |
# |---|---|---|
# | `smoke` | tests (`make test`) | checking that every cell runs; nothing learns |
# | `cpu` | a 2-core laptop (`make figures`) | the course's reference runs: models really learn on the synthetic world |
# | `colab` | a T4-class GPU on Colab | larger frames and networks on the synthetic world |
# | `gpu` | your own GPUs with real data | the paper's sizes |
#
# The table below prints each profile's sizes from `config`.

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
# Read the table down a column: only `gpu` has the paper's frame rate, window and sample count; the
# smaller profiles keep the *shape* of the task (a window of a few seconds, shifts of about a window's
# length, stereo sound) at lower rates and on smaller frames, and `width` shrinks the network with them.

# %% [markdown]
# ## The shift task, drawn to scale for this profile
#
# Everything the network learns comes from one comparison, so it pays to see it at the right scale.
# The network sees a window of frames and a window of audio. In an *aligned* example the two windows start
# together; in a *shifted* one the audio window starts elsewhere in the **same** video, overlapping the
# frame window by at most `max_overlap_frames` (60 of 125 frames in the original), so the shift is at
# least `clip_frames - max_overlap_frames` frames and at most what the video's length allows. Taking it from
# the same video matters: the shifted sound then comes from the same things as the aligned one, so only
# *timing* tells them apart (notebook 01 measures what goes wrong otherwise).

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
# The red bars overlap the frames' window by less than half of it, at every profile: a shifted example
# shares only a minority of its moments with the sound it is paired with, yet it is the same scene with
# the same sources. The title gives this profile's smallest shift; notebook 01 draws the whole
# distribution of shifts.

# %% [markdown]
# ## Details
#
# **Why the window is counted in frames.** The original code defines the network's window in video frames
# (`sampled_frames = 125`), and the audio window follows from it:
# `round(125 × 21000 / 29.97) = 87,588` stereo samples (its reader slices one sample fewer, a harmless
# off-by-one). A stored video is `int(10.1 × 29.97) = 302` frames long. `MediaSpec` keeps the same rules at
# every profile (`clip_samples`, `video_frames`), which is why the self-check below can assert the
# original's numbers for `gpu`.
#
# **2.0-5.8 s or 2.17-5.87 s?** The paper describes its shifts as 2.0-5.8 s; the original code's law (at
# most 60 of 125 frames of overlap, windows inside a 302-frame video) gives 65 to 176 frames, 2.17 to
# 5.87 s. avscene follows the code.

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

# %% [markdown]
# ## Exercises
#
# Predict first, then run.
#
# 1. **No overlap at all.** If a shifted audio window may not share a single frame's moment with the frames'
#    window, where do the red bars go, and how does the smallest shift change? Add
#    `cfg = cfg.replace(**{"shift.max_overlap_frames": 0})` as the first line of the drawing cell and run it
#    again.
#
#    <details><summary>Answer</summary>
#
#    The smallest shift becomes a whole window (`clip_frames`), so the red bars sit just beside the blue one,
#    touching it but not overlapping. The longest shift does not change (the video is as long as before), so
#    the shifts span a narrower range. Going the other way, more overlap, gives smaller shifts and a finer
#    task; notebook 01 tries that with `negatives="small"`.
#
#    </details>
#
# 2. **The Colab profile.** Is the `colab` window longer or shorter in seconds than the `cpu` one, and than
#    the paper's? Add `cfg = config.get("colab")` as the first line of the drawing cell and run it again.
#
#    <details><summary>Answer</summary>
#
#    The `colab` window lasts as long as the paper's, with about half as many frames at about half the frame
#    rate, and its smallest shift is close to the original code's; the `cpu` window is shorter. Seconds, not
#    frames, are what the sounds and motions of a scene are measured in, so `colab` keeps the paper's time
#    scale while cutting the cost.
#
#    </details>
#
# 3. **Where does a test run write?** Set `PROFILE = "smoke"` in the parameters cell and run the notebook
#    from the top. Where do the figures and `metrics.json` go, and does the *Run time* table change?
#
#    <details><summary>Answer</summary>
#
#    `outputs.begin` prints a temporary folder: `smoke` runs never write into `figures/`, so a test can
#    never overwrite the measured results. The *Run time* table reads `figures/00_tour/metrics.json`, so it
#    still shows the last real run.
#
#    </details>
#
# ## Summary
#
# The course reproduces Owens & Efros's self-supervised shift task: frames paired either with their own
# soundtrack or with the same video's sound a few seconds away, told apart by one early-fusion network.
# One parameter, `PROFILE`, sizes every notebook from a seconds-long test to the paper's sizes on real data,
# and every figure and number a run measures lands in `figures/<notebook>/`. Results in the synthetic world
# say whether the method works, while the paper's sizes, shapes and parameter counts can be checked
# exactly. **Next**: notebook 01 builds the aligned and shifted examples themselves, draws the law the
# shifts are drawn from, and measures the shortcuts a careless sampler would open.
