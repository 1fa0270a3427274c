"""avscene.coseg.runs: the solo videos' media, the variants and their names, the training streams and the
held-out mixtures, and the co-segmentation run continuing the Sound of Pixels run of its seed (smoke profile,
runs in a temporary folder)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from avscene import config
from avscene.coseg import runs as R

SMOKE = config.get("smoke")
CPU = torch.device("cpu")

pytestmark = pytest.mark.usefixtures("one_thread")


# ---------------------------------------------------------------- media, variants, names
def test_profile_takes_the_solo_videos_media() -> None:
    cfg = SMOKE.replace(**{"coseg.fps": 4.0, "coseg.frame_size": 24, "coseg.sample_rate": 8000,
                           "coseg.video_seconds": 2.0})
    m = R.profile(cfg).media
    assert (m.fps, m.frame_size, m.crop_size, m.sample_rate, m.video_seconds) == (4.0, 24, 24, 8000, 2.0)
    assert m.channels == SMOKE.media.channels
    assert m.clip_frames == min(SMOKE.media.clip_frames, 8)  # 2 s at 4 fps
    # sample_rate None: the profile's media rate
    same_rate = R.profile(cfg.replace(**{"coseg.sample_rate": None})).media
    assert same_rate.sample_rate == SMOKE.media.sample_rate
    # the rest of the profile is untouched
    assert R.profile(cfg).coseg == cfg.coseg and R.profile(cfg).ots == cfg.ots
    smoke = R.profile(SMOKE).media
    assert smoke.frame_size == smoke.crop_size == SMOKE.coseg.frame_size


def test_variants_and_unknown_names() -> None:
    assert list(R.VARIANTS) == ["sop", "ratio", "coseg", "oracle"]
    assert (R.get("sop").mask, R.get("sop").coseg) == ("binary", False)
    assert (R.get("ratio").mask, R.get("ratio").coseg) == ("ratio", False)
    assert (R.get("coseg").mask, R.get("coseg").coseg) == ("binary", True)
    assert R.get("oracle").oracle and not any(R.get(v).oracle for v in ("sop", "ratio", "coseg"))
    with pytest.raises(ValueError, match="'nope'.*sop, ratio, coseg, oracle"):
        R.get("nope")
    with pytest.raises(ValueError, match="sop, ratio, coseg"):
        R.task(SMOKE, "nope")


def test_run_path_names() -> None:
    assert R.run_path("sop", 0) == "coseg/sop/seed0"
    assert R.run_path("coseg", 2) == R.run_path("coseg", 2, "synthetic") == "coseg/coseg/seed2"
    assert R.run_path("ratio", 1, "music") == "coseg-music/ratio/seed1"


def test_train_spec_steps_per_variant() -> None:
    cfg = SMOKE.replace(**{"coseg.coseg_steps": 7})
    assert R.train_spec(cfg, "coseg").steps == cfg.coseg.coseg_steps == 7
    assert R.train_spec(cfg, "sop") == R.train_spec(cfg, "ratio") == cfg.coseg.train
    # only the steps change
    assert R.train_spec(cfg, "coseg").lr == cfg.coseg.train.lr and R.train_spec(cfg, "coseg").batch == 2


# ---------------------------------------------------------------- data streams
def test_training_streams() -> None:
    cfg = SMOKE.replace(**{"coseg.coseg_steps": 3})
    d = R.synthetic_data(cfg)
    sop, ratio, co = (R.train_mixtures(cfg, d, v, 0) for v in ("sop", "ratio", "coseg"))
    t = cfg.coseg.train
    assert len(sop) == t.steps * t.batch and len(co) == 3 * t.batch
    assert sop.train and co.train and (sop.seed, co.seed) == (0, 1000)
    assert R.train_mixtures(cfg, d, "sop", 2).seed == 2 and R.train_mixtures(cfg, d, "coseg", 2).seed == 1002
    for i in range(len(sop)):  # ratio draws sop's stream
        a, b = sop[i], ratio[i]
        assert torch.equal(a["videos"], b["videos"]) and torch.equal(a["centre"], b["centre"])
        torch.testing.assert_close(a["mixture"], b["mixture"])
    # the co-segmentation stream is another one
    assert any(not torch.equal(sop[i]["videos"], co[i]["videos"]) or not torch.equal(sop[i]["centre"], co[i]["centre"])
               for i in range(len(sop)))
    assert not torch.equal(sop[0]["mixture"], co[0]["mixture"])


def test_held_out_is_deterministic_and_untouched_by_gain() -> None:
    d = R.synthetic_data(SMOKE)
    a, b = R.held_out(SMOKE, d), R.held_out(SMOKE)  # default data: the cached synthetic world
    assert len(a) == len(b) == SMOKE.coseg.n_test and not a.train and a.seed == SMOKE.seed
    assert a.source is d.test
    for i in range(len(a)):
        x, y = a[i], b[i]
        assert x.keys() == y.keys()
        for k in x:
            assert torch.equal(x[k], y[k]), k
        assert torch.equal(x["gain"], torch.ones(SMOKE.coseg.n_mix))
        assert torch.equal(x["centre"], torch.as_tensor((a.lo[x["videos"]] + a.hi[x["videos"]]) // 2))
    assert len(R.held_out(SMOKE, d, n=2)) == 2
    assert torch.equal(R.held_out(SMOKE, d, n=2)[1]["mixture"], a[1]["mixture"])


def test_synthetic_data_sizes() -> None:
    d = R.synthetic_data(SMOKE)
    c, m = SMOKE.coseg, R.profile(SMOKE).media
    assert R.synthetic_data(SMOKE) is d and d.name == "synthetic"
    assert len(d.train.classes) == c.n_train and len(d.test.classes) == c.n_test_videos
    assert d.train.fps == m.fps and d.train.sample_rate == m.sample_rate
    assert np.asarray(d.train.n_frames).min() == int(c.video_seconds * c.fps)


def test_build_sizes() -> None:
    c = SMOKE.coseg
    model = R.build(SMOKE)
    assert model.image.width == c.image_width and model.image.out_channels == c.channels
    assert (model.audio.levels, model.audio.ngf, model.synth.channels) == (c.levels, c.ngf, c.channels)


# ---------------------------------------------------------------- runs
def test_coseg_continues_the_sop_run_of_its_seed(runs, monkeypatch) -> None:
    calls = []
    finetune = R.train_finetune

    def spy(model, task, batches, spec, into, **kw):
        calls.append({"task": task, "steps": spec.steps, "into": into, "lr_scale": kw.get("lr_scale"),
                      "initial": {k: v.detach().clone() for k, v in model.state_dict().items()}})
        return finetune(model, task, batches, spec, into, **kw)

    monkeypatch.setattr(R, "train_finetune", spy)
    cfg = SMOKE.replace(**{"coseg.coseg_steps": 3})
    co = R.train(cfg, "coseg", 0, device=CPU)
    # training coseg trained sop first, then continued it
    assert [c["task"].activation is None for c in calls] == [True, False]
    assert [c["steps"] for c in calls] == [cfg.coseg.train.steps, 3]
    assert calls[1]["task"].per_location is cfg.coseg.softmax_per_location and calls[1]["lr_scale"] == {"image.backbone": cfg.coseg.backbone_lr_scale}
    # the training loop drove the softmax schedule: its last step (0-based) was the task's last on_step
    assert calls[1]["task"].step == 3 - 1 and calls[0]["task"].step == cfg.coseg.train.steps - 1
    sop_dir, co_dir = runs / "coseg" / "sop" / "seed0", runs / "coseg" / "coseg" / "seed0"
    assert calls[0]["into"] == sop_dir and calls[1]["into"] == co_dir
    for folder in (sop_dir, co_dir):
        assert (folder / "model.pt").is_file() and json.loads((folder / "run.json").read_text())["finished"]
    # its initial weights are the sop run's final ones
    sop_final = torch.load(sop_dir / "model.pt", map_location="cpu")
    assert sop_final.keys() == calls[1]["initial"].keys()
    for k, v in sop_final.items():
        assert torch.equal(v, calls[1]["initial"][k]), k
    # ... and training moved them
    final = co.model.state_dict()
    assert any(not torch.equal(final[k].cpu(), v) for k, v in sop_final.items() if v.is_floating_point())
    # sop and coseg are now found, not retrained
    sop = R.train(cfg, "sop", 0, device=CPU)
    again = R.train(cfg, "coseg", 0, device=CPU)
    assert len(calls) == 2
    for k, v in sop.model.state_dict().items():
        assert torch.equal(v.cpu(), sop_final[k])
    for k, v in again.model.state_dict().items():
        assert torch.equal(v.cpu(), final[k].cpu())
    assert not sop.model.training and not again.model.training


def test_sop_trains_alone_from_scratch(runs, monkeypatch) -> None:
    backbone = []
    monkeypatch.setattr(R, "_imagenet_backbone", lambda model: backbone.append(model))
    trained = R.train(SMOKE, "sop", 0, device=CPU)
    assert not backbone  # smoke: pretrained=False
    assert sorted(p.name for p in (runs / "coseg").iterdir()) == ["sop"]
    assert json.loads((runs / "coseg" / "sop" / "seed0" / "run.json").read_text())["finished"]
    assert isinstance(trained.model, type(R.build(SMOKE)))
    # with ImageNet weights asked for, the backbone is loaded before training (never at build)
    R.train(SMOKE.replace(**{"coseg.pretrained": True}), "sop", 1, device=CPU)
    assert len(backbone) == 1
