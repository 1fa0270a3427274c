"""On/off-screen source separation (notebook ``06_separation``; paper §6; reference notes §1.7).

The original ``sourcesep.py``: a pix2pix u-net reads the mixture's spectrogram (log magnitude and
phase), receives the shift network's video features at three scales, and predicts the on-screen and
off-screen sources' spectrograms; an audio-only variant trained with a permutation-invariant loss
(PIT) is the blind baseline.

* :mod:`.data`: solo clips, mixed in pairs at the original's levels, each pair on screen both ways.
* :mod:`.spectrogram`: the STFT front end (64 ms frames, 16 ms hop, dB mapped to [-1, 1], phase).
* :mod:`.unet`: the u-net with video injection and two heads.
* :mod:`.losses`: the ``full`` L1 loss and its PIT variant.
* :mod:`.metrics`: SDR/SIR/SAR (``mir_eval``), SI-SDR and its improvement, on/off assignment accuracy.
* :mod:`.model`, :mod:`.task`, :mod:`.runs`: ``SeparationNet``, its loss and evaluation, the variants as runs.
* :mod:`.results`, :mod:`.figures`: notebook 06's table over seeds (with bootstrap intervals), its
  ``metrics.json`` keys and its figures.
* :mod:`.separate`: any video, in sliding windows (``python -m avscene.separation separate VIDEO --out DIR``).
* :mod:`.voxceleb2`: the real-data path (``python -m avscene.separation train --data voxceleb2``).
"""
from __future__ import annotations
