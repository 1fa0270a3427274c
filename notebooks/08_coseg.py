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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/avscene/avscene/blob/main/notebooks/08_coseg.ipynb)
#
# # 08 · Which pixels make which sound? Mix-and-Separate and co-segmentation
#
# Zhao et al. (*The Sound of Pixels*, ECCV 2018) train without a single label by **mixing** the sounds of two
# solo videos and asking a network to pull each video's sound back out of the mixture, guided by that video's
# frames (*Mix-and-Separate*). K feature channels are shared by an image network, an audio u-net and a linear
# synthesizer, so the same channels that separate the sound also say which pixels make it. Rouditchenko et al.
# (*Self-Supervised Audio-Visual Co-Segmentation*, ICASSP 2019) switch the visual activation from a sigmoid to a
# **softmax over the channels**, so that channels compete and each comes to stand for one kind of object; a few
# labelled solo clips then name the channels, and a category's channel alone, **without any frame**, separates
# that category's sound and segments it in the image. Our reference notes §3 (§3.1-3.4 the official code, §3.5
# co-segmentation) are followed here; this notebook builds both, trains them on the synthetic world, and measures
# separation beside NMF and an oracle mask, the channels before and after the switch, segmentation, and the pixel
# sound maps on notebook 04's benchmark beside CAM and AVOL-Net.
#
# ## Learning goals
#
# - Build a Mix-and-Separate example and say why it needs no labels: the mixture is made, so its parts are known.
# - Follow the official data path: STFT, the log-frequency warp (and why warp and un-warp must agree), binary
#   masks as targets, the weighted BCE.
# - Score separation as the papers do (SDR, SIR, SAR and NSDR with `mir_eval`), beside NMF and the ideal mask.
# - Explain what the softmax over channels changes, and assign channels to categories by argmax and by the
#   Hungarian method.
# - Read a model's pixel maps as segmentation and as localization, and say what a max over locations does not ask.
#
# ## Prerequisites
#
# Notebook 06 (separation, masks and BSS-eval metrics) and notebook 04 (the localization benchmark); notebook 07
# for AVOL-Net's row of the last table. This notebook trains two runs per seed, three seeds: `coseg/sop/seed<k>`
# (Sound of Pixels) and `coseg/coseg/seed<k>` (co-segmentation, which continues the first). Each run is loaded
# when it has finished under `runs/<profile>/`, else fetched as published weights for this profile when they
# exist (checksummed), else trained here, which is said with the time it took when last measured (see *Run
# time*).

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
cfg, out = outputs.begin("08_coseg", PROFILE)

# %% [markdown]
# ## Run time
#
# Minutes per profile, as last measured (read from this notebook's `metrics.json`, not typed): with every run
# already trained or published, and training them all here.

# %%
from avscene.course import display

display.markdown(outputs.run_time_table(out.notebook));

# %% [markdown]
# ## Paper vs here
#
# > **The papers** train on MUSIC (YouTube videos of 11 instruments played solo, later 21): three frames 3 s apart
# > at 8 fps, 224 × 224, through an ImageNet-pretrained dilated ResNet-18; 6 s of 11-kHz sound, STFT 1022 / 256
# > warped to 256 log-frequency rows, a 7-level u-net of width 64; K = 32 channels; SGD for 100 × 100 passes over
# > the videos, batch 80 on four GPUs. On 2-source mixtures Sound of Pixels reports SDR / SIR / SAR 7.52 / 13.01 /
# > 11.53 dB against NMF's 2.78 / 6.70 / 9.21 (as transcribed in the notes, from *The Sound of Motions*' table).
# >
# > **Here** (`cpu`) the synthetic world's solo videos (one sounding object, six classes), 300 to train on and
# > 100 held out (another world seed): one 64 × 64 frame (the world's objects do not change their look), 2 s of
# > 8-kHz sound, STFT 510 / 256 warped to 64 rows, a 5-level u-net of width 16, K = 16 channels, and ResNet-18's
# > topology at a quarter of its width from scratch (no download); Adam for 1500 steps of 8 mixtures, then 300
# > more with the softmax for co-segmentation.
# >
# > **Comparable**: the networks' structure, the data path, the loss, the metrics and their code path, the
# > baselines. **Not comparable**: the numbers. The world's sounds are far simpler than instruments: each class
# > has its own steady spectrum, which NMF told the classes can model almost exactly (below).

# %% [markdown]
# ## Mix-and-Separate, drawn
#
# An example takes two solo videos at random (the same class is allowed, as in the official code), a frame of
# each and the 2 s of sound around it (scaled by a random gain at training time), and mixes the sounds: the
# mixture is their **mean**, and each source's target is its share of the mixture. Spectrograms are warped to a
# log-frequency axis (`grid_sample`, `align_corners=True` for both the warp and its inverse, as the released
# model was trained), and the target of source *n* is the **binary mask** "source *n* > half the mixture" at every
# time-frequency bin. The network sees only the mixture and one video's frames, and must paint that video's mask.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from avscene.coseg import data as D
from avscene.coseg import experiment as X
from avscene.coseg import figures as F
from avscene.coseg import results as RS
from avscene.coseg import runs as R
from avscene.coseg import spectrogram as SG
from avscene.synthetic import CLASS_NAMES

c = cfg.coseg
data = R.synthetic_data(cfg)
train_items = R.train_mixtures(cfg, data, "sop", 0)
example = D.collate([train_items[i] for i in range(4)])
task0 = R.task(cfg, "sop")
spec0 = task0.spectrograms(example)
k = int(np.flatnonzero(~example["same_class"].numpy())[0]) if (~example["same_class"]).any() else 0
names = [CLASS_NAMES[int(x)] for x in example["classes"][k]]
fig = F.mix_and_separate(example["frames"][k, :, c.frames // 2].numpy(), spec0["log_mix"][k, 0].numpy(),
                         spec0["mags"][k].numpy(), spec0["binary"][k].numpy(), None, names,
                         title="one Mix-and-Separate training example")
out.save_figure(fig, "mix_and_separate")
plt.show()
print(f"mixture {tuple(example['mixture'].shape[1:])} samples -> STFT {tuple(spec0['mag_mix'].shape[-2:])} "
      f"(bins x frames) -> warped {tuple(spec0['log_mix'].shape[-2:])}; warp then un-warp of the mixture: "
      f"largest error {float((SG.unwarp(SG.warp(spec0['mag_mix']), spec0['mag_mix'].shape[-2]) - spec0['mag_mix']).abs().max() / spec0['mag_mix'].max()):.1%} of the peak "
      f"(the warp keeps fewer rows than bins at high frequencies)")
for n, name in enumerate(names):
    print(f"source {n} ({name}): target mask covers {float(spec0['binary'][k, n].mean()):.0%} of the bins")
    display.audio(example["sources"][k, n].numpy(), data.train.sample_rate);
print("mixture")
display.audio(example["mixture"][k].numpy(), data.train.sample_rate);

# %% [markdown]
# ## The three networks
#
# | part | official | here |
# |---|---|---|
# | image | dilated ResNet-18 (layer4 at stride 1: output stride 16), 3 × 3 conv to K, max over frames and space | the same at `image_width` |
# | audio | 7-level u-net on the 256 × 256 log-warped log magnitude, K output channels | `levels`, `ngf` of the profile |
# | synthesizer | mask logit = Σ_k α_k v_k s_k + β at every bin; per visual location for pixel maps | the same |
#
# The learning-rate groups are the original's: the image backbone at `backbone_lr_scale` × the rate of the rest
# (the original 0.1, for ImageNet weights; 1 here, where it learns from scratch).

# %%
from avscene.coseg import nets as N

model0 = R.build(cfg)
print(f"image net: {N.count_parameters(model0.image):,} parameters (ResNet-18 width {c.image_width}; "
      f"{'ImageNet weights' if c.pretrained else 'from scratch: no download'}); "
      f"the paper's: {N.count_parameters(N.ImageNet(32)):,}")
print(f"audio u-net: {N.count_parameters(model0.audio):,} parameters ({c.levels} levels of {c.ngf}); "
      f"the paper's: {N.count_parameters(N.AudioUNet(7, 64, 32)):,}")
with torch.no_grad():
    frames0 = example["frames"][:2, 0]
    from avscene.coseg.task import image_inputs

    maps0 = model0.image.pixel_maps(image_inputs(frames0))
    sound0 = model0.audio(spec0["log_mix"][:2])
print(f"frames {tuple(frames0.shape[1:])} -> pixel map {tuple(maps0.shape[1:])} (K x h x w); "
      f"log mixture {tuple(spec0['log_mix'].shape[1:])} -> {tuple(sound0.shape[1:])} (K x rows x frames)")

# %% [markdown]
# ## Training
#
# Sound of Pixels (`sop`): the sigmoid visual activation, binary masks, the weighted BCE, for each seed. Then
# co-segmentation (`coseg`) continues each seed's run with a **softmax over the K channels** of the pooled visual
# vector (the official code's `img_activation='softmax'`), its temperature τ falling geometrically from
# `tau_start` to `tau_end`: as τ falls, each picture puts its weight on one channel, so two classes can only be
# told apart in a mixture if they use different channels. The co-segmentation paper's τ values and switch point
# are still to be checked against it (reference notes §3.5); these are ours, and *Details* says what the softmax
# at every location did instead.

# %%
from avscene.ots import figures as OF

trained = {v: [R.train(cfg, v, s, data=data) for s in range(c.seeds)] for v in X.VARIANTS}
fig = OF.training_curves({RS.LABELS[v]: [t.history for t in trained[v]] for v in X.VARIANTS},
                         title="training loss (weighted BCE); co-segmentation continues each seed's run")
out.save_figure(fig, "training")
plt.show()
print(f"co-segmentation: tau {c.tau_start:g} -> {c.tau_end:g} over {c.anneal_steps} of its {c.coseg_steps} steps")

# %% [markdown]
# ## Separation, scored as the papers score it
#
# Every method goes through one path (`avscene.coseg.scores`): a mask on the warped grid is un-warped,
# thresholded at 0.5 (binary masks), multiplied by the mixture's magnitude and inverted with the mixture's phase;
# `mir_eval` scores each estimate against its source (mixtures with a silent source are skipped and counted).
# The rows: Sound of Pixels; co-segmentation with its frames and **without** them (a one-hot visual vector on the
# channel assigned to each source's class, below); **NMF** with bases learned per class from solo training
# clips and told which classes are mixed (activations fitted on the mixture, Wiener-style masks); a **control**
# run (`coseg/oracle/seed<k>`) trained with the same audio net and budget but given each source's class as a
# one-hot visual vector instead of an image net: what this audio net can reach when the picture is understood
# perfectly; and the **ideal binary mask**, the training target itself, an oracle.

# %%
mat = X.material(cfg, data)
per_seed = [X.measure_seed(cfg, s, mat, models={v: trained[v][s].model for v in X.VARIANTS}) for s in range(c.seeds)]
refs = X.references(mat)
rows = RS.separation_rows(per_seed, refs, mat.held.same_class)
display.markdown(RS.markdown(rows))
fig = F.sdr_bars(rows, paper={RS.LABELS[k]: v[0] for k, v in RS.PAPER.items()},
                 title="SDR on held-out 2-source mixtures (dots: seeds)")
out.save_figure(fig, "separation")
plt.show()
print(f"{len(mat.held)} held-out mixtures, {int(mat.held.same_class.sum())} of two videos of one class; "
      f"the mixture itself scores SDR {np.nanmean(mat.held.sdr_mix):.2f} dB")

# %% [markdown]
# ### Listen
#
# One held-out mixture of two classes: the mixture, each true source, and each method's estimate of it.

# %%
from avscene.coseg import scores as SC

pick = int(np.flatnonzero(~mat.held.same_class)[0])
ests = {"Sound of Pixels": SC.estimates(mat.held, SC.model_method(trained["sop"][0].model, R.task(cfg, "sop"))),
        "NMF": SC.estimates(mat.held, SC.nmf_method(mat.bases))}
sr = data.test.sample_rate
print("mixture")
display.audio(mat.held.mixtures[pick], sr);
for n in range(mat.held.references.shape[1]):
    print(f"source {n}: {CLASS_NAMES[int(mat.held.classes[pick, n])]}, true")
    display.audio(mat.held.references[pick, n], sr);
    for label, e in ests.items():
        print(f"source {n}: {label}")
        display.audio(e[pick, n], sr);

# %% [markdown]
# ## The channels, before and after the switch
#
# For each category, the mean visual vector over a few labelled **solo** clips of it (the only labels this
# notebook uses): a K × C matrix. Before the switch (the sigmoid run) several channels fire for many categories;
# the softmax makes them compete. Each category is then given a channel, by **argmax** (channels may repeat) and
# by the **Hungarian** method (`scipy.optimize.linear_sum_assignment`, one channel per category); boxes mark the
# argmax assignment.

# %%
s0 = per_seed[0]
fig = F.channel_matrices({"before the switch (sigmoid)": s0.matrix["sop"], "after (softmax)": s0.matrix["coseg"]},
                         [CLASS_NAMES[i] for i in range(mat.n_classes)],
                         {"before the switch (sigmoid)": s0.assignment["sop"]["argmax"],
                          "after (softmax)": s0.assignment["coseg"]["argmax"]},
                         title=f"mean visual activation per channel and category (seed 0, {c.solo_per_class} "
                               f"solo clips per category)")
out.save_figure(fig, "channels")
plt.show()
for v in X.VARIANTS:
    print(f"{RS.LABELS[v]}: categories with a channel of their own (argmax), per seed: "
          f"{RS.channels_distinct(per_seed, v)} of {mat.n_classes}")

# %% [markdown]
# ## Segmentation by a category's channel
#
# Held-out scenes with two sounding objects of different classes. For each object, the map of the channel
# assigned to its class (Hungarian), upsampled to the frame and thresholded at 0.5, against the object's pixels.

# %%
from avscene.coseg import segment as SEG

show = np.arange(min(4, len(mat.scenes)))
maps = {}
for v in X.VARIANTS:
    act = X.final_activation(cfg, v)
    cm = SEG.channel_maps(trained[v][0].model, act, mat.scenes.frames[show])
    chans = s0.assignment[v]["hungarian"][mat.scenes.classes[show]]
    maps[RS.LABELS[v]] = np.take_along_axis(cm, chans[:, :, None, None], axis=1)
fig = F.segmentation_gallery(mat.scenes.frames[show, c.frames // 2], mat.scenes.masks[show], maps,
                             mat.scenes.classes[show], CLASS_NAMES, title="segmentation by the assigned channel (seed 0)")
out.save_figure(fig, "segmentation")
plt.show()
iou_rows = {RS.LABELS[v]: RS.iou_per_class(per_seed, mat.scenes.classes, v) for v in X.VARIANTS}
display.markdown("| model | " + " | ".join(next(iter(iou_rows.values()))) + " | mean |\n|---|"
                 + "---|" * (len(next(iter(iou_rows.values()))) + 1) + "\n"
                 + "\n".join(f"| {k} | " + " | ".join(f"{x:.3f}" for x in r.values())
                             + f" | {np.mean([float(p.iou[v].mean()) for p in per_seed]):.3f} |"
                             for (k, r), v in zip(iou_rows.items(), X.VARIANTS)));

# %% [markdown]
# ## Where is the sound? One table for every method so far
#
# The pixel sound map (`forward_pixelwise`): the synthesizer at every location gives a mask, and the location's
# value is the share of the mixture's energy its mask keeps. Scored on notebook 04's benchmark with the same
# functions as the CAM and AVOL-Net: **pointing** (the map's peak on the sounding object) and **sounding object
# favoured** (the map's mean over the sounding object above its mean over the silent one). The CAM and AVOL-Net
# rows are read from notebooks 04 and 07's `metrics.json` (the same scenes, seeds and functions), not recomputed.

# %%
import json

from avscene.course.outputs import figures_root
from avscene.localization import metrics as LM
from avscene.ots import localize as LZ

kinds = list(mat.benches)
loc = RS.localization_rows(per_seed, kinds)
base = {k: LZ.baseline_maps(cfg, b) for k, b in mat.benches.items()}
table = [f"| method | {' | '.join(f'pointing, {k}' for k in kinds)} | "
         f"{' | '.join(f'sounding object favoured, {k}' for k in kinds)} | from |",
         "|---|" + "---|" * (2 * len(kinds) + 1)]
for v in X.VARIANTS:
    table.append(f"| {RS.LABELS[v]} | " + " | ".join(f"{100 * loc[v][k][0]:.1f} %" for k in kinds) + " | "
                 + " | ".join(f"{100 * loc[v][f'choice_{k}'][0]:.1f} %" for k in kinds) + " | here, 3 seeds |")
m07_path = figures_root() / "07_objects_that_sound" / "metrics.json"
m07 = json.loads(m07_path.read_text())["metrics"] if m07_path.exists() else {}
for key, label in (("cam", "CAM of the shift net (notebook 04)"), ("avol", "AVOL-Net, 4 views (notebook 07)")):
    if m07 and f"pointing_{key}_distractor" in m07:
        table.append(f"| {label} | " + " | ".join(f"{100 * m07.get(f'pointing_{key}_{k}', float('nan')):.1f} %"
                                                  for k in kinds) + " | "
                     + " | ".join(f"{100 * m07[f'choice_{key}_{k}']:.1f} %" if f"choice_{key}_{k}" in m07 else "–"
                                  for k in kinds) + " | notebook 07's metrics.json |")
for name in base[kinds[0]]:
    sc = {k: LM.score(base[k][name], mat.benches[k].gt_window()) for k in kinds}
    ch = {k: float(LZ.object_choice(base[k][name], mat.benches[k]).mean()) for k in kinds}
    table.append(f"| {name} | " + " | ".join(f"{100 * sc[k].pointing:.1f} %" for k in kinds) + " | "
                 + " | ".join(f"{100 * ch[k]:.1f} %" for k in kinds) + " | here |")
display.markdown("\n".join(table))
if not m07:
    print("notebook 07 has not been run under this profile here: run it for the CAM and AVOL-Net rows")
b = mat.benches["distractor"]
idx = list(range(min(4, len(b))))
fig = OF.side_by_side(b.frames[:, b.frames.shape[1] // 2], b.gt_window(), b.distractor_window(),
                      {RS.LABELS["sop"]: s0.maps["sop"]["distractor"], RS.LABELS["coseg"]: s0.maps["coseg"]["distractor"],
                       **{k: v for k, v in base["distractor"].items() if "motion" in k}}, idx,
                      title="pixel sound maps on notebook 04's distractor scenes (seed 0)")
out.save_figure(fig, "sound_maps")
plt.show()

# %% [markdown]
# ## Reading the results
#
# The sentences below are generated from the measured numbers above, not typed.

# %%
m = RS.metrics(per_seed, refs, mat.held.same_class, mat.scenes.classes, kinds)
db = lambda x: f"{x:+.2f} dB"  # noqa: E731
pct = lambda x: f"{100 * x:.1f} %"  # noqa: E731
display.markdown(
    f"- **Separation.** Sound of Pixels reaches SDR {db(m['sdr_sop'])} (± {m['sdr_sop_std']:.2f} over seeds; "
    f"the paper {RS.PAPER['sop'][0]:.2f} dB on MUSIC), NMF told the classes {db(m['sdr_nmf'])} (the paper "
    f"{RS.PAPER['nmf'][0]:.2f} dB), the ideal binary mask {db(m['sdr_ibm'])}. "
    + ("The paper's ordering, Sound of Pixels ahead of NMF, **reproduces**."
       if m["sdr_sop"] > m["sdr_nmf"] else
       f"The paper's ordering **does not reproduce** here ({db(m['sdr_sop_minus_nmf'])}): each class of the "
       f"synthetic world sounds with one steady spectrum, which a handful of NMF bases per class model almost "
       f"exactly once the classes are given, while the network has to learn from the mixtures alone which picture "
       f"goes with which spectrum, in {c.train.steps} steps. Given the classes as its visual vectors (the control), "
       f"the same audio net reaches {db(m['sdr_oracle'])}: the image net costs "
       f"{m['sdr_oracle'] - m['sdr_sop']:.1f} dB, the audio net's budget the rest.")
    + f"\n- **Same-class mixtures** (two videos of one class): SDR {db(m['sdr_sop_same_class'])} for Sound of "
    f"Pixels and {db(m['sdr_nmf_same_class'])} for NMF: when both sources look and sound alike, neither the "
    f"picture nor the class can say which part is whose.\n"
    f"- **The switch.** With the sigmoid, {m['channels_assigned_distinct_sop']:.1f} of {mat.n_classes} categories "
    f"have a channel of their own on average (argmax); after the softmax, {m['channels_assigned_distinct']:.1f}. "
    f"The softmax does put each picture on one channel ({pct(m['top_channel_share_coseg'])} of a category's visual "
    f"weight on its top channel), but categories the image net had not yet told apart before the switch (identical "
    f"columns in the left matrix) end up sharing it: there are only as many channels in use as kinds of object the "
    f"network distinguishes. "
    f"Separating a category by its channel **without frames** gives SDR {db(m['sdr_coseg_no_frames'])}, against "
    f"{db(m['sdr_coseg'])} with them.\n"
    f"- **Segmentation and localization.** Mean IoU {m['iou_sop']:.3f} (sigmoid) and {m['iou_coseg']:.3f} "
    f"(softmax); pointing on distractor scenes {pct(m['pointing_sop_distractor'])} and "
    f"{pct(m['pointing_coseg_distractor'])}. At {c.frame_size} pixels every cell of the dilated ResNet's "
    f"{mat.scenes.frames.shape[2] // 16} × {mat.scenes.frames.shape[2] // 16} map sees the whole frame, and a "
    f"max over locations only asks that *some* cell carry the class: the maps above light up where the network "
    f"found it easiest to say \"this kind of object is in the picture\", often a border cell, not where the "
    f"object is. The papers' ImageNet-pretrained network on 224-pixel frames starts from features that are local.")

# %% [markdown]
# ## Details
#
# **What the acceptance asked and what was measured** (`cpu`, three seeds): Sound of Pixels at least 3 dB above
# NMF on held-out 2-source mixtures; after the switch every category with a channel of its own; the
# co-segmentation IoU measured against the sigmoid model's; separation without frames against separation with
# them. The figures above say which held.
#
# **Choices of ours.** One frame (the world's objects keep their look; the original three); ResNet-18's
# topology at width 16 (the original 64: at 64 a step took 0.4 s on two cores against 0.09 s), its backbone at
# the full learning rate (the original 0.1 ×, for ImageNet weights; at 0.1 × from scratch, with the full-width
# network, SDR was −7.9 dB after 600 steps); Adam (the original SGD with momentum, for 10⁴ passes over the videos); τ from 1 to 0.1 over 200 steps.
#
# **What was tried while this notebook was built** (seed 0 unless said; SDR on the held-out mixtures):
# - 1000 steps instead of 1500: SDR 4.9 / 2.3 / 0.4 dB over seeds 0 / 1 / 2; seed 2 at 2500 steps: still one
#   visual code for five of the six classes (only the engine apart), SDR 0.2 dB: where a seed stays stuck, more
#   steps of this budget do not free it;
# - 96-pixel frames (a 6 × 6 map): SDR −0.4 dB after 1000 steps (4.9 at 64 pixels), IoU no better (0.01);
# - the softmax at every location before the max (the reference notes' reading of the co-segmentation paper):
#   in every seed one channel won every category (one category of six with a channel of its own) and separation
#   without frames fell to −1.4 dB; on the pooled vector, as the official code applies it, four of six and +4.3 dB
#   without frames (seed 0, continuing a 1000-step run);
# - the control above (the class as a one-hot visual vector, no image net) at 1000 steps: SDR 7.2 dB (SIR 13.5,
#   SAR 16.7) on 100 held-out mixtures where NMF told the classes scored 12.4. At 1500 steps it is the control
#   row of the table: even with perfect knowledge of what is in the picture, this audio net at this budget stays
#   under NMF, so the 3 dB margin over NMF the issue asks for is out of reach of a `cpu` run in this world.
#
# **How the image net got off the ground.** With the official initialisation (audio net and synthesizer weights
# of standard deviation 0.001) the visual channels of every class start alike; the audio net first learns one
# average mask, and the symmetry between channels breaks slowly. With the class given as a one-hot visual vector
# the same audio net learned the masks in 200 steps; with the image net it took 400-1500, depending on the seed.

# %%
print(f"recipe: {c.train.optimizer} lr {c.train.lr:g} (divided by 10 after {c.train.lr_drop_at:.0%}), "
      f"{c.train.steps} steps of {c.train.batch} mixtures; co-segmentation {c.coseg_steps} more; "
      f"{c.n_train} training and {c.n_test_videos} held-out videos; {c.n_test} held-out mixtures")

# %% [markdown]
# ## Self-check
#
# Under every profile, the plumbing: every seed scored, every share in [0, 1], the reference rows' dB figures
# finite, the oracle mask ahead of the mixture itself, the Hungarian assignment one-to-one. Then what this profile
# must show (`cfg.expect`, whose docstring gives the seed figures each threshold was set from): the trained models'
# figures finite (an untrained network's masks can be silent everywhere, and silent estimates are skipped), Sound
# of Pixels above the mixture (NSDR at least `coseg_nsdr`), and after the switch each category's visual vector
# on one channel (at least `coseg_top_share` of it on its top channel). How many categories got a channel of their
# own is reported above, not checked: the acceptance asked for all six, and no run measured here gave it. Under `smoke` nothing learns in seconds, so only the plumbing is checked.

# %%
e = cfg.expect
out.record(**m, recipe=c.train.recipe(), coseg_steps=c.coseg_steps, tau=[c.tau_start, c.tau_end, c.anneal_steps])
out.check("seeds scored", len(per_seed), at_least=c.seeds)
shares = [m[k] for k in m if k.startswith(("iou_", "pointing_", "choice_")) and isinstance(m[k], float)]
out.check("shares in [0, 1]", sum(0 <= x <= 1 for x in shares), at_least=len(shares))
dbs = [m[k] for k in ("sdr_nmf", "sir_nmf", "sar_nmf", "sdr_ibm")]
out.check("reference dB figures finite", sum(np.isfinite(x) for x in dbs), at_least=len(dbs))
print("mixtures skipped (a silent source or estimate), per method: "
      + ", ".join(f"{r['method']} {r['skipped']}" for r in rows))
out.check("ideal binary mask above the mixture (NSDR, dB)", refs["ibm"].mean()["nsdr"], at_least=3.0)
out.check("Hungarian assignment one-to-one (categories)",
          min(len(set(p.assignment[v]["hungarian"].tolist())) for p in per_seed for v in X.VARIANTS),
          at_least=mat.n_classes)
if e.learns:
    learned = [m[k] for k in ("sdr_sop", "sir_sop", "sar_sop", "nsdr_sop", "sdr_coseg", "sdr_coseg_no_frames")]
    out.check("trained models' dB figures finite", sum(np.isfinite(x) for x in learned), at_least=len(learned))
    out.check("Sound of Pixels above the mixture (NSDR, dB)", m["nsdr_sop"], at_least=e.coseg_nsdr)
    out.check("after the switch, a category's visual weight on its top channel (mean)", m["top_channel_share_coseg"],
              at_least=e.coseg_top_share)
else:
    print(f"profile {cfg.name}: nothing learns in seconds; only the plumbing above is checked")
print(f"notebook 08 complete in {out.wall_time_s:.1f} s")

# %% [markdown]
# ## Exercises
#
# Predict first, then run.
#
# 1. **NMF without the labels.** Give NMF the bases of *all* classes (`SC.nmf_method` with one list of every
#    class's bases per source) and score it. What happens to its SDR, and why?
#
#    <details><summary>Answer</summary>
#
#    It has no way to say which components belong to which source, so its two estimates become alike: the labels
#    were doing the separation's hardest part. Sound of Pixels gets the same information from the frames.
#
#    </details>
#
# 2. **Warp and un-warp.** Set `SG.WARP_ALIGN_CORNERS = False` after the first training run and rescore. Which
#    bins move, and by how much?
#
#    <details><summary>Answer</summary>
#
#    Every row moves by half a row of the warped grid (more bins at high frequencies); a model trained with one
#    convention and evaluated with the other puts its masks on the wrong bins. The official code changed meaning
#    between PyTorch versions for exactly this reason (reference notes §3.6).
#
#    </details>
#
# 3. **No frames.** Compare `sdr_coseg_no_frames` with `sdr_coseg` per class. Which categories separate as well
#    without a picture, and what do they have in common?
#
#    <details><summary>Answer</summary>
#
#    The ones whose channel is sharply its own after the switch (a single bright cell in its column of the
#    matrix): then a one-hot vector on it is nearly what the frames would give.
#
#    </details>
#
# ## Summary
#
# Mix-and-Separate needs no labels: the mixture is made, so its parts are known, and a network that must pull
# a video's sound out of it learns what each kind of object sounds like and what it looks like, in K shared
# channels. A softmax over those channels makes them compete, so a handful of labelled clips can name them, and
# a named channel separates its category's sound without any frame. On the synthetic world the separation works,
# but NMF told the classes does better, because each class has one steady spectrum; and a max over locations on
# small frames does not make the channels' maps segment objects. Notebook 09 sets these numbers beside every other
# paper's.
