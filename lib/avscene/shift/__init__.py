"""The shift pretext task (Owens & Efros 2018, §3; notebooks 01-03).

``dataset``: aligned and shifted examples of videos (§3.1); ``task``: the loss; ``evaluate``: the
held-out set, accuracy, controls, baseline and offset sweep (§3.3); ``pretraining``: the run named
``shift`` (found, fetched or trained); ``shortcuts``: what a careless sampler gives away (§3.1);
``figures``: examples drawn with their ground truth; ``sync``: estimating a clip's audio-visual offset (notebook 09); ``python -m avscene.shift pretrain``: pretraining
outside notebooks.
"""
from . import figures, shortcuts, sync
from .dataset import ShiftDataset, collate, crop, to_device
from .evaluate import CONTROLS, baseline_scores, clip_offset_scores, evaluate, heldout, offset_sweep
from .pretraining import curriculum, curriculum_boundaries, pretrain, settings, training_set
from .task import ShiftTask, pair_logits

__all__ = ["CONTROLS", "ShiftDataset", "ShiftTask", "baseline_scores", "clip_offset_scores", "collate", "crop",
           "curriculum", "curriculum_boundaries", "evaluate", "figures", "heldout", "offset_sweep", "pair_logits",
           "pretrain", "settings", "shortcuts", "sync", "to_device", "training_set"]
