"""§5 of Owens & Efros (2018): action recognition by fine-tuning the shift network (notebook
``05_action_recognition``).

* ``model``: ``ActionNet``, the shift network with the original's classification head (reference notes §1.8);
* ``data``: clips cut from labelled videos (synthetic ``ActionSet`` videos or UCF-101), their augmentation
  and the input *views* of the probes (one frame, sound only);
* ``task``: the loss (softmax cross-entropy, optional label smoothing) and test accuracy over clips;
* ``finetune``: one fine-tuning run of a named *variant* (pretrained, scratch, audio zeroed, random
  negatives, linear probe, the probes), published and found by name like every run;
* ``ablation``: the paper's table, the labels-per-class curve and the probes, over seeds;
* ``figures``: the pictures of notebook 05; ``ucf101``: the real-data path
  (``python -m avscene.action finetune --data ucf101``).
"""
from .model import ActionNet, restore

__all__ = ["ActionNet", "restore"]
