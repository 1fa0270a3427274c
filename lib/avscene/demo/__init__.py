"""One command for your own clip: ``python -m avscene demo VIDEO --out DIR`` (notebook 09).

A student's first question is "what does the real model do on a real video?". The demo decodes any video
with the project's frame-exact loader (``avscene.io``) at the rates of the chosen weights, and writes into
``DIR``:

* ``sync.png`` / ``sync.json``: the sync offset curve of the shift network (``avscene.shift.sync``), the
  estimated offset (+ = audio late) and its SyncNet-style confidence (max - median of the curve, logits);
* ``cam.mp4``: the class activation map over the frames, with the clip's sound (``avscene.localization``);
* ``on.wav``, ``off.wav``, ``on_screen.mp4``: on/off-screen separation, when separation weights are given
  (``avscene.separation``).

Weights (``--weights``): ``original`` (the authors' released networks, converted and registered by
``python -m avscene.convert``), ``cpu`` (this course's own ``cpu`` runs, trained on the synthetic world:
not a model of real video, and labelled so), or a converted ``.pt`` file or folder. Modules: ``weights``
(which networks, their media and labels), ``media`` (validation and decoding), ``render`` (the files),
``run`` (:func:`avscene.demo.run.demo`, usable from a notebook), ``__main__`` (the command line).
"""
from .run import DemoResult, demo
from .weights import DemoError, Weights, WeightsUnavailable

__all__ = ["DemoError", "DemoResult", "Weights", "WeightsUnavailable", "demo"]
