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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/avscene/avscene/blob/main/notebooks/03_pretraining.ipynb)
#
# # 03 · Self-supervised pretraining
#
# Can a network learn to tell a video's own soundtrack from a shifted copy of it, with no label but the
# shift itself, and does it then detect *synchrony* rather than some other cue? Owens & Efros (ECCV 2018,
# §3.3) train the early-fusion network of notebook 02 on this task (notebook 01) with 750,000 AudioSet
# videos and reach **59.9 %** held-out accuracy (chance 50 %; people about 66.6 %). Here the same network,
# scaled to the profile, learns the same task on the synthetic world; then controls that remove synchrony,
# and a sweep of audio offsets, ask what it has learned.
#
# ## Learning goals
#
# - Explain why the network sits at chance for a while, and what (curriculum, optimizer, batch-norm
#   averages) gets it off the ground at a small budget.
# - Read learning curves with a curriculum switch on them, and tell training from held-out accuracy.
# - Use controls (audio zeroed, frames frozen, audio from another video) to show that a score comes from
#   synchrony, and a baseline to show how much more than motion × loudness the network uses.
# - Read an offset sweep: where it peaks, and how sharply it falls.
# - Say why the accuracy reached here and the paper's 59.9 % are not comparable, and what does carry over.
#
# ## Prerequisites
#
# Notebooks 01 (the shift task) and 02 (the network). This notebook trains (or loads) the run named `shift`,
# saved under `runs/<profile>/shift/`; notebook 04 and the later notebooks load it. When no finished run
# is there, published weights for this profile are fetched when they exist (checksummed, cached), and
# otherwise the network trains here, saying how long it took when last measured (see *Run time*). Set
# `RETRAIN = True` to train again from scratch; an interrupted run resumes exactly where it stopped.

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
RETRAIN = False  # True: discard the saved run of this profile and train again

# %%
import matplotlib.pyplot as plt
import numpy as np

from avscene import seeds, shift
from avscene.course import display, plots
from avscene.io.pcm import from_pcm16
from avscene.sync_baseline import threshold_accuracy

cfg, out = outputs.begin("03_pretraining", PROFILE)
device = runtime.pick_device()
print(f"profile {cfg.name}: {cfg.train.steps} steps of {cfg.train.batch} videos "
      f"({2 * cfg.train.batch} examples), {cfg.train.optimizer} lr {cfg.train.lr:g}, width {cfg.net.width}, "
      f"curriculum {shift.curriculum(cfg)}")

# %% [markdown]
# ## Run time
#
# Minutes per profile, as last measured (read from this notebook's `metrics.json`, not typed): with the
# `shift` run already trained or published, and training it here from scratch.

# %%
from avscene.course import display

display.markdown(outputs.run_time_table(out.notebook));

# %% [markdown]
# ## Paper vs here
#
# > **The paper** trains the full-size network (36 M parameters, 125 frames of 224 px, 21 kHz stereo) with
# > SGD for 650,000 iterations of 15 videos on 750,000 AudioSet videos, and reports 59.9 % held-out accuracy
# > on 4.2-s clips.
# >
# > **Here** the same architecture at the profile's width learns the same task with the same sampler on the
# > synthetic world, for a few thousand steps (minutes on a CPU under `cpu`), with a warm-up curriculum and
# > Adam, because at this budget the paper's recipe stays at chance (below).
# >
# > **Comparable**: the task, the sampler, the network's layout, and the *behaviour* we measure: controls
# > that remove synchrony fall to chance, and the offset sweep peaks at zero. **Not comparable**: the
# > accuracy. A synthetic sound is always caused by something that moves on screen or is honestly off
# > screen; AudioSet is full of sound with no visible cause, which caps any model far below 100 %.

# %% [markdown]
# ## What gets it off the ground
#
# Scaled-down copies of this network are known to sit at chance for a long time on this task (users of the
# original code met the same plateau, its issue #31): the loss is flat until the network happens on
# features that fire at the *same moments* in both senses, and nothing rewards a half-built detector. The
# levers used here (all in `avscene.config` and `avscene.shift`, none changing the network's topology):
#
# - **A curriculum** in three worlds (the boundaries are printed below). The first steps use the `warmup`
#   world: one object of an impulsive class (ball, bar, clapper) on a **plain gray backdrop**, no
#   distractor, no off-screen sound, and every event also *flashes* the object, so the only things that
#   vary in the picture are the object and its events. Then the `easy` world: one large object of any
#   class on a textured backdrop, no flash. Then the default world (silent distractors that move the same
#   way, off-screen sounds, a flickering backdrop) takes over. The plain backdrop was the decisive lever
#   in our trials at this profile: with a textured backdrop, even with flashes, the network stayed at
#   chance for hundreds of steps longer, sometimes up to the switch; on the plain backdrop it leaves
#   chance well before the switch on every seed we measured (the step is printed under the learning
#   curves and in the seed table below). The middle, `easy` phase is there because of what happened
#   without it: going straight from the warm-up to the default world, the training accuracy of some seeds
#   fell back to chance after the switch, and one seed's held-out accuracy stayed there for hundreds of
#   steps (55 % at step 1500 of 3000) and ended at 93 %; with the `easy` phase between, every seed we ran
#   kept what it had learned (the seed table). This plays the role of the original's low-frame-rate warm
#   start (also available: `ShiftTask(lowfps_until=...)`, which did not help here).
# - **Adam** instead of the paper's SGD (the rate is printed above): on a CPU budget of minutes it finds
#   the coincidence features in far fewer steps (SGD at the paper's lr, and Adam at a third or twice this
#   lr, stayed at chance in our trials), and the lr drops tenfold for the last steps (`lr_drop_at`). The
#   `gpu` profile keeps the paper's SGD, momentum 0.9, gradient clipping 5 and weight decay 1e-5 on
#   convolutions.
# - **Faster batch-norm averages** (the momentum printed below, instead of the original's 0.0003), so that
#   the held-out evaluation, which uses the running averages, is meaningful after a few hundred steps.
# - **Windows long enough to hold several events**, and **small frames**, so that a step costs a fraction
#   of a second on a CPU and a few minutes buy thousands of steps (the window and frame sizes are printed
#   below).

# %%
m = cfg.media
print(f"batch-norm momentum {cfg.net.bn_momentum:g} (original 0.0003); windows of {m.clip_frames} frames = "
      f"{m.clip_seconds:.1f} s; {m.crop_size}-px crops of {m.frame_size}-px frames; lr {cfg.train.lr:g}, "
      f"divided by 10 after {cfg.train.lr_drop_at:.0%} of the {cfg.train.steps} steps")

# %%
result = shift.pretrain(cfg, retrain=RETRAIN, device=device)
model, history = result.model, result.history
print(f"run: {result.run_dir}; {history[-1]['step']} steps in {history[-1]['seconds'] / 60:.1f} min of training")
took_off = seeds.left_chance(history)  # first logged step with training accuracy >= 75 %
switch = shift.curriculum_boundaries(cfg)
print(f"training accuracy first reached 75 % at step {took_off}"
      + (f", {switch[0] - took_off} steps before the first curriculum switch, at step {switch[0]}"
         if switch and took_off is not None else ""))

# %% [markdown]
# ## Learning curves
#
# Training loss and accuracy (running averages over the logged steps) and held-out accuracy, against the
# minutes of training on this machine. The dotted lines mark the curriculum's switches of world.

# %%
steps = np.array([r["step"] for r in history])
minutes = np.array([r["seconds"] for r in history]) / 60
evals = [r for r in history if "eval_acc" in r]
fig, (ax_l, ax_a) = plt.subplots(1, 2, figsize=(11, 3.4))
ax_l.plot(minutes, [r["loss"] for r in history])
ax_l.set_xlabel("minutes of training")
ax_l.set_ylabel("training loss")
ax_a.plot(minutes, [r["acc"] for r in history], alpha=0.5, label="training batches")
ax_a.plot([r["seconds"] / 60 for r in evals], [r["eval_acc"] for r in evals], "o-", label="held-out")
ax_a.axhline(0.5, color="0.5", lw=0.8, ls="--")
ax_a.axhline(0.599, color="tab:red", lw=0.8, ls=":", label="paper (AudioSet): 59.9 %")
for ax in (ax_l, ax_a):
    for end in shift.curriculum_boundaries(cfg):
        if end < steps[-1]:
            ax.axvline(np.interp(end, steps, minutes), color="k", lw=0.8, ls=":")
ax_a.set_xlabel("minutes of training")
ax_a.set_ylabel("accuracy")
ax_a.legend(fontsize=8)
out.save_figure(fig, "learning_curves")
plt.show()
for r in evals:
    print(f"step {r['step']:5d}  {r['seconds'] / 60:5.1f} min  held-out accuracy {r['eval_acc']:.3f}")

# %% [markdown]
# ## Held-out accuracy, the baseline and the controls
#
# On held-out videos of the default world: the network's accuracy; the motion-energy × audio-envelope
# correlation baseline (notebook 01's world is tuned so that it lands between 80 and 90 %) on the very same
# pairs; and three controls that remove synchrony and nothing else: the audio zeroed, the frames frozen
# (the first frame repeated), the "aligned" audio taken from another video.

# %%
eval_ds, n_eval = shift.heldout(cfg)  # the set every held-out evaluation during training scored
scores, pair_logits = shift.evaluate(model, eval_ds, n_eval, batch_size=2 * cfg.train.batch,
                                     controls=shift.CONTROLS, return_logits=True)
pos, neg = shift.baseline_scores(eval_ds, n_eval)
baseline = threshold_accuracy(pos, neg)
# (name, accuracy, n scored): examples (aligned + shifted) or pairs (aligned beats its own shifted)
rows = [("network (held-out)", scores["acc"], 2 * n_eval),
        ("network, aligned beats its shifted", scores["pair_acc"], n_eval),
        ("baseline: motion x envelope", baseline["accuracy"], 2 * baseline["n_test_pairs"]),
        ("baseline, aligned beats its shifted", baseline["pairwise"], n_eval)]
rows += [(f"control: {name.replace('_', ' ')}", scores[name], 2 * n_eval) for name in shift.CONTROLS]
for name, value, n in rows:
    print(f"{name:40s} {value:6.1%}  (n = {n})")
fig = plots.accuracy_bars([r[0] for r in rows], {None: [(r[1], r[2]) for r in rows]}, horizontal=True,
                          chance=0.5, value_label=f"accuracy on {n_eval} held-out videos (n: examples or pairs)")
out.save_figure(fig, "accuracy_and_controls")
plt.show()

# %% [markdown]
# ## The offset sweep
#
# One window of frames from each held-out video, scored against audio windows offset by whole frames.
# A detector of synchrony gives its highest "aligned" probability at zero offset and falls off on both
# sides; how fast it falls tells its temporal precision.

# %%
max_off = min(cfg.max_shift_frames, (cfg.media.video_frames - cfg.media.clip_frames) // 2)
offsets = np.arange(-max_off, max_off + 1)
sweep = shift.offset_sweep(model, eval_ds.source, cfg, offsets, cfg.measure.sweep_videos)
peak = int(offsets[int(np.argmax(sweep))])
fig, ax = plt.subplots(figsize=(7, 2.8))
ax.plot(offsets / cfg.media.fps, sweep, "o-", ms=3)
ax.axvline(0, color="0.5", lw=0.8)
ax.set_xlabel("audio offset (s)")
ax.set_ylabel("mean P(aligned)")
ax.set_title(f"peak at {peak / cfg.media.fps:+.2f} s ({peak:+d} frames)")
out.save_figure(fig, "offset_sweep")
plt.show()

# %%
# Try it: slide the audio of held-out video 0 against its frames, read the network's P(aligned) at that
# offset and listen to the shifted sound (a slider in a live session; a batch run shows offset 0 once).
shift.figures.offset_explorer(model, eval_ds.source, cfg, video=0, max_offset=max_off);

# %% [markdown]
# ## The most and least confident held-out examples
#
# The aligned examples the network is surest of, and the ones it gets most wrong, with their ground truth.
# Listen: the confident ones have sharp, visible events; the hard ones tend to have a silent look-alike
# moving beside the sounding object, or sound from off screen.

# %%
k_show = cfg.measure.examples
logits = pair_logits[:, 0]  # the aligned examples' logits, from the evaluation pass above
order = np.argsort(logits)
for title, picks in (("most confident (aligned)", order[::-1][:k_show]), ("least confident (aligned)", order[:k_show])):
    fig = shift.figures.ranked_examples(eval_ds, picks, logits, title)  # one panel per example, by rank
    out.save_figure(fig, f"{title.split()[0]}_confident")
    plt.show()
    for rank, i in enumerate(picks, 1):
        item = eval_ds[int(i)]
        print(f"{title} #{rank}: frames with their own sound")
        display.video(item["frames"].numpy(), from_pcm16(item["audio"][0].numpy()), cfg.media.fps,
                      cfg.media.sample_rate);

# %% [markdown]
# ## Over seeds
#
# One run is one path through training; another CPU, whose kernels add in another order, takes another.
# The headline is therefore the mean and spread over several seeds, each trained from scratch in its own
# world (`python -m avscene.seeds --profile cpu`, i.e. `make seeds`; this notebook's run is seed 0). The
# self-check thresholds of `cfg.expect` were set from this spread.

# %%
study = seeds.load(cfg.name)
if study:
    display.markdown(seeds.table(study, ["pretext_accuracy", "pretrain_minutes", "warmup_left_chance_step"]))
    print(f"measured on {outputs.machine(study['environment'])}")
else:
    print(f"no seed study for profile {cfg.name} yet: `python -m avscene.seeds --profile {cfg.name}` runs one")

# %% [markdown]
# ## Beside the paper
#
# The synthetic number is much higher than the paper's, and should be: every synthetic sound is caused by
# something that moves on screen or is honestly off screen, events are frequent and sharp, and the camera
# never cuts away. AudioSet is full of videos whose sound has no visible cause at all (music over a still
# image, narration, wind), which caps any model's accuracy far below 100 %; the paper's 59.9 % is an
# average over such videos. **The two accuracies are not comparable.** What transfers from the synthetic
# result is the behaviour: the controls at chance and the sweep peaking at zero show a network that detects
# synchrony, which is what the paper's features are made of.

# %%
acc = scores["acc"]
seed_line = ""
if study and "pretext_accuracy" in study["summary"]:
    sp = study["summary"]["pretext_accuracy"]
    seed_line = f"\n| this profile over {sp['n']} seeds, mean ± std | {100 * sp['mean']:.1f} ± {100 * sp['std']:.1f} % |"
display.markdown(f"""| | held-out accuracy |
|---|---|
| chance | 50 % |
| Owens & Efros, AudioSet (4.2-s clips, 750k videos) | 59.9 % |
| people (easier conditions) | about 66.6 % |
| this run, synthetic world, `{cfg.name}` (not comparable: see above) | {100 * acc:.1f} % (n = {2 * n_eval}) |
| motion × envelope baseline, same pairs | {100 * baseline['accuracy']:.1f} % |{seed_line}""")
out.record(baseline_accuracy=baseline["accuracy"], baseline_pairwise=baseline["pairwise"],
           pair_accuracy=scores["pair_acc"], offset_peak_frames=peak, training_minutes=minutes[-1],
           steps=int(steps[-1]), n_eval=n_eval, warmup_left_chance_step=took_off,
           accuracy_vs_minutes=[(round(r["seconds"] / 60, 2), round(r["eval_acc"], 4)) for r in evals])

# %% [markdown]
# ## Self-check
#
# Under every profile, the plumbing: the evaluation scored every held-out item with finite logits, the
# training log reached the profile's last step, and the audio-zeroed control is *exactly* chance (with the
# sound branch fed zeros, the aligned and shifted examples of a video are the same input, so exactly one of
# the two is right). Then what this profile must learn, with thresholds from `cfg.expect`: under `smoke`
# nothing learns in seconds and only the plumbing is checked.

# %%
e = cfg.expect
out.check("held-out items scored with finite logits", int(np.isfinite(pair_logits).all(axis=1).sum()),
          at_least=n_eval, at_most=n_eval)
out.check("last training step", int(steps[-1]), at_least=cfg.train.steps, at_most=cfg.train.steps)
out.check("control audio_zeroed is exactly chance", scores["audio_zeroed"], at_least=0.5, at_most=0.5)
if e.learns:
    out.check("held-out accuracy", acc, at_least=e.pretext_accuracy, paper=0.599)
    out.check("accuracy above the baseline (points)", 100 * (acc - baseline["accuracy"]),
              at_least=100 * e.pretext_margin)
    for name in shift.CONTROLS:
        out.check(f"control {name}", scores[name], at_most=e.control_max)
    out.check("offset-sweep peak (frames)", abs(peak), at_most=e.sweep_peak_frames)
else:
    print(f"profile {cfg.name}: nothing learns in seconds; only the plumbing above is checked "
          f"(held-out accuracy {acc:.1%}, recorded, not checked)")

# %% [markdown]
# ## Exercises
#
# Predict first, then run.
#
# 1. **A harder world.** The network trained in the default world. On held-out videos of the `hard` preset
#    (more silent look-alikes, an off-screen source as loud as the on-screen ones, pixel noise, a steady
#    background noise), will its accuracy hold, fall to chance, or fall part of the way? In a new cell:
#    `hard_ds, n_hard = shift.heldout(cfg.replace(**{"synth.difficulty": "hard"}))`, then
#    `shift.evaluate(model, hard_ds, n_hard, batch_size=2 * cfg.train.batch)`.
#
#    <details><summary>Answer</summary>
#
#    It falls part of the way: clearly below its default-world accuracy, far above chance, and the pairwise
#    score (aligned beats its own shifted) stays high. The network still finds the sounding object's
#    events; what it loses is certainty on single examples, where a loud off-screen sound or a look-alike
#    that happens to move at the right moment blurs the evidence. A detector of synchrony degrades
#    gracefully with clutter; a detector of "something moves" would not have got this far in the first place.
#
#    </details>
#
# 2. **Negatives from another video.** The network was trained with shifted copies of each video's *own*
#    soundtrack as negatives. Tested with negatives taken from *another* video instead, will it do better,
#    worse, or the same? In a new cell:
#    `other = shift.ShiftDataset(eval_ds.source, cfg, seed=cfg.seed + 1, train=False, negatives="other_video")`,
#    then `shift.evaluate(model, other, n_eval, batch_size=2 * cfg.train.batch)`.
#
#    <details><summary>Answer</summary>
#
#    About the same. The network judges *timing*: another video's soundtrack is as out of step with these
#    frames as a shifted copy of their own. Same-video negatives matter in *training*, where they close a
#    shortcut (telling two videos apart by what they sound like, without looking at when; notebook 01);
#    at test time a synchrony detector does not care where the wrong soundtrack came from.
#
#    </details>
#
# 3. **Without the warm-up.** What happens if the network starts in the default world? Set
#    `cfg = cfg.replace(**{"synth.curriculum": ()})` right after `outputs.begin` and run the notebook again
#    (a new run: it trains for as long as the *Run time* table says, under `cpu` a quarter of an hour).
#
#    <details><summary>Answer</summary>
#
#    Expect a long plateau at 50 % on both curves: in the cluttered default world the coincidences between
#    events and sounds are rare and weak, and nothing rewards a half-built detector, so the loss stays flat
#    for a long time and the run may end before it leaves chance. The self-check then fails. This is the
#    plateau users of the original code met at small scale; the warm-up world, where the only thing that
#    changes in the picture is the sounding object, is what gets the features started.
#
#    </details>
#
# ## Summary
#
# Trained only to tell its own soundtrack from a shifted copy, the early-fusion network learns to detect
# audio-visual synchrony: controls that remove synchrony bring it back to chance, it beats a motion ×
# loudness baseline, and its score peaks at zero offset. At this small budget it needs a warm-up world, Adam
# and fast batch-norm averages to leave chance, and we report its accuracy over several seeds, never one
# run; the accuracy itself is not comparable to the paper's, the behaviour is. **Next**: notebook 04 asks
# *where* in the picture the network finds the sound, with class activation maps of the same `shift` run.
