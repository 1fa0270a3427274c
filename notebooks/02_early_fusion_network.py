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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/avscene/avscene/blob/main/notebooks/02_early_fusion_network.ipynb)
#
# # 02 · The early-fusion multisensory network
#
# What kind of network can answer, for every clip, *are these frames and this soundtrack aligned?*, and
# why should it fuse the two senses early rather than at the end? Owens & Efros 2018, §3.2 (Fig. 2), use
# a 3D ResNet over the frames and a 1D ResNet over the **raw stereo waveform**, **fused early**: once the
# visual stream has been reduced 4× in time, each audio time step is copied to every spatial position of
# the video feature map, the two are concatenated on channels, and from there on **one** network reasons
# about sight and sound together, down to a single logit. This notebook builds `avscene.models.ShiftNet`,
# which follows the original `shift_net.py` layer by layer, and looks at it from every side: a diagram,
# each layer's shape, parameters and FLOPs (at the paper's size and at your profile's), the temporal
# receptive field in seconds, and what early fusion buys compared with late fusion.
#
# ## Learning goals
#
# - Trace a clip through the network: say where audio and video reach the same number of time steps, and
#   where they are fused.
# - Read the layer table: find which layers hold most of the parameters and which do most of the work.
# - Explain what early fusion can detect that late fusion cannot, and what it costs.
# - Say how many seconds of sound and of video one unit takes in, at the fusion point and at the end.
# - Explain why the mean of the class activation map is exactly the logit.
#
# ## Prerequisites
#
# Notebook 01 (what a batch holds: frames, and the aligned and the shifted audio). This notebook loads no
# trained run and trains nothing: the network it builds keeps its random weights, and the paper-size
# tables are computed on PyTorch's `meta` device, which costs no memory. Notebook 03 trains the network.

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
import matplotlib.pyplot as plt
import torch

from avscene.models import ShiftNet, count_parameters, diagram, feature_shapes
from avscene.models.summary import (describe, describe_receptive_field, example_inputs, format_table, joint_share,
                                    layer_table)

cfg, out = outputs.begin("02_early_fusion_network", PROFILE)
device = runtime.pick_device()
paper = config.get("gpu")  # the paper's sizes: 125 frames of 224 px, 87,588 stereo samples at 21 kHz
m, pm = cfg.media, paper.media
print(f"profile {cfg.name!r}: {m.clip_frames} frames of {m.crop_size} px at {m.fps:g} fps "
      f"({m.clip_seconds:.2f} s), {m.clip_samples} samples x {m.channels} at {m.sample_rate} Hz, "
      f"width {cfg.net.width} (paper: {paper.net.width})")

# %% [markdown]
# ## Run time
#
# Minutes per profile, as last measured (read from this notebook's `metrics.json`, not typed). This
# notebook loads and trains no network (the one it builds keeps its random weights), so both columns are
# the same time.

# %%
from avscene.course import display

display.markdown(outputs.run_time_table(out.notebook));

# %% [markdown]
# ## Paper vs here
#
# > **The paper**: a 3D ResNet on 125 frames of 224×224 px and a 1D ResNet on 87,588 stereo samples of raw
# > waveform at 21 kHz, fused after the video's conv2 (by then 4× shorter in time) and ending in one logit;
# > about 36 M parameters by the original code's layer tables, trained for 650,000 iterations.
# >
# > **Here** `ShiftNet` rebuilds that topology layer by layer. At the paper's size it is only *described*
# > (shapes, parameters, FLOPs, receptive fields, on PyTorch's `meta` device); real forward passes run at
# > your profile's size, with fewer and smaller frames, a lower sample rate and a narrower network (`width`),
# > so that a CPU can train it in notebook 03. Two defaults differ from the original, each with the
# > original's version as an option (see *Details*): a deterministic max-pool brings the audio onto the
# > video's time steps, and the normalisation after each residual sum is plain batch norm.
# >
# > **Comparable**: the layer shapes and the parameter count at the paper's size (asserted below), the
# > receptive fields in seconds, and the CAM identity. **Not comparable**: anything learned (nothing is
# > trained here), and the parameters and FLOPs of the smaller profiles, which are far below the paper's.

# %% [markdown]
# ## The network for this profile
#
# We start with the object notebook 03 will train: the network at this profile's size. `ShiftNet(width)`
# keeps the original's topology at every size: `width` is the number of channels of the first video
# convolution (64 in the paper) and every other channel count scales with it. Inputs are frames
# `[B, 3, T, H, W]` in [-1, 1] and the waveform `[B, 2, N]` in [-1, 1]; the network applies the original's
# mu-law compression itself.

# %%
net = ShiftNet.from_config(cfg).to(device)
print(f"ShiftNet(width={cfg.net.width}): {count_parameters(net):,} trainable parameters")
print(net.im["conv2_2"])

# %% [markdown]
# Unless you run the `gpu` profile, the count is well below the paper's: most layers' parameters grow with
# the square of the width. The printed block, `conv2_2`, is the residual unit the whole network is built
# from; its order (batch norm *after* the residual sum) differs from the textbook ResNet's, see *Details*.

# %% [markdown]
# ## The architecture, drawn
#
# A picture first, to see where the two streams meet before reading any table. Each box is one layer of
# the table below, with its output shape for this profile (channels × time
# [× height × width]). Box height grows with the number of **time steps** (log scale): the audio starts
# with thousands of steps per clip and is pooled down until it has exactly as many as the video at the
# fusion point.

# %%
frames_meta, audio_meta = example_inputs(m.clip_frames, m.crop_size, m.clip_samples, m.channels,
                                         device="meta")
with torch.device("meta"):
    meta_net = ShiftNet.from_config(cfg)
rows = layer_table(meta_net, frames_meta, audio_meta)
fig = diagram.architecture(rows, (3, m.clip_frames, m.crop_size, m.crop_size), (m.channels, m.clip_samples),
                           f"ShiftNet, profile {cfg.name}: video (blue) and audio (green) fused after the video is "
                           "4× shorter in time; joint layers (purple) to one logit")
out.save_figure(fig, "architecture")
plt.show()

# %% [markdown]
# The audio boxes shrink step by step, each strided layer dividing the number of time steps, until the
# audio has exactly as many steps as the video at the fusion; from there one column of joint layers runs
# to the logit. The video needs only a few layers to get there, the audio many more: a raw waveform has
# far more time steps than a clip has frames.

# %% [markdown]
# ## Every layer: shapes, parameters, FLOPs
#
# To know where the parameters and the computation are, and to check the rebuild against the original, we
# list every layer. At the paper's size the table should reproduce the reference notes (§1.3) line by line:
# 87,588 stereo samples -> 21,897 -> 5,474 -> 1,369 -> 343 -> 86 -> 32 audio steps, 125 frames -> 63 -> 32
# -> 16 video steps, and 36.04 M parameters in the original code. The tables are computed on PyTorch's
# `meta` device (shape inference only), so the paper-size one costs no memory and no time. FLOPs count
# convolutions and matrix products (two per multiply-add) per clip, forward only.

# %%
full = describe(paper.net.width, pm.clip_frames, pm.crop_size, pm.clip_samples, pm.channels,
                fps=pm.fps, sample_rate=pm.sample_rate)
print(f"Full size (the paper): {pm.clip_frames}×{pm.crop_size}×{pm.crop_size} frames, "
      f"{pm.clip_samples} samples, width {paper.net.width}\n")
print(format_table(full["rows"]))

# %%
mine = describe(cfg.net.width, m.clip_frames, m.crop_size, m.clip_samples, m.channels,
                fps=m.fps, sample_rate=m.sample_rate)
print(f"This profile ({cfg.name}): {m.clip_frames}×{m.crop_size}×{m.crop_size} frames, "
      f"{m.clip_samples} samples, width {cfg.net.width}\n")
print(format_table(mine["rows"]))

# %%
for label, d in (("paper", full), (cfg.name, mine)):
    print(f"{label:>6}: {d['params'] / 1e6:7.3f} M parameters, {d['gflops_forward']:8.2f} GFLOP forward "
          f"and {d['gflops_train']:8.2f} GFLOP forward + backward per clip")
out.record(params=mine["params"], params_paper_size=full["params"],
           gflops_forward_per_clip=mine["gflops_forward"], gflops_train_per_clip=mine["gflops_train"],
           gflops_forward_per_clip_paper_size=full["gflops_forward"])

# %% [markdown]
# Where is the work? Three groups of rows tell most of it: the first video layers (`im/conv1` to
# `im/conv2_2`, which see the full-rate stream), `conv5` (the widest layers), and the whole audio branch.

# %%
early_video = ("im/conv1", "im/conv2_1", "im/conv2_2")
for label, d in (("paper", full), (cfg.name, mine)):
    rows_d = d["rows"]
    early_flops = sum(r["gflops"] for r in rows_d if r["layer"] in early_video) / d["gflops_forward"]
    early_params = sum(r["params"] for r in rows_d if r["layer"] in early_video) / d["params"]
    conv5_params = sum(r["params"] for r in rows_d if r["layer"].startswith("im/conv5")) / d["params"]
    audio_flops = sum(r["gflops"] for r in rows_d if r["layer"].startswith("sf/")) / d["gflops_forward"]
    print(f"{label:>6}: im/conv1-conv2_2 do {early_flops:.0%} of the forward FLOPs with {early_params:.1%} of the "
          f"parameters; conv5 holds {conv5_params:.0%} of the parameters; the audio branch does "
          f"{audio_flops:.1%} of the FLOPs")

# %% [markdown]
# At the paper's size the first video layers do a large share of the work with a tiny share of the
# parameters, conv5 holds most of the parameters on a small grid, and the whole audio branch is a sliver of
# the computation: listening is cheap, looking is expensive. At smaller profiles the frames shrink far more
# than the sound, so the audio's share grows. `python -m avscene.bench model --profile cpu` measures how fast
# a training step runs on your machine, against its matrix-multiply speed.

# %% [markdown]
# ## Temporal receptive field
#
# A shift detector has to compare what it hears with what it sees across the window, so we ask how many
# seconds of video and of audio one unit can take in. We follow each layer's kernel and stride along time
# (how exactly is in *Details*), for a unit at the fusion point and for one of the last convolution.

# %%
for label, d in (("paper", full), (cfg.name, mine)):
    print(f"{label:>6}: {describe_receptive_field(d['rf'])}")

rf = mine["rf"]
fig = diagram.receptive_fields(rf, m.clip_seconds, f"temporal receptive fields, profile {cfg.name}")
out.save_figure(fig, "receptive_field")
plt.show()
out.record(rf_last_video_s=rf.last_seconds[0], rf_last_audio_s=rf.last_seconds[1],
           rf_fusion_video_s=rf.fusion_seconds[0], rf_fusion_audio_s=rf.fusion_seconds[1])

# %% [markdown]
# At every profile a unit at the fusion point has heard more seconds of sound than it has seen of frames,
# and a unit of the last convolution spans more than the whole clip in both. So the final decision can
# compare the two streams anywhere in the window, which is what a shift detector needs.

# %% [markdown]
# ## Early versus late fusion
#
# Where the two streams meet decides what the network can compare, so this choice is the paper's central
# design decision. A **late-fusion** network (e.g. *Objects that Sound*'s AVE-Net, or the L³-Net) runs two separate towers
# to the end, pools each to one vector, and only then compares them. Whatever is compared has already
# been averaged over space and time: it can tell *whether* a guitar and guitar sound co-occur, but
# the question "does this lip movement happen at the same moment as that syllable?" must survive
# pooling in each tower independently.
#
# **Early fusion** concatenates the audio with the video while both still have a time axis (and the video
# its spatial grid): every joint layer after the fusion sees *this place, at this moment, with this
# sound*. The 3D convolutions after the merge can then detect co-occurring motion and sound patterns
# at each location, which is what the shift task rewards, and what makes the class activation map (the
# logit evaluated at every position before pooling) a map of *where the sound comes from*. The price is
# that the audio branch cannot be run without frames, so there is no standalone audio embedding to retrieve
# with. Below: the share of the network that works on fused features.

# %%
for label, d in (("paper", full), (cfg.name, mine)):
    p, f = joint_share(d)
    print(f"{label:>6}: {p:.0%} of the parameters and {f:.0%} of the forward FLOPs act on fused "
          "audio-visual features")
share_params, share_flops = joint_share(mine)
out.record(joint_share_params=share_params, joint_share_flops=share_flops)

# %% [markdown]
# At every size most of the parameters work on fused features, but a smaller share of the computation:
# the early video layers, which run on the full-rate stream, are not fused yet. Almost all of what the
# network can learn about sight and sound *together* sits after the merge.

# %% [markdown]
# ## The class activation map is the logit, spread out
#
# Notebook 04 reads maps of this network's output as sound-source localizations, so we check here that the
# map and the logit are the same thing. `net.cam(frames, audio)` applies the final 1×1×1 logit convolution
# (with its bias) to every cell of the last feature map *before* the global average. Both operations are
# linear, so the mean of the map is the logit. We check that on random clips with the untrained network,
# and also that `use_sound=False` (the paper's ablation, audio zeroed at the fusion point) makes the output
# independent of the waveform.

# %%
net.train()
frames, audio = example_inputs(m.clip_frames, m.crop_size, m.clip_samples, m.channels, batch=2,
                               device=device)
other_audio = torch.rand_like(audio) * 2 - 1
with torch.no_grad():
    feats = net.features(frames, audio)
    logits = net(frames, audio)
    cam = net.cam(frames, audio)
    muted = net(frames, audio, use_sound=False)
    muted_other = net(frames, other_audio, use_sound=False)
    changed = net(frames, other_audio)
print("feature scales:", [tuple(f.shape[1:]) for f in feats], " cam:", tuple(cam.shape[1:]))
print("logits:", logits.tolist(), " mean(cam):", cam.mean((1, 2, 3)).tolist())

# %% [markdown]
# The two printed lists agree up to float rounding: the CAM is the logit spread over time and space (its
# shape is printed beside the features'), and the self-check below measures the largest difference. At a
# small profile the map may have very few spatial cells; exercise 2 shows how notebook 04 gets finer ones.

# %% [markdown]
# ## Details
#
# **Residual blocks unlike the textbook's** (reference notes §1.4). Batch norm comes *after* the residual
# sum (`conv -> BN -> ReLU -> conv + bias`, add the shortcut, *then* BN and ReLU), and the BNs have a
# learned shift β but no scale γ. The shortcut is the identity; a **strided subsampling** when only the
# stride changes; and a 1×1 convolution with BN only when the channel count changes.
#
# **Deviations, kept small and explicit.** The original brings the audio's time steps onto the video's (86
# -> 32 at full size) with a *pseudo-random* fractional max-pool; avscene uses a deterministic adaptive
# max-pool by default (`audio_pool="fractional"` gives PyTorch's random one, see exercise 3). The original's
# post-sum BNs are batch *re*normalization; plain BN is the default here and `renorm=True` gives the
# original's.
#
# **Padding.** Convolutions pad like TensorFlow's `SAME` (more on the right than on the left when the
# total is odd), so every shape is the one the original code would produce for the same input; the
# self-check compares the feature shapes with that arithmetic (`feature_shapes`).
#
# **Receptive-field arithmetic.** The receptive field follows each layer's kernel and stride along time,
# padding included; the audio-to-video pooling counts as a window of its widest bin.
#
# **The CAM check in training mode.** Untrained, the BN running statistics are still at their initial
# values, so the CAM cell normalizes with the batch's own statistics (training mode, no gradients). The
# identity holds in either mode, as long as both calls see the same normalization and the same pooling.

# %% [markdown]
# ## Self-check
#
# Nothing here is trained, so every check holds under every profile, `smoke` included: the network's shapes
# against TF-`SAME` arithmetic and the reference table, the parameter count at paper size, the CAM identity,
# the no-sound ablation and the receptive field.

# %%
expected = [tuple(s) for s in feature_shapes(cfg.net.width, m.clip_frames, m.crop_size, cfg.net.cam_levels)]
got = [(f.shape[1], f.shape[2], f.shape[3]) for f in feats]
out.check("feature shapes equal TF-SAME arithmetic", float(got == expected), at_least=1.0)
full_rows = {r["layer"]: r["out_shape"] for r in full["rows"]}
paper_shapes = {"sf/conv4_1": "256×86", "sf/align": "256×32", "im/conv1": "64×63×112×112",
                "im/conv2_2": "64×32×28×28", "fusion": "192×32×28×28", "im/conv5_2": "512×16×7×7"}
out.check("paper-size shapes equal the reference table",
          float(all(full_rows[k] == v for k, v in paper_shapes.items())), at_least=1.0)
out.check("paper-size parameters (M)", full["params"] / 1e6, at_least=36.04 * 0.995,
          at_most=36.04 * 1.005, paper="36.04 (original code)")
out.check("max |mean(cam) - logit|", (cam.mean((1, 2, 3)) - logits).abs().max().item(), at_most=1e-4)
out.check("use_sound=False: max output change with other audio (0 on CPU)",
          (muted - muted_other).abs().max().item(), at_most=1e-6)
out.check("use_sound=True: max output change with other audio",
          (logits - changed).abs().max().item(), at_least=1e-6)
out.check("last_conv unit hears the whole clip (RF audio / clip)",
          mine["rf"].last_seconds[1] / m.clip_seconds, at_least=1.0)
print(f"notebook 02 done in {out.wall_time_s:.1f} s; metrics in {out.dir / 'metrics.json'}")

# %% [markdown]
# ## Exercises
#
# Predict first, then run.
#
# 1. **Twice as wide.** If `width` doubles, by how much do the parameters and the FLOPs per clip grow? In the
#    cell that computes `mine = describe(...)`, replace `cfg.net.width` by `2 * cfg.net.width`, then run it
#    and the totals cell after it.
#
#    <details><summary>Answer</summary>
#
#    The parameters grow almost fourfold: nearly every convolution has twice as many input *and* output
#    channels. The FLOPs grow by less, because the first video and audio convolutions read a fixed 3 colour
#    or 2 audio channels, so they only double, and they do a large share of the work.
#
#    </details>
#
# 2. **A finer class activation map.** What happens to the CAM's shape, and to the parameter count, when the
#    spatial stride of conv5 is removed (the original's `cam_v1` model)? Add
#    `cfg = cfg.replace(**{"net.cam_levels": 1})` as the first line of the cell under *The network for this
#    profile*, then run that cell, the CAM cell and the self-check.
#
#    <details><summary>Answer</summary>
#
#    The map's height and width double (at the `cpu` profile, one spatial cell becomes 2×2; `cam_levels=2`
#    gives 4×4), while the parameter count does not change: a stride has no weights. The CAM identity still
#    holds and the self-check still passes, since its expected shapes read `cfg.net.cam_levels`. This is why
#    notebook 04 fine-tunes a CAM model with strides removed, on larger frames.
#
#    </details>
#
# 3. **The original's random pooling.** With the original's pseudo-random pooling of audio steps, does the
#    CAM identity still hold? In the cell under *The network for this profile*, use
#    `net = ShiftNet.from_config(cfg, audio_pool="fractional").to(device)`, then run down to the self-check.
#
#    <details><summary>Answer</summary>
#
#    Not in training mode (except at `smoke`): every forward call draws its own pooling regions, so
#    `net(...)` and `net.cam(...)` see slightly different audio features, and the check
#    `max |mean(cam) - logit|` fails. After `net.eval()` the regions are fixed and the identity holds again.
#    At `smoke` the audio reaches the fusion with exactly twice as many steps as the video, so every draw
#    picks the same windows and nothing changes. This is one reason avscene's default pooling is
#    deterministic.
#
#    </details>
#
# ## Summary
#
# `ShiftNet` rebuilds the original early-fusion network layer by layer: a 3D ResNet on the frames and a 1D
# ResNet on the raw waveform, merged as soon as both have the same number of time steps, then one joint
# network down to a single logit. At the paper's size its shapes and parameter count match the original
# code's, and a unit of its last convolution takes in more than the whole clip of both sound and video.
# Because the logit is the mean of the class activation map, the same network can later show *where* in the
# picture the synchronized sound comes from. **Next**: notebook 03 trains this network on the shift task of
# notebook 01, and checks with controls that it really uses synchrony.
