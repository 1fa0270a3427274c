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
# Owens & Efros (ECCV 2018, §3.2, Fig. 2) answer one question per clip: *are these frames and this
# soundtrack aligned?* Their network is a 3D ResNet over the frames and a 1D ResNet over the **raw
# stereo waveform**. The two streams are **fused early**: once the visual stream has been reduced 4×
# in time, each audio time step is copied to every spatial position of the video feature map, the two
# are concatenated on channels, and from there on **one** network reasons about sight and sound
# together, down to a single logit.
#
# This notebook builds `avscene.models.ShiftNet`, which follows the original `shift_net.py` layer by
# layer, and looks at it from every side: a diagram, each layer's shape, parameters and FLOPs (at the
# paper's size and at the size of the profile you run), the temporal receptive field in seconds, and
# what early fusion buys compared with late fusion. Training comes in notebook 03.

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
# ## The network for this profile
#
# `ShiftNet(width)` keeps the original's topology at every size: `width` is the number of channels of
# the first video convolution (64 in the paper) and every other channel count scales with it. Inputs are
# frames `[B, 3, T, H, W]` in [-1, 1] and the waveform `[B, 2, N]` in [-1, 1]; the network applies the
# original's mu-law compression itself. Convolutions pad like TensorFlow's `SAME`, so every shape below
# is the one the original code would produce for the same input.

# %%
net = ShiftNet.from_config(cfg).to(device)
print(f"ShiftNet(width={cfg.net.width}): {count_parameters(net):,} trainable parameters")
print(net.im["conv2_2"])

# %% [markdown]
# Two details differ from the textbook ResNet and matter for fidelity (reference notes §1.4):
#
# - **batch norm comes after the residual sum** (`conv -> BN -> ReLU -> conv + bias`, add the shortcut,
#   *then* BN and ReLU), and the BNs have a learned shift β but no scale γ;
# - the shortcut is the identity, a **strided subsampling** when only the stride changes, and a 1×1
#   convolution with BN only when the channel count changes.
#
# Deviations, kept small and explicit: the original brings the audio's time steps onto the video's
# (86 -> 32 at full size) with a *pseudo-random* fractional max-pool; we use a deterministic adaptive
# max-pool by default (`audio_pool="fractional"` gives PyTorch's random one). The original's post-sum BNs
# are batch *re*normalization; plain BN is the default here and `renorm=True` gives the original's.

# %% [markdown]
# ## The architecture, drawn
#
# Each box is one layer of the table below, with its output shape for this profile (channels × time
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
# ## Every layer: shapes, parameters, FLOPs
#
# At the paper's size the table reproduces the reference notes (§1.3) line by line: 87,588 stereo
# samples -> 21,897 -> 5,474 -> 1,369 -> 343 -> 86 -> 32 audio steps, 125 frames -> 63 -> 32 -> 16 video
# steps, and 36.04 M parameters, two thirds of them in conv5. The tables are computed on PyTorch's
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
# Where the work is: the first video convolution and conv2 see the full-rate 63-frame stream and carry
# almost half of the FLOPs with a tiny fraction of the parameters; conv5 holds most parameters but
# runs on a 16×7×7 grid. The whole audio branch costs about 2 GFLOP of the 350 per clip: listening is
# cheap, looking is expensive. `python -m avscene.bench model --profile cpu` measures how fast a training
# step runs on your machine, against its matrix-multiply speed.

# %% [markdown]
# ## Temporal receptive field
#
# How many seconds of video and of audio can one unit "hear" and "see"? We follow each layer's kernel
# and stride along time (the audio-to-video pooling counted as a window of its widest bin; padding
# included). At full size a unit at the fusion point has heard 1.5 s of sound but seen only 0.83 s of
# frames; a unit of the last convolution covers more than the whole 4.2 s clip in both, so the final
# decision can compare the two streams anywhere in the window: what a shift detector needs.

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
# ## Early versus late fusion
#
# A **late-fusion** network (e.g. *Objects that Sound*'s AVE-Net, or the L³-Net) runs two separate towers
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
# ## The class activation map is the logit, spread out
#
# `net.cam(frames, audio)` applies the final 1×1×1 logit convolution (with its bias) to every cell of the
# last feature map *before* the global average. Both operations are linear, so the mean of the map is
# exactly the logit (up to float rounding); notebook 04 reads these maps as sound-source localizations.
# We check that here on random clips with the untrained network, and that `use_sound=False` (the paper's
# ablation, audio zeroed at the fusion point) makes the output independent of the waveform. Untrained,
# the BN running statistics are still at their initial values, so we normalize with the batch's own
# statistics (training mode, no gradients); the identities hold in either mode.

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
