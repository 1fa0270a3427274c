"""Networks: the early-fusion multisensory ``ShiftNet`` (Owens & Efros 2018; notebook 02).

``ShiftNet(width=64)`` is the original layer by layer; ``summary.layer_table`` tabulates its shapes,
parameters and FLOPs; ``summary.receptive_field`` its temporal receptive field.
"""
from .blocks import BatchNorm, BatchRenorm, ResBlock, SameConv, SameMaxPool, same_padding
from .mulaw import mu_law
from .shift_net import AudioAlign, Merge, ShiftFeatures, ShiftNet, SoundBranch, count_parameters

__all__ = ["AudioAlign", "BatchNorm", "BatchRenorm", "Merge", "ResBlock", "SameConv", "SameMaxPool",
           "ShiftFeatures", "ShiftNet", "SoundBranch", "count_parameters", "mu_law", "same_padding"]
