"""Training shared by every notebook: the loop, exact-resume checkpoints, step-indexed data, DDP.

Knows no task: a section package (``avscene.shift``, ``avscene.localization``, ...) brings its dataset,
loss and evaluation.
"""
from .checkpoint import latest
from .data import LoaderSource, StepBatchSampler, StepPhases
from .finetune import finetune, freeze, load_init
from .loop import Trainer, read_log
from .optim import make_optimizer, make_scheduler, param_groups

__all__ = ["LoaderSource", "StepBatchSampler", "StepPhases", "Trainer", "finetune", "freeze", "latest", "load_init",
           "make_optimizer", "make_scheduler", "param_groups", "read_log"]
