"""avscene.ots.runs, .task and .embed: the Objects-that-Sound variants as named runs, their held-out AVC accuracy
and retrieval tables (notebook 07; reference notes §2.5-§2.6), all at the smoke profile."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from avscene import config
from avscene.course import hub
from avscene.models.inputs import frames_to_net
from avscene.ots import avc, retrieval, variants
from avscene.ots import embed as E
from avscene.ots import runs as R
from avscene.ots.nets import AVENet, AVOLNet, L3Net
from avscene.ots.spectrogram import log_spectrogram
from avscene.ots.task import AVCTask
from avscene.sampling import audio_offset

SMOKE = config.get("smoke")


pytestmark = pytest.mark.usefixtures("one_thread")


# ---------------------------------------------------------------- profiles
@pytest.mark.parametrize("name", config.PROFILE_NAMES)
def test_every_profile_sizes_the_ots_section(name: str) -> None:
    p = config.get(name)
    o = p.ots
    assert isinstance(o, config.OtsSpec) and o.train.steps > 0 and o.seeds >= 2
    assert o.dim == 128 or name == "smoke"
    assert o.negatives in avc.NEGATIVES and o.n_test >= 2 and o.test_pairs >= o.train.eval_clips
    # every frame admits the 1-s window with its offsets; the crops fit the frames
    assert p.media.video_seconds >= 1 + 2 * o.max_offset_seconds and p.media.crop_size <= p.media.frame_size
    assert o.train.optimizer == "adam"


def test_cpu_and_gpu_ots_values() -> None:
    cpu, gpu, colab = config.get("cpu").ots, config.get("gpu").ots, config.get("colab").ots
    assert (cpu.width, cpu.dim, cpu.hidden, cpu.pools, cpu.audio_pools, cpu.first_stride) == (16, 128, 128, 1, 3, 2)
    assert (cpu.n_train, cpu.n_test, cpu.negatives, cpu.seeds) == (400, 200, "other_classes", 3)
    assert (cpu.train.lr, cpu.train.batch) == (3e-4, 32) and 100 <= cpu.train.steps <= 1000
    assert (cpu.avol.difficulty, cpu.avol.p_silent, cpu.avol.normalize) == ("anywhere", 0.5, True)  # its own world
    assert config.get("cpu").media.crop_size == 32  # -> 16 after the strided conv -> 8 x 8 after one pool
    for o in (gpu, colab):
        assert (o.width, o.dim, o.hidden, o.pools, o.first_stride) == (64, 128, 128, 3, 2)
    assert (gpu.train.lr, gpu.train.weight_decay, gpu.train.batch) == (5e-5, 1e-5, 64)


# ---------------------------------------------------------------- data and pairs
def test_synthetic_data_is_cached_mono_and_split() -> None:
    d = R.synthetic_data(SMOKE)
    assert R.synthetic_data(SMOKE) is d
    o, m = SMOKE.ots, SMOKE.media
    assert d.train.frames.shape == (o.n_train, m.video_frames, m.frame_size, m.frame_size, 3)
    assert d.test.audio.shape == (o.n_test, 1, m.video_samples) and d.test.audio.dtype == np.float32
    assert d.test.class_sets.shape[0] == o.n_test and d.test.class_sets.any(axis=1).all()
    assert not np.array_equal(d.train.frames[:2], d.test.frames[:2])  # disjoint world seeds
    # every frame_step-th frame at fps / frame_step: the same frames at the same times
    half = R.synthetic_data(SMOKE.replace(**{"ots.frame_step": 2}))
    np.testing.assert_array_equal(half.train.frames, d.train.frames[:, ::2])
    assert half.train.fps == m.fps / 2
    k = np.arange(half.train.frames.shape[1])
    np.testing.assert_array_equal(audio_offset(k, half.train.fps, m.sample_rate),
                                  audio_offset(2 * k, m.fps, m.sample_rate))


def test_held_out_pairs_are_fixed_centred_and_honest_unless_asked() -> None:
    d = R.synthetic_data(SMOKE)
    test = R.held_out(SMOKE, d)
    assert len(test) == SMOKE.ots.test_pairs and test.crop == "center" and not test.shortcut
    assert test.frames is d.test.frames
    first = R.held_out(SMOKE, d, n=3)
    for i in range(3):
        np.testing.assert_array_equal(first[i]["audio"], test[i]["audio"])
    sc = R.held_out(SMOKE, d, shortcut=True)
    assert sc.shortcut and [sc[i]["label"] for i in range(len(sc))] == [test[i]["label"] for i in range(len(test))]
    tr = R.train_pairs(SMOKE, d, 1)
    assert tr.crop == "random" and tr.seed == 1 and len(tr) == SMOKE.ots.train.steps * SMOKE.ots.train.batch


# ---------------------------------------------------------------- the task
def test_task_losses_and_accuracy() -> None:
    torch.manual_seed(0)
    d = R.synthetic_data(SMOKE)
    pairs = R.held_out(SMOKE, d)
    batch = pairs.collate([pairs[i] for i in range(len(pairs))])
    for variant in ("ave", "avol", "l3"):
        net = R.build(SMOKE, variant)
        loss, metrics = AVCTask().loss(net, batch)
        assert loss.dim() == 0 and torch.isfinite(loss) and 0 <= metrics["acc"] <= 1
        loss.backward()
        assert all(p.grad is not None for p in net.parameters() if p.requires_grad)
    avol = R.build(SMOKE, "avol").eval()
    with torch.no_grad():  # BCE on the max logit == BCE on the max-pooled sigmoid map
        prob, _ = avol(batch["image"], batch["spec"])
        expected = torch.nn.functional.binary_cross_entropy(prob, batch["label"].float())
        torch.testing.assert_close(AVCTask().loss(avol, batch)[0], expected)


# ---------------------------------------------------------------- named runs
def test_every_variant_trains_under_its_name_and_is_found(runs, capsys) -> None:
    kinds = {"ave": AVENet, "avol": AVOLNet, "l3": L3Net, "ave_shortcut": AVENet}
    assert set(R.VARIANTS) == set(kinds)
    for variant, kind in kinds.items():
        trained = R.train(SMOKE, variant, 0)
        folder = runs / "ots" / variant / "seed0"
        assert (folder / "run.json").exists() and (folder / "model.pt").exists()
        assert isinstance(trained.model, kind) and not trained.model.training
        assert any("eval_acc" in row for row in trained.history)  # the training curve's held-out points
        scores = R.avc_scores(SMOKE, variant, 0)
        acc = R.avc_accuracy(SMOKE, variant, 0)
        assert 0 <= acc <= 1 and acc == scores["acc"] == scores["correct"].mean()
        assert len(scores["prob"]) == SMOKE.ots.test_pairs and ((scores["prob"] >= 0) & (scores["prob"] <= 1)).all()
        assert not scores["same_class"][scores["label"] == 1].any()
    capsys.readouterr()
    again = R.train(SMOKE, "avol", 0)
    assert "found the finished run 'ots/avol/seed0'" in capsys.readouterr().out
    assert isinstance(again.model, AVOLNet)
    with pytest.raises(ValueError, match="unknown variant"):
        R.train(SMOKE, "l4", 0)


def test_settings_change_with_every_size() -> None:
    v = R.VARIANTS["ave"]
    base = hub.settings_key(R.settings(SMOKE, v, 0, "synthetic"))
    assert base != hub.settings_key(R.settings(SMOKE, v, 1, "synthetic"))
    assert base != hub.settings_key(R.settings(SMOKE, R.VARIANTS["ave_shortcut"], 0, "synthetic"))
    for f in dataclasses.fields(config.OtsSpec):
        value = getattr(SMOKE.ots, f.name)
        if f.name == "avol":  # AVOL-Net's own recipe: its runs only (below)
            continue
        if f.name == "train":
            new = dataclasses.replace(value, steps=value.steps + 1)
        elif isinstance(value, str):
            new = value + "x"
        elif value is None:  # audio_pools: None means "as pools"
            new = 2
        else:
            new = value + 1
        assert hub.settings_key(R.settings(SMOKE.replace(**{f"ots.{f.name}": new}), v, 0, "synthetic")) != base, f.name
    assert hub.settings_key(R.settings(SMOKE.replace(**{"media.crop_size": 30}), v, 0, "synthetic")) != base
    assert hub.settings_key(R.settings(SMOKE.replace(seed=1), v, 0, "synthetic")) != base


def test_avol_trains_in_its_own_world_and_only_its_runs_see_it() -> None:
    a = config.AvolSpec(difficulty="anywhere", p_duet=0.0, p_silent=0.5, pools=0, steps=7, normalize=True,
                        scale_init=10.0)
    cfg = SMOKE.replace(**{"ots.avol": a})
    for name in ("ave", "l3", "ave_shortcut"):
        assert variants.profile(cfg, name) is cfg and variants.net_kwargs(cfg, name) == {}
        key = hub.settings_key(R.settings(variants.profile(cfg, name), R.VARIANTS[name], 0, "synthetic"))
        assert key == hub.settings_key(R.settings(SMOKE, R.VARIANTS[name], 0, "synthetic")), name
    p = variants.profile(cfg, "avol")
    assert (p.ots.difficulty, p.ots.p_duet, p.ots.p_silent, p.ots.pools, p.ots.train.steps) == ("anywhere", 0.0, 0.5,
                                                                                                 0, 7)
    assert p.ots.train.lr == SMOKE.ots.train.lr and p.media == SMOKE.media
    assert variants.profile(p, "avol") == p  # applying it twice changes nothing
    assert variants.profile(SMOKE, "avol") is SMOKE  # nothing set: the shared profile
    net = R.build(cfg, "avol")
    assert net.normalize and net.scale.item() == 10.0 and net.vision.pools == 0
    assert R.build(cfg, "ave").vision.pools == SMOKE.ots.pools
    v = R.VARIANTS["avol"]
    keys = {hub.settings_key(R.settings(variants.profile(SMOKE.replace(**{"ots.avol": b}), "avol"), v, 0, "synthetic"))
            for b in (config.AvolSpec(), a, dataclasses.replace(a, normalize=False), dataclasses.replace(a, steps=8),
                      dataclasses.replace(a, p_duet=0.5))}
    assert len(keys) == 5
    with pytest.raises(ValueError, match="unknown variant"):
        variants.profile(SMOKE, "avo")


def test_avol_videos_show_silent_objects_and_theirs_only(monkeypatch) -> None:
    a = config.AvolSpec(difficulty="anywhere", p_silent=1.0)
    cfg = SMOKE.replace(**{"ots.avol": a, "ots.n_train": 8, "ots.n_test": 8})
    made = []
    real = R.SoloDuetSet

    def spy(*args, **kw):
        made.append(kw)
        return real(*args, **kw)

    monkeypatch.setattr(R, "SoloDuetSet", spy)
    R.videos(cfg, "ave")
    assert all(kw["p_silent"] == 0.0 and kw["difficulty"] is None for kw in made)
    made.clear()
    avol = R.videos(cfg, "avol")
    assert made and all(kw["p_silent"] == 1.0 and kw["difficulty"] == "anywhere" for kw in made)
    assert avol.train.class_sets.sum(axis=1).min() >= 1  # the silent object is never a sounding class


def test_shortcut_run_trains_on_shortcut_pairs_and_is_scored_on_honest_ones(runs, monkeypatch) -> None:
    made: list[tuple[bool, avc.AVCDataset]] = []
    scored: list[bool] = []
    real_pairs, real_evaluate = R.train_pairs, R.evaluate

    def spy_pairs(cfg, data, seed, *, shortcut=False):
        ds = real_pairs(cfg, data, seed, shortcut=shortcut)
        made.append((shortcut, ds))
        return ds

    def spy_evaluate(model, dataset, **kw):
        scored.append(dataset.shortcut)
        return real_evaluate(model, dataset, **kw)

    monkeypatch.setattr(R, "train_pairs", spy_pairs)
    monkeypatch.setattr(R, "evaluate", spy_evaluate)
    R.train(SMOKE, "ave_shortcut", 0)
    R.avc_accuracy(SMOKE, "ave_shortcut", 0)
    assert [s for s, _ in made] == [True] and scored and not any(scored)  # the curve and the score: honest
    R.train(SMOKE, "ave", 0)
    assert [s for s, _ in made] == [True, False]
    shortcut, honest = made[0][1], made[1][1]
    neg = next(i for i in range(len(honest)) if honest[i]["label"] == 0)
    pos = next(i for i in range(len(honest)) if honest[i]["label"] == 1)
    np.testing.assert_array_equal(shortcut[pos]["audio"], honest[pos]["audio"])
    np.testing.assert_allclose(shortcut[neg]["audio"], avc.lowpass_resample(honest[neg]["audio"]), atol=1e-6)
    assert not np.allclose(shortcut[neg]["audio"], honest[neg]["audio"])
    scored.clear()
    assert 0 <= R.avc_accuracy(SMOKE, "ave_shortcut", 0, shortcut=True) <= 1 and scored == [True]


# ---------------------------------------------------------------- retrieval
def test_retrieval_inputs_are_the_middle_frame_and_its_second() -> None:
    d = R.synthetic_data(SMOKE)
    c = SMOKE.media.crop_size
    image, spec = E.inputs(d.test, c)
    v, t = d.test.frames.shape[:2]
    k, y0 = t // 2, (SMOKE.media.frame_size - c) // 2
    assert image.shape == (v, 3, c, c)
    middle = torch.from_numpy(d.test.frames[:, k:k + 1, y0:y0 + c, y0:y0 + c])
    torch.testing.assert_close(image, frames_to_net(middle)[:, :, 0])
    sr = SMOKE.media.sample_rate
    start = int(audio_offset(k, d.test.fps, sr)) - sr // 2
    torch.testing.assert_close(spec, log_spectrogram(torch.from_numpy(d.test.audio[:, 0, start:start + sr]), sr))


def test_embeddings_of_each_network() -> None:
    torch.manual_seed(0)
    image, spec = E.inputs(R.synthetic_data(SMOKE).test, SMOKE.media.crop_size)
    o = SMOKE.ots
    for variant, dim in (("ave", o.dim), ("avol", o.dim), ("l3", 8 * o.width)):
        net = R.build(SMOKE, variant).eval()
        img, aud = E.embeddings(net, image, spec, batch_size=4)
        assert img.shape == aud.shape == (len(image), dim)
        np.testing.assert_allclose(np.linalg.norm(img, axis=1), 1, atol=1e-5)
        np.testing.assert_allclose(np.linalg.norm(aud, axis=1), 1, atol=1e-5)
        if variant == "avol":
            with torch.no_grad():
                mean = torch.nn.functional.normalize(net.embed_locations(image).mean(dim=(2, 3)), dim=1)
            np.testing.assert_allclose(img, mean.numpy(), atol=1e-5)
    with pytest.raises(TypeError):
        E.embeddings(torch.nn.Linear(2, 2), image, spec)


def test_retrieval_tables_and_the_random_baseline(runs) -> None:
    d = R.synthetic_data(SMOKE)
    sets = d.test.class_sets
    directions = {"im2im", "im2aud", "aud2im", "aud2aud"}
    metrics = {"ndcg30", "recall1", "recall5", "recall10"}
    for variant in R.VARIANTS:
        tab = E.retrieval_table(SMOKE, variant, 0)
        assert set(tab) == directions
        for row in tab.values():
            assert set(row) == metrics and all(0 <= x <= 1 for x in row.values())
        e = E.embed_test(SMOKE, variant, 0)
        direct = retrieval.evaluate(e.audio, e.image, sets, sets, k=30, recall_ks=(1, 5, 10))
        assert tab["aud2im"]["ndcg30"] == direct["ndcg@30"] and tab["aud2im"]["recall1"] == direct["recall@1"]
    chance = E.random_table(SMOKE)
    for name, same in (("im2im", True), ("im2aud", False), ("aud2im", False), ("aud2aud", True)):
        base = retrieval.random_baseline(sets, sets, k=30, recall_ks=(1, 5, 10), same_set=same, dim=SMOKE.ots.dim)
        assert chance[name] == {k.replace("@", ""): v for k, v in base.items()}
    assert not E.comparable("l3", "im2aud") and not E.comparable("l3", "aud2im") and E.comparable("l3", "im2im")
    assert all(E.comparable(v, d) for v in ("ave", "avol", "ave_shortcut") for d in directions)
    rows = E.rows(SMOKE, "l3", 0)
    assert len(rows) == 16 and {r["comparable"] for r in rows if r["direction"] == "aud2im"} == {False}
    with pytest.raises(ValueError):
        E.comparable("ave", "vid2vid")
