"""Action recognition (step 10, notebook 05): the head, the action world, clips and views, fine-tuning
variants and the ablation's bookkeeping, at the smoke profile."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from avscene import config, sampling
from avscene.action import ActionNet, ablation, restore
from avscene.action import data as D
from avscene.action import finetune as F
from avscene.action.task import ActionTask, predict
from avscene.models import ShiftNet
from avscene.shift import pretraining
from avscene.synthetic import datasets as S

SMOKE = config.get("smoke")


# ---------------------------------------------------------------- the head
def test_head_restores_everything_but_itself_and_pools_last_conv():
    torch.manual_seed(0)
    shift = ShiftNet.from_config(SMOKE)
    net = ActionNet.from_config(SMOKE, 5).eval()
    fresh = restore(net, shift.state_dict())
    assert fresh == ["head.weight", "head.bias"]
    for name, value in shift.state_dict().items():
        if not name.startswith("logits"):
            assert torch.equal(net.state_dict()[name], value), name
    frames, audio = torch.rand(2, 3, 16, 32, 32) * 2 - 1, torch.rand(2, 2, D.clip_samples(SMOKE)) * 2 - 1
    last = net.features(frames, audio).scale2
    expect = net.head(last.mean(dim=(2, 3, 4), keepdim=True)).flatten(1)
    assert torch.allclose(net(frames, audio), expect, atol=1e-6)
    assert not torch.allclose(net(frames, audio), net(frames, audio, use_sound=False))
    with pytest.raises(ValueError, match="shape"):
        restore(ActionNet(5, width=8), shift.state_dict())


# ---------------------------------------------------------------- the action world
def _centre_x(mask: np.ndarray) -> np.ndarray:
    cols = np.arange(mask.shape[-1])
    return (mask.sum(axis=1) * cols).sum(axis=1) / np.maximum(mask.sum(axis=(1, 2)), 1)


def test_actions_differ_in_rhythm_and_travel_only():
    cfg = config.get("cpu")
    acts = S.ActionSet(cfg.media, 2 * S.N_ACTIONS, design="rhythm", seconds=8.0, p_distractor=0.0)
    assert S.N_ACTIONS == 12 and len(set(acts.names)) == 12 and acts.names != S.ACTION_NAMES
    assert np.array_equal(acts.labels, np.arange(len(acts)) % 12)
    cv, travel = {}, {}
    for i in range(len(acts)):
        clip = acts[i]
        obj, rhythm, motion = acts.actions[i % 12]
        assert clip.object_classes.tolist() == [obj] and clip.sounding.all()
        assert np.array_equal(clip.audio[0], clip.audio[1])  # mono: travel cannot be heard
        gaps = np.diff(clip.events[0])
        cv.setdefault(rhythm, []).append(gaps.std() / gaps.mean())
        x = _centre_x(clip.masks[0])
        travel.setdefault(motion, []).append(abs(x[-5:].mean() - x[:5].mean()) / cfg.media.frame_size)
    assert max(cv["steady"]) < 0.05 and min(cv["irregular"]) > 0.2, cv
    assert max(travel["in place"]) < 0.1 and min(travel["travelling"]) > 0.2, travel


def test_a_shaken_actor_trembles_side_to_side_and_sounds_as_when_held():
    cfg = config.get("cpu")
    acts = S.ActionSet(cfg.media, 12, seconds=4.0, p_distractor=0.0)
    assert acts.design == cfg.action.design == "shake" and acts.shake == cfg.action.shake
    spec = acts.spec(1)  # ball, in sync, shaken
    assert spec.shake == (acts.shake,) and acts.spec(0).shake == (0.0,)
    shaken = acts.world.clip(1, spec)
    held = acts.world.clip(1, dataclasses.replace(spec, shake=(0.0,)))
    assert np.array_equal(shaken.audio, held.audio)  # never heard
    dx = (_centre_x(shaken.masks[0]) - _centre_x(held.masks[0])) / cfg.media.frame_size  # [T] frame widths
    assert abs(np.abs(dx).max() - acts.shake) < 0.03  # the amplitude (to the pixel grid)
    assert np.allclose(dx[8:], dx[:-8], atol=0.03) and not np.allclose(dx[4:], dx[:-4], atol=0.03)  # period 8
    assert S.actions("sync")[1] == (0, "in sync", "travelling")  # the earlier design stays available


def test_a_dubbed_action_looks_the_same_and_sounds_another_take():
    acts = S.ActionSet(SMOKE.media, 12, p_distractor=0.0)
    assert S.ACTIONS[1] == (0, "in sync", "shaken") and S.ACTIONS[3] == (0, "dubbed", "shaken")
    spec = acts.spec(3)
    assert spec.dubbed == (True,)
    dubbed = acts.world.clip(3, spec)
    synced = acts.world.clip(3, dataclasses.replace(spec, dubbed=(False,)))
    assert np.array_equal(dubbed.frames, synced.frames) and np.array_equal(dubbed.masks, synced.masks)
    assert not np.array_equal(dubbed.audio, synced.audio)
    with pytest.raises(ValueError, match="unknown action design"):
        S.actions("loudness")


def test_distractors_are_silent_objects_of_another_kind_and_splits_are_disjoint():
    acts = S.ActionSet(SMOKE.media, 24, p_distractor=1.0)
    for i in range(0, 24, 5):
        clip = acts[i]
        actor = S.ACTIONS[i % 12][0]
        assert sorted(clip.sounding.tolist()) == [False, True]
        assert clip.object_classes[clip.sounding].tolist() == [actor]
        assert clip.object_classes[~clip.sounding][0] in S.ACTION_OBJECTS and clip.object_classes[~clip.sounding][0] != actor
    test = S.ActionSet(SMOKE.media, 24, p_distractor=1.0, split="test")
    assert not np.array_equal(acts[0].frames, test[0].frames)
    assert np.array_equal(acts.labels[acts.few_labels(1)], np.arange(12))
    with pytest.raises(ValueError):
        acts.few_labels(3)


# ---------------------------------------------------------------- clips
def _source() -> D.ArraySource:
    return D.synthetic(SMOKE, "train", 2)


def test_clips_keep_frames_and_sound_aligned_within_the_jitter():
    src = _source()
    m, a = SMOKE.media, SMOKE.action
    items = D.ActionDataset(src, np.arange(len(src)), SMOKE, seed=3, train=True)
    jitter = round(a.audio_jitter * m.samples_per_frame)
    assert jitter <= m.samples_per_frame + 0.5  # at most one frame, as the paper's augmentation
    for i in (0, 5, 30, 31):
        it = items[i]
        again = items[i]
        assert torch.equal(it["frames"], again["frames"]) and torch.equal(it["audio"], again["audio"])
        s, j = int(it["start"]), int(it["audio_start"])
        assert 0 <= s <= src.n_frames[0] - a.clip_frames
        assert abs(j - int(sampling.audio_offset(np.array([s]), m.fps, m.sample_rate)[0])) <= jitter
        v = int(it["video"])
        n = round(a.clip_frames * m.sample_rate / m.fps)  # the clip's frames and sound span the same seconds
        assert it["audio"].shape[-1] == n == D.clip_samples(SMOKE)
        assert torch.equal(it["audio"], torch.from_numpy(src.audio[v][:, j:j + n]))
        assert it["frames"].shape == (a.clip_frames, m.crop_size, m.crop_size, 3)
        assert int(it["label"]) == src.labels[v]
    epoch = [int(items[i]["video"]) for i in range(len(src))]
    assert sorted(epoch) == list(range(len(src)))  # every labelled video once per epoch


def test_test_clips_are_evenly_spaced_windows_and_silence_pads():
    src = _source()
    cfg = SMOKE.replace(**{"action.test_windows": 3})
    items = D.ActionDataset(src, np.array([4, 7]), cfg, train=False)
    assert len(items) == 6 and items.windows == 3
    starts = [int(items[k]["start"]) for k in range(3)]
    assert starts == [0, (src.n_frames[0] - cfg.action.clip_frames) // 2, src.n_frames[0] - cfg.action.clip_frames]
    silent = D.ArraySource(src.frames[:2], np.zeros_like(src.audio[:2]), src.labels[:2], src.fps, src.sample_rate)
    assert not silent.has_audio.any()
    it = D.ActionDataset(silent, np.arange(2), SMOKE, train=False)[0]
    assert not bool(it["has_audio"]) and int(it["audio"].abs().max()) == 0


def test_views_show_one_frame_or_none():
    frames = torch.arange(2 * 3 * 5 * 2 * 2, dtype=torch.float32).view(2, 3, 5, 2, 2)
    assert D.view(frames, "full", train=True) is frames
    one = D.view(frames, "single_frame", train=False)
    assert torch.equal(one, frames[:, :, 2:3].expand_as(frames))
    torch.manual_seed(0)
    rand = D.view(frames, "single_frame", train=True)
    assert all(torch.equal(rand[b, :, t], rand[b, :, 0]) for b in range(2) for t in range(5))
    assert D.view(frames, "audio_only", train=True).abs().max() == 0
    with pytest.raises(ValueError, match="unknown view"):
        D.view(frames, "two_frames", train=True)


def test_predict_averages_each_videos_windows():
    src = _source()
    cfg = SMOKE.replace(**{"action.test_windows": 2})
    items = D.ActionDataset(src, np.arange(6), cfg, train=False)
    net = ActionNet.from_config(cfg, 12)
    probs, labels = predict(net, items, ActionTask(), batch_size=4)
    assert probs.shape == (6, 12) and np.allclose(probs.sum(1), 1, atol=1e-5)
    assert np.array_equal(labels, src.labels[:6])


# ---------------------------------------------------------------- fine-tuning variants
@pytest.fixture()
def runs(tmp_path, monkeypatch):
    monkeypatch.setenv("AVSCENE_RUNS", str(tmp_path))
    return tmp_path / "smoke"


def test_random_negatives_pretrain_under_their_own_name():
    assert pretraining.run_label(SMOKE) == "shift"
    assert pretraining.run_label(SMOKE.replace(**{"shift.negatives": "other_video"})) == "shift_other_video"


def test_variants_train_what_they_say(runs):
    base, _ = F.base_state(SMOKE, "same_video")
    probe = F.finetune(SMOKE, "linear_probe", 1, 0).model.state_dict()
    zeroed = F.finetune(SMOKE, "audio_zeroed", 1, 0).model.state_dict()
    full = F.finetune(SMOKE, "pretrained", 1, 0).model.state_dict()
    body = [k for k in base if not k.startswith("logits") and "running" not in k and "num_batches" not in k]
    assert all(torch.equal(probe[k], base[k]) for k in body)  # the linear probe trains only its head
    assert all(torch.equal(probe[k], base[k]) for k in base if "running" in k)  # frozen BN stays in eval
    sound = [k for k in body if k.startswith("sf.") and "running" not in k]
    assert all(torch.equal(zeroed[k], base[k]) for k in sound)  # the sound branch is off: it never moves
    assert any(not torch.equal(full[k], base[k]) for k in sound)  # ... where the pretrained row trains it
    assert (runs / "action" / "linear_probe" / "1" / "seed0" / "run.json").exists()


def test_every_variant_runs_and_a_finished_run_is_found(runs, capsys):
    for variant in F.VARIANTS:
        acc = F.test_accuracy(F.finetune(SMOKE, variant, 1, 0))
        assert 0.0 <= acc <= 1.0
    capsys.readouterr()
    F.finetune(SMOKE, "scratch", 1, 0)
    assert "found the finished run 'action/scratch/1/seed0'" in capsys.readouterr().out
    with pytest.raises(ValueError, match="unknown variant"):
        F.finetune(SMOKE, "imagenet", 1, 0)


def test_a_longer_check_trains_under_its_own_name(runs):
    long = F.finetune(SMOKE, "scratch", None, 0, steps=SMOKE.action.finetune.steps + 1)
    assert long.history[-1]["step"] == SMOKE.action.finetune.steps + 1
    assert (runs / "action" / f"scratch-{SMOKE.action.finetune.steps + 1}steps" / "all" / "seed0" / "run.json").exists()
    same = F.finetune(SMOKE, "scratch", None, 0, steps=SMOKE.action.finetune.steps)  # the recipe's: the plain run
    assert same.history[-1]["step"] == SMOKE.action.finetune.steps
    assert (runs / "action" / "scratch" / "all" / "seed0" / "run.json").exists()


def test_ablation_metrics_have_the_issue_keys(runs):
    rows = ablation.table(SMOKE)
    points = ablation.curve(SMOKE)
    probes = ablation.probes(SMOKE)
    m = ablation.metrics(SMOKE, rows, points, probes)
    keys = {"labels_per_class", "acc_pretrained", "acc_scratch", "acc_audio_zeroed", "acc_random_negatives",
            "acc_linear_probe", "acc_pretrained_seeds", "acc_scratch_seeds", "acc_single_frame_probe",
            "acc_audio_only_probe", "acc_full_all_labels", "curve"}
    assert keys <= set(m)
    for k in keys - {"labels_per_class", "curve", "acc_pretrained_seeds", "acc_scratch_seeds"}:
        assert isinstance(m[k], float) and 0 <= m[k] <= 1, k
    assert len(m["acc_pretrained_seeds"]) == SMOKE.action.seeds
    assert [row[0] for row in m["curve"]] == list(SMOKE.action.curve)
    # without probe_steps of its own, the curve's all-labels point is the probes' full model: the same runs
    assert SMOKE.action.probe_steps is None and m["probe_steps"] == m["finetune_steps"]
    assert m["curve"][-1][2] == pytest.approx(m["acc_full_all_labels"])
    text = ablation.markdown(rows, SMOKE)
    assert "82.1 %" in text and "78.7 %" in text and text.count("\n") == len(ablation.ROWS) + 1


# ---------------------------------------------------------------- speed
def test_action_benchmark_reports_step_rate_flops_and_the_ablations_cost():
    import argparse

    from avscene.bench import action as bench

    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    (row,) = bench.run(parser.parse_args(["--profile", "smoke", "--seconds", "0.2"]))["rows"]
    assert row["profile"] == "smoke" and row["batch"] == SMOKE.action.finetune.batch
    assert row["s_per_step"] > 0 and row["probe_s_per_step"] > 0 and row["test_clips_per_s"] > 0
    assert row["GFLOP_per_s"] == pytest.approx(bench.step_flops(SMOKE) * row["clips_per_s"] / 1e9)
    assert row["ratio"] == pytest.approx(row["GFLOP_per_s"] / row["matmul_GFLOP_per_s"])
    a = SMOKE.action
    assert row["runs"] == a.seeds * (4 + 2 * (len(a.curve) - 1) + 2) + a.seeds
    cpu = config.get("cpu").action  # its set check trains longer: three runs of its own per seed
    runs = bench.runs_in_notebook(config.get("cpu"))
    assert runs["full"] == cpu.seeds * (4 + 2 * (len(cpu.curve) - 1) + 3) and cpu.probe_steps > cpu.finetune.steps
    assert runs["full_steps"] == cpu.seeds * ((4 + 2 * (len(cpu.curve) - 1)) * cpu.finetune.steps + 3 * cpu.probe_steps)


def test_confusion_rows_are_shares_of_each_true_class():
    from avscene.action.figures import confusion_matrix

    m = confusion_matrix(np.array([0, 0, 1, 1, 1, 2]), np.array([0, 1, 1, 1, 0, 2]), 4)
    assert np.allclose(m[0], [50, 50, 0, 0]) and np.allclose(m[1], [100 / 3, 200 / 3, 0, 0])
    assert np.allclose(m[2], [0, 0, 100, 0]) and not m[3].any()
