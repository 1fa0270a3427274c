"""One training recipe for every network of the course: from scratch or from given weights, with
optional frozen parts and per-group learning rates, through the shared Trainer (checkpoints, exact
resume, DDP, an evaluation hook).

Notebook 03's pretraining is this recipe from scratch; notebook 04's CAM model starts from the shift
network's weights; the later notebooks (action recognition, separation, co-segmentation) start from named
runs, whose weights the section packages obtain through ``avscene.course.hub``, and may freeze the
backbone or give a new head its own learning rate. The package knows no task: the caller brings the
model, the loss (``task``), the batches and the evaluation.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping, Sequence

import torch
from torch import nn

from .. import runtime
from ..config import TrainSpec
from .loop import BatchSource, Task, Trainer
from .optim import make_optimizer


def _under(name: str, prefixes: Sequence[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def load_init(model: nn.Module, state: Mapping[str, torch.Tensor], *, new: Sequence[str] = ()) -> list[str]:
    """Copy ``state`` into ``model`` in place, checked before anything is copied.

    Entries under a ``new`` prefix (a head the source network does not have) may be missing from
    ``state`` and keep their fresh initialization; any other missing entry, an unexpected one or a shape
    that differs raises ``ValueError`` naming them. Returns the names kept fresh.
    """
    own = model.state_dict()
    missing = [k for k in own if k not in state and not _under(k, new)]
    unexpected = [k for k in state if k not in own]
    shapes = [f"{k}: {tuple(state[k].shape)} vs {tuple(own[k].shape)}" for k in own
              if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or shapes:
        raise ValueError("initial weights do not fit the model: "
                         + "; ".join(f"{what} {', '.join(v[:5])}{' ...' if len(v) > 5 else ''}"
                                     for what, v in (("missing", missing), ("unexpected", unexpected),
                                                     ("shape", shapes)) if v))
    model.load_state_dict({**{k: v for k, v in own.items() if k not in state}, **state})
    return [k for k in own if k not in state]


def freeze(model: nn.Module, prefixes: Sequence[str]) -> tuple[nn.Module, ...]:
    """Stop the gradients of every parameter under ``prefixes`` (module names such as ``"sf"`` or
    ``"im.conv1"``); returns those modules, which the Trainer keeps in evaluation mode."""
    modules = dict(model.named_modules())
    unknown = [p for p in prefixes if p not in modules]
    if unknown:
        raise ValueError(f"no module named {', '.join(unknown)} in {type(model).__name__}")
    for name, param in model.named_parameters():
        if _under(name, prefixes):
            param.requires_grad_(False)
    return tuple(modules[p] for p in prefixes)


def finetune(model: nn.Module, task: Task, source: BatchSource, spec: TrainSpec, run_dir: Path, *,
             init: Mapping[str, torch.Tensor] | None = None, new: Sequence[str] = (),
             frozen: Sequence[str] = (), lr_scale: Mapping[str, float] | None = None,
             evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
             device: torch.device | None = None) -> Trainer:
    """Train ``model`` with ``task`` on ``source`` as ``spec`` says; returns the fitted ``Trainer``
    (``.model``, ``.history``, ``.elapsed`` seconds).

    ``init``: weights to start from (``None``: from scratch; see :func:`load_init` for ``new``);
    ``frozen``: module names kept fixed (:func:`freeze`); ``lr_scale``: parameter-name prefix -> factor
    of ``spec.lr`` (``avscene.train.optim.param_groups``). A run that finds its own checkpoint in
    ``run_dir`` resumes from it exactly (its weights replace ``init``); a finished one just returns.
    """
    device = device or runtime.pick_device()
    if init is not None:
        load_init(model, init, new=new)
    fixed = freeze(model, frozen)
    optimizer = make_optimizer(model.to(device), spec, lr_scale)
    trainer = Trainer(model, task, source, spec, run_dir, device=device, optimizer=optimizer, evaluate=evaluate,
                      frozen=fixed)
    trainer.fit()
    return trainer
