"""Training shared by every notebook: the loop, exact-resume checkpoints, step-indexed data, DDP.

``python -m avscene.train pretrain --profile gpu --data ...`` runs pretraining outside notebooks
(with ``torchrun`` for several GPUs).
"""
from .checkpoint import latest
from .data import LoaderSource, StepBatchSampler, StepPhases
from .loop import LoopSpec, Trainer, read_log
from .optim import make_optimizer

__all__ = ["LoaderSource", "LoopSpec", "StepBatchSampler", "StepPhases", "Trainer", "latest", "make_optimizer", "read_log"]
