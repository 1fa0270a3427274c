"""Objects that Sound (Arandjelović & Zisserman, ECCV 2018): audio-visual correspondence, cross-modal
retrieval and localisation (notebook ``07_objects_that_sound``; reference notes §2).

The second seed paper learns from the same raw material as Owens & Efros with another question: does
this frame go with this second of sound (negatives from *other* videos)? Correspondence learns *what*
makes a sound; the shift network's synchrony learns *when*.

* :mod:`.nets`: the VGG-like vision and audio subnetworks, AVE-Net (aligned unit embeddings, a
  distance-only decision), AVOL-Net (a similarity map, calibrated, sigmoid, spatial max), the L³-Net
  baseline, and their losses.
* :mod:`.spectrogram`: the audio input, 1 s of mono audio as a standardised log-magnitude
  spectrogram (10-ms window, 50 % overlap).
* :mod:`.avc`: the AVC pairs (a random offset, one code path for positives and negatives) and the
  paper's cautionary tale (``shortcut=True``: negatives through another decoder) with a hand-written
  detector of it.
* :mod:`.retrieval`: rankings, nDCG@k and Recall@k with relevance from class-set overlap, and a
  random-embedding baseline.
* :mod:`.task`: the AVC loss for ``avscene.train`` (cross-entropy for AVE-Net and L³-Net, BCE on AVOL-Net's
  max-pooled map) and the held-out AVC accuracy.
* :mod:`.variants`: the variants ``ave``, ``avol``, ``l3`` and ``ave_shortcut`` (AVE-Net on the shortcut pairs)
  and the profile each trains at (AVOL-Net in its own world, ``cfg.ots.avol``).
* :mod:`.runs`: the variants as named runs ``ots/<variant>/seed<k>`` on synthetic ``SoloDuetSet`` videos, and
  their held-out accuracy.
* :mod:`.embed`: held-out retrieval (image/audio -> image/audio) with each run's embeddings, beside random
  embeddings (import it, :mod:`.runs`, :mod:`.localize` or :mod:`.results` explicitly: they bring the
  training stack).
* :mod:`.localize`: AVOL-Net's maps on notebook 04's localization benchmark (its frames shown at AVOL-Net's
  training scale, its map put back on the benchmark's mask grid) and the table of every method (AVOL-Net per
  seed, the CAM model, motion energy, the centre prior, random maps) on the ``distractor`` and ``same_class``
  scenes, scored with ``avscene.localization.metrics``.
* :mod:`.results`: the tables over seeds, their markdown, and ``figures/07_objects_that_sound/metrics.json``'s
  keys; :mod:`.figures`: the notebook's figures.
"""
from __future__ import annotations

from . import avc, nets, retrieval, spectrogram
from .avc import AVCDataset
from .nets import AVENet, AVOLNet, L3Net, Subnet, avc_loss, avol_loss
from .spectrogram import log_spectrogram, spec_sizes

__all__ = ["AVCDataset", "AVENet", "AVOLNet", "L3Net", "Subnet", "avc", "avc_loss", "avol_loss", "log_spectrogram",
           "nets", "retrieval", "spec_sizes", "spectrogram"]
