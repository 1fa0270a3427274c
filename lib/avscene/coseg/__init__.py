"""Sound of Pixels Mix-and-Separate and audio-visual co-segmentation (notebook ``08_coseg``; Zhao et al., ECCV
2018, and Rouditchenko et al., ICASSP 2019; reference notes §3).

Mix two solo videos' sounds, and from the mixture and each video's frames predict a spectrogram mask that pulls
that video's sound back out; K feature channels shared by the image net, the audio net and a linear synthesizer
then both separate and segment, and with a softmax over channels each channel comes to stand for one kind of
object, which a small labelled set names.

* :mod:`.spectrogram`: the official STFT (n_fft 1022, hop 256, 512 bins), the log-frequency warp to 256 rows
  with ``grid_sample`` and its inverse (``align_corners`` stated once, the same for both).
* :mod:`.masks`: the binary (source > 0.5 × mixture, after warping) and ratio targets, the loss weights and the
  weighted BCE / L1 of the official code, masks applied at evaluation.
* :mod:`.nets`: the 7-level audio U-Net with K output channels, the dilated ResNet-18 image net, the linear
  synthesizer (also per visual location: ``pixelwise``), the official initialisation.
* :mod:`.assign`: channel-to-category assignment on labelled solo clips (argmax and Hungarian) and the
  sigmoid → softmax-over-channels schedule of co-segmentation.
* :mod:`.data`: Mix-and-Separate examples from solo videos (N distinct videos, 3 spaced frames and the
  sound around the centre frame on one timeline, train-time gain, mixture = mean) and the network's inputs and
  targets in the official order (warp, then targets, then the log input).
* :mod:`.evaluate`: the official evaluation: masks un-warped, thresholded and applied to the mixture, rebuilt
  with its phase, SDR / SIR / SAR and NSDR by ``mir_eval`` (silent mixtures skipped and counted), and the ideal
  binary mask as an oracle through the same path.
* :mod:`.nmf`: the NMF separation baseline (per-class KL-NMF bases, activations fitted on the mixture,
  Wiener-style masks).
* :mod:`.task`: the Mix-and-Separate loss for ``avscene.train`` (weighted BCE on binary masks, or L1 on ratio
  masks; the co-segmentation softmax at every location, its temperature following the step).
* :mod:`.runs`: the runs ``coseg/sop/seed<k>``, ``coseg/ratio/seed<k>`` and ``coseg/coseg/seed<k>`` (the last
  continues the first with the softmax), the solo videos' own media, the learning-rate groups.
* :mod:`.scores`: every separation method (the network with and without frames, NMF, the ideal binary mask)
  through one path to ``mir_eval``.
* :mod:`.segment`: the labelled solo clips, the channel × category matrix and its assignment, segmentation IoU
  on held-out duets.
* :mod:`.localize`: the pixel sound maps on notebook 04's benchmark, scored as CAM and AVOL-Net are.
* :mod:`.experiment` and :mod:`.results`: everything notebook 08 measures per seed, its tables and
  ``metrics.json`` keys; :mod:`.figures`: its figures.
* :mod:`.music`: MUSIC's solo videos (``data_scripts/music.py``) as a source; ``python -m avscene.coseg train``
  trains and scores a run on them or on the synthetic world.
"""
