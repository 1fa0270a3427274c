"""The separation loss for ``avscene.train`` and the held-out evaluation (reference notes §1.7; notebook 06).

Training: the original's ``full`` loss (L1 on the normalised log spectrograms of both outputs, 0.01 x L1 on
their phase), or its PIT form for the audio-only u-net; the original's 1e-5 x L2 on the weights is the
optimizer's weight decay (``TrainSpec.weight_decay``, the same gradient). Evaluation:
per test mixture, the on-screen output's SI-SDR and its improvement over the mixture, the on/off
assignment, and the loss; the audio-only u-net's outputs are matched to the sources by the better of the
two assignments (PIT), the others are taken as they say.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from . import losses, metrics
from .data import MixtureDataset, collate, to_device
from .model import SeparationNet


@dataclass
class SeparationTask:
    """``loss(model, batch) -> (loss, {"l1"})`` for ``avscene.train``; ``pit`` for the audio-only u-net;
    ``phase``: the waveforms of the evaluation take the outputs' own phase (``"predicted"``, the original)
    or the mixture's (``"mixture"``)."""

    pit: bool = False
    phase: str = "mixture"

    def outputs(self, model: SeparationNet, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        return model(batch["frames"] if model.video is not None else None, batch["mixture"])

    def pair_losses(self, model: SeparationNet, batch: dict[str, torch.Tensor],
                    on: torch.Tensor, off: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per example: the loss ``[B]`` and whether the outputs were read swapped (PIT) ``[B]``."""
        on_t, off_t = model.target_spec(batch["on"]), model.target_spec(batch["off"])
        if self.pit:
            return losses.pit_pair_loss(on, off, on_t, off_t)
        straight = losses.pair_loss(on, off, on_t, off_t)
        return straight, torch.zeros_like(straight, dtype=torch.bool)

    def loss(self, model: nn.Module, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
        on, off = self.outputs(model, batch)  # type: ignore[arg-type]
        per, _ = self.pair_losses(model, batch, on, off)  # type: ignore[arg-type]
        l1 = per.mean()
        return l1, {"l1": float(l1.detach())}


#: test pairs per evaluation batch (each pair gives two examples)
BATCH_PAIRS = 8


def test_batches(dataset: Any, batch_pairs: int = BATCH_PAIRS) -> Iterator[tuple[np.ndarray, dict[str, torch.Tensor]]]:
    """The held-out pairs in order, ``batch_pairs`` at a time: ``(pair indices [P], collate(...))`` with the
    ``2P`` examples laid out as :func:`avscene.separation.data.collate` does (every pair, first videos on
    screen, then the same pairs with the second videos); :func:`evaluate` and the oracle share it, so their
    per-example results line up."""
    for first in range(0, len(dataset), batch_pairs):
        index = np.arange(first, min(len(dataset), first + batch_pairs))
        yield index, collate([dataset[int(i)] for i in index])


def layout(index: np.ndarray) -> dict[str, np.ndarray]:
    """``pair`` and ``view`` ``[2P]`` of the examples of one :func:`test_batches` batch of pairs ``index``."""
    return {"pair": np.concatenate([index, index]), "view": np.repeat([0, 1], len(index))}


@torch.no_grad()
def separate(model: SeparationNet, batch: dict[str, torch.Tensor], task: SeparationTask,
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """One batch (on the model's device) -> ``(est_on, est_off)`` waveforms ``[B, samples]`` (with the phase
    ``task.phase`` says; PIT's outputs in the order that matches the sources best), the loss ``[B]`` and
    whether PIT read the outputs crossed ``[B]``."""
    on, off = task.outputs(model, batch)
    per, swapped = task.pair_losses(model, batch, on, off)
    phase_of = batch["mixture"] if task.phase == "mixture" else None
    est_on, est_off = model.waveforms(on, phase_of), model.waveforms(off, phase_of)
    if task.pit:  # the audio-only u-net does not know which output is on screen: take the better match
        s = swapped[:, None]
        est_on, est_off = torch.where(s, est_off, est_on), torch.where(s, est_on, est_off)
    return est_on, est_off, per, swapped


@torch.no_grad()
def evaluate(model: SeparationNet, dataset: MixtureDataset, task: SeparationTask, *, batch_pairs: int = BATCH_PAIRS,
             device: torch.device | None = None, bss: bool = False) -> dict[str, np.ndarray]:
    """Every test mixture of ``dataset`` (both views of each pair), per example ``[2 × pairs]``: ``sisdr`` and
    ``sisdri`` (dB) of the on-screen output against the on-screen source, ``sisdr_mix`` (the mixture's own),
    ``assign`` (bool: the on-screen output is closer to the on-screen source than the off-screen one is),
    ``l1`` (the loss without the weight term), ``same_class`` (bool), ``pair`` (the dataset index: the two
    views of a mixture share it), ``view`` (0: the pair's first video on screen, 1: its second) and
    ``swapped`` (bool: PIT read the outputs crossed; always False otherwise). With ``bss``: ``sdr``, ``sir``,
    ``sar`` ``[2 × pairs, 2]`` (dB; on-screen, off-screen source) from ``mir_eval``
    (:func:`avscene.separation.metrics.bss_eval`; with permutation for PIT, as the issue of the blind
    baseline asks), NaN where a source is silent."""
    device = device or next(model.parameters()).device
    was = model.training
    model.eval()
    keys = ["sisdr", "sisdri", "sisdr_mix", "assign", "l1", "same_class", "pair", "view", "swapped"]
    keys += ["sdr", "sir", "sar"] if bss else []
    out: dict[str, list[np.ndarray]] = {k: [] for k in keys}
    for index, raw in test_batches(dataset, batch_pairs):
        batch = to_device(raw, device)
        est_on, est_off, per, swapped = separate(model, batch, task)
        n = model.samples
        ref = batch["on"].mean(dim=1)[:, :n]
        mix = batch["mixture"].mean(dim=1)[:, :n]
        out["sisdr"].append(metrics.si_sdr(est_on, ref).cpu().numpy())
        out["sisdri"].append(metrics.si_sdr_improvement(est_on, ref, mix).cpu().numpy())
        out["sisdr_mix"].append(metrics.si_sdr(mix, ref).cpu().numpy())
        out["assign"].append(metrics.assignment_correct(est_on, est_off, ref).cpu().numpy())
        out["l1"].append(per.cpu().numpy())
        out["same_class"].append(batch["same_class"].cpu().numpy())
        for key, value in layout(index).items():
            out[key].append(value)
        out["swapped"].append(swapped.cpu().numpy())
        if bss:
            ref_off = batch["off"].mean(dim=1)[:, :n]
            scored = metrics.bss_eval(torch.stack([ref, ref_off], 1).cpu().numpy(),
                                      torch.stack([est_on, est_off], 1).cpu().numpy(), permute=task.pit)
            out["sdr"].append(scored.sdr), out["sir"].append(scored.sir), out["sar"].append(scored.sar)
    model.train(was)
    return {k: np.concatenate(v) for k, v in out.items()}
