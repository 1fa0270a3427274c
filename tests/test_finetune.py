"""The one training recipe: from given weights, with frozen parts and per-group learning rates (step 8)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from avscene.config import TrainSpec
from avscene.train import LoaderSource, finetune, freeze, load_init, param_groups

sys.path.insert(0, str(Path(__file__).parent))
import train_toy  # noqa: E402


class Backbone(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU())
        self.head = nn.Linear(16, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(x))


def _spec(**kw) -> TrainSpec:
    return TrainSpec(**{"steps": 12, "batch": 16, "lr": 1e-2, "optimizer": "adam", "log_every": 1, **kw})


def _source(spec: TrainSpec) -> LoaderSource:
    return LoaderSource(train_toy.ToyData(), spec.batch, spec.steps, collate=train_toy.collate)


def test_load_init_keeps_new_heads_fresh_and_refuses_anything_else() -> None:
    torch.manual_seed(0)
    pretrained = Backbone()
    trunk_only = {k: v for k, v in pretrained.state_dict().items() if k.startswith("trunk.")}
    model = Backbone()
    head_before = model.head.weight.clone()
    fresh = load_init(model, trunk_only, new=["head"])
    assert fresh == ["head.weight", "head.bias"]
    assert torch.equal(model.trunk[0].weight, pretrained.trunk[0].weight)
    assert torch.equal(model.head.weight, head_before)
    with pytest.raises(ValueError, match="missing head.weight"):
        load_init(Backbone(), trunk_only)  # a head that is not declared new
    bad = {**pretrained.state_dict(), "trunk.0.weight": torch.zeros(3, 3), "extra": torch.zeros(1)}
    untouched = Backbone()
    before = {k: v.clone() for k, v in untouched.state_dict().items()}
    with pytest.raises(ValueError, match="unexpected extra.*shape trunk.0.weight"):
        load_init(untouched, bad)
    assert all(torch.equal(before[k], v) for k, v in untouched.state_dict().items())  # nothing copied


def test_param_groups_split_decay_and_lr_scale() -> None:
    model = Backbone()
    spec = _spec(weight_decay=1e-4)
    plain = param_groups(model, spec)
    assert [(g["lr"], g["weight_decay"], len(g["params"])) for g in plain] == [(1e-2, 1e-4, 2), (1e-2, 0.0, 4)]
    scaled = param_groups(model, spec, {"head": 10.0})
    by = {(g["lr"], g["weight_decay"]): {id(p) for p in g["params"]} for g in scaled}
    assert by[(1e-1, 1e-4)] == {id(model.head.weight)} and by[(1e-1, 0.0)] == {id(model.head.bias)}
    assert sum(len(g["params"]) for g in scaled) == 6


def test_finetune_freezes_the_trunk_and_trains_the_head(tmp_path: Path) -> None:
    torch.manual_seed(0)
    pretrained = Backbone()
    start = {k: v.clone() for k, v in pretrained.state_dict().items()}
    spec = _spec()
    trainer = finetune(Backbone(), train_toy.ToyTask(), _source(spec), spec, tmp_path, init=start,
                       frozen=["trunk"], lr_scale={"head": 2.0}, device=torch.device("cpu"))
    tuned = trainer.model.state_dict()
    for k in start:
        same = torch.equal(tuned[k], start[k])
        assert same == k.startswith("trunk."), k  # trunk fixed (batch-norm statistics too), head trained
    assert [r["step"] for r in trainer.history] == list(range(1, spec.steps + 1))
    assert trainer.history[0]["lr"] == pytest.approx(2e-2)  # the head's group, the only one training
    with pytest.raises(ValueError, match="no module named nope"):
        freeze(Backbone(), ["nope"])


def test_finetune_from_scratch_resumes_exactly(tmp_path: Path) -> None:
    """The recipe without init is pretraining: interrupted and resumed, it ends where an uninterrupted run ends."""
    spec = _spec(checkpoint_every=4)
    torch.manual_seed(0)
    full = finetune(Backbone(), train_toy.ToyTask(), _source(spec), spec, tmp_path / "full", device=torch.device("cpu"))
    torch.manual_seed(0)
    half = _spec(steps=6, checkpoint_every=4)
    finetune(Backbone(), train_toy.ToyTask(), _source(spec), half, tmp_path / "split", device=torch.device("cpu"))
    torch.manual_seed(1)  # another init: the checkpoint (step 4) replaces it
    resumed = finetune(Backbone(), train_toy.ToyTask(), _source(spec), spec, tmp_path / "split",
                       device=torch.device("cpu"))
    assert resumed.history[-1]["step"] == spec.steps
    for k, v in full.model.state_dict().items():
        assert torch.equal(v, resumed.model.state_dict()[k]), k
