"""Training shared by every notebook: the loop, exact-resume checkpoints, step-indexed data, DDP.

Knows no task: a section package (``avscene.shift``, ``avscene.localization``, ...) brings its dataset,
loss and evaluation.
"""
from .checkpoint import latest
from .data import LoaderSource, StepBatchSampler, StepPhases
from .loop import LoopSpec, Trainer, read_log
from .optim import make_optimizer

__all__ = ["LoaderSource", "LoopSpec", "StepBatchSampler", "StepPhases", "Trainer", "latest", "make_optimizer", "read_log"]
