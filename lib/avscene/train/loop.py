"""The training loop every notebook shares: steps, logging, checkpoints, exact resume, DDP, AMP.

Used by notebook 03 (pretraining) and by the later fine-tuning and separation notebooks. A *task*
turns a batch into a loss (``task.loss(model, batch) -> (loss, {name: float})``); a *batch source*
yields the batches of steps ``start, start+1, ...`` (``source.batches(start)``), each a pure function of
its step, so the checkpointed step counter is the data position.
"""
from __future__ import annotations

import contextlib
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol

import torch
from torch import nn

from .. import runtime
from ..config import TrainSpec
from . import checkpoint as ckpt
from . import distributed
from .optim import make_optimizer, make_scheduler

Batch = dict[str, torch.Tensor]
ESTIMATE_AFTER = 10  # steps timed before the loop prints how long the rest will take
LOG_FILE = "log.jsonl"  # a run's JSON-lines log, one row per logged step


class Task(Protocol):
    """Turns a batch into a loss; may define ``on_step(step)`` to follow a schedule (e.g. a curriculum)."""

    def loss(self, model: nn.Module, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]: ...


class BatchSource(Protocol):
    def batches(self, start_step: int) -> Iterator[Batch]: ...

    def to_device(self, batch: Batch, device: torch.device) -> Batch: ...


def _amp_dtype(device: torch.device, amp: str) -> torch.dtype | None:
    if amp == "off" or device.type != "cuda":
        return None
    if amp == "bf16" or (amp == "auto" and torch.cuda.is_bf16_supported()):
        return torch.bfloat16
    return torch.float16


class Trainer:
    """Train ``model`` on ``source`` as ``spec`` says, resuming from ``run_dir`` when it holds a checkpoint.

    The optimizer and the lr schedule default to ``spec``'s (``avscene.train.optim``); ``frozen``
    modules stay in evaluation mode while the rest trains (their batch-norm statistics do not move).
    """

    def __init__(self, model: nn.Module, task: Task, source: BatchSource, spec: TrainSpec, run_dir: Path, *,
                 device: torch.device | None = None,
                 evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
                 optimizer: torch.optim.Optimizer | None = None,
                 scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
                 frozen: tuple[nn.Module, ...] = ()) -> None:
        self.device = device or runtime.pick_device()
        self.spec, self.task, self.source, self.evaluate = spec, task, source, evaluate
        self.run_dir = Path(run_dir)
        self.rank, self.world = distributed.rank(), distributed.world_size()
        self.model = model.to(self.device)
        self.optimizer = optimizer or make_optimizer(self.model, spec)
        self.scheduler = scheduler or make_scheduler(self.optimizer, spec)
        self.frozen = frozen
        self.amp_dtype = _amp_dtype(self.device, spec.amp)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp_dtype == torch.float16)
        self.net = distributed.wrap(self.model, self.device)
        self.step = 0
        self.history: list[dict[str, Any]] = []
        self.elapsed = 0.0  # training seconds, carried across resumes
        self._resume()

    # ---------------------------------------------------------------- state
    @property
    def log_path(self) -> Path:
        return self.run_dir / LOG_FILE

    def state(self) -> dict[str, Any]:
        return {"step": self.step, "elapsed": self.elapsed, "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict() if self.scheduler else None,
                "scaler": self.scaler.state_dict(), "rng": ckpt.rng_state(), "spec": asdict(self.spec)}

    def save(self) -> Path | None:
        if self.rank != 0:
            return None
        path = ckpt.save(self.run_dir / f"step_{self.step:08d}.pt", self.state())
        ckpt.prune(self.run_dir, self.spec.keep_checkpoints)
        return path

    def _resume(self) -> None:
        path = ckpt.latest(self.run_dir)
        if path is None:
            return
        state = ckpt.load(path, map_location=self.device)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler and state.get("scheduler"):
            self.scheduler.load_state_dict(state["scheduler"])
        self.scaler.load_state_dict(state["scaler"])
        ckpt.set_rng_state(state["rng"])
        self.step, self.elapsed = state["step"], state.get("elapsed", 0.0)
        if self.log_path.exists():  # the log continues exactly where the checkpoint was taken
            rows = [json.loads(line) for line in self.log_path.read_text().splitlines() if line.strip()]
            self.history = [r for r in rows if r["step"] <= self.step]
            if self.rank == 0:
                self._rewrite_log()
        print(f"resumed from {path} at step {self.step}")

    def _rewrite_log(self) -> None:
        self.log_path.write_text("".join(json.dumps(r) + "\n" for r in self.history))

    def _log(self, row: dict[str, Any]) -> None:
        self.history.append(row)
        if self.rank == 0:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            with open(self.log_path, "a") as fh:
                fh.write(json.dumps(row) + "\n")

    # ---------------------------------------------------------------- training
    def train_step(self, batch: Batch) -> dict[str, float]:
        self.net.train()
        for module in self.frozen:
            module.eval()
        if hasattr(self.task, "on_step"):
            self.task.on_step(self.step)
        autocast = (torch.autocast(self.device.type, dtype=self.amp_dtype) if self.amp_dtype
                    else contextlib.nullcontext())
        with autocast:
            loss, metrics = self.task.loss(self.net, batch)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"step {self.step}: loss is {loss.item()}; lower the learning rate")
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(self.optimizer)
        grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.spec.grad_clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        if self.scheduler:
            self.scheduler.step()
        return {"loss": float(loss.detach()), "grad_norm": float(grad_norm), **metrics}

    def _evaluate(self) -> dict[str, float]:
        if self.evaluate is None:
            return {}
        rng = ckpt.rng_state()  # evaluation must not change what training draws next
        self.model.eval()
        with torch.no_grad():
            result = self.evaluate(self.model)
        ckpt.set_rng_state(rng)
        return {f"eval_{k}": v for k, v in result.items()}

    def fit(self) -> list[dict[str, Any]]:
        """Run until ``spec.steps`` (or ``spec.max_seconds``); returns the log rows of this run's history."""
        spec = self.spec
        if self.step >= spec.steps:
            return self.history
        log_every = max(min(spec.log_every, spec.steps // 20), 1)
        batches = self.source.batches(self.step)
        bar = runtime.progress(total=spec.steps, initial=self.step, desc="train", disable=self.rank != 0)
        window: list[dict[str, float]] = []
        started, last = time.perf_counter(), time.perf_counter()
        first_step, first_elapsed = self.step, self.elapsed
        try:
            while self.step < spec.steps:
                batch = self.source.to_device(next(batches), self.device)
                window.append(self.train_step(batch))
                self.step += 1
                now = time.perf_counter()
                self.elapsed += now - last
                last = now
                bar.update(1)
                if self.step - first_step == ESTIMATE_AFTER and self.step < spec.steps and self.rank == 0:
                    per_step = (self.elapsed - first_elapsed) / ESTIMATE_AFTER
                    print(f"training at {per_step:.2f} s/step: about {per_step * (spec.steps - self.step) / 60:.1f} "
                          f"more minutes for steps {self.step}-{spec.steps} (evaluations not included)", flush=True)
                out_of_time = spec.max_seconds is not None and now - started >= spec.max_seconds
                done = self.step >= spec.steps or out_of_time
                evaluate = done or self.step % spec.eval_every == 0
                if self.step % log_every == 0 or evaluate:
                    row = {"step": self.step, "seconds": round(self.elapsed, 2),
                           "lr": self.optimizer.param_groups[0]["lr"]}
                    row.update({k: sum(w[k] for w in window) / len(window) for k in window[0]})
                    if evaluate:
                        row.update(self._evaluate())
                        last = time.perf_counter()  # evaluation time is not training time
                    window = []
                    self._log(row)
                    bar.set_postfix({k: f"{v:.3g}" for k, v in row.items()
                                     if k in ("loss", "acc", "eval_acc") and isinstance(v, float)})
                if self.step % spec.checkpoint_every == 0 or done:
                    self.save()
                if out_of_time:
                    print(f"stopped at step {self.step}: max_seconds={spec.max_seconds} reached")
                    break
        finally:
            bar.close()
        return self.history


def read_log(run_dir: Path) -> list[dict[str, Any]]:
    """The JSON-lines log of a run (one row per logged step)."""
    path = Path(run_dir) / LOG_FILE
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []
