"""The shift pretext task (Owens & Efros 2018, §3; notebooks 01-03).

``dataset``: aligned and shifted examples of videos (§3.1); ``task``: the loss; ``evaluate``: held-out
accuracy, controls, baseline, offset sweep (§3.3); ``pretraining``: training the shift network;
``python -m avscene.shift pretrain``: the same outside notebooks.
"""
from .dataset import ShiftDataset, collate, to_device
from .evaluate import CONTROLS, baseline_scores, evaluate, offset_sweep
from .pretraining import Pretrained, curriculum, curriculum_boundaries, default_run_dir, pretrain
from .task import ShiftTask, pair_logits

__all__ = ["CONTROLS", "Pretrained", "ShiftDataset", "ShiftTask", "baseline_scores", "collate", "curriculum",
           "curriculum_boundaries", "default_run_dir", "evaluate", "offset_sweep", "pair_logits", "pretrain",
           "to_device"]
