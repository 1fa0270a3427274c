"""Networks: the early-fusion multisensory ``ShiftNet`` (Owens & Efros 2018; notebook 02).

``ShiftNet(width=64)`` is the original layer by layer; ``summary.layer_table`` tabulates its shapes,
parameters and FLOPs; ``summary.receptive_field`` its temporal receptive field; ``inputs`` turns stored
frames and audio into the networks' inputs.
"""
from . import diagram, inputs, summary
from .blocks import BatchNorm, BatchRenorm, ResBlock, SameConv, SameMaxPool, same_padding
from .mulaw import mu_law
from .shift_net import AudioAlign, Merge, ShiftFeatures, ShiftNet, SoundBranch, count_parameters, feature_shapes

__all__ = ["diagram", "inputs", "summary", "AudioAlign", "BatchNorm", "BatchRenorm", "Merge", "ResBlock", "SameConv", "SameMaxPool",
           "ShiftFeatures", "ShiftNet", "SoundBranch", "count_parameters", "feature_shapes", "mu_law",
           "same_padding"]
