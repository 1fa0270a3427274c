"""Where is the sound? Sound-source localization measured against ground truth (notebook 04).

``benchmark.build(cfg, kind)`` makes synthetic scenes with silent moving distractors or off-screen sound
and their sounding-object masks; ``cam_model.finetune`` makes the CAM model (the shift network with
spatial strides removed, fine-tuned, as the original ``cam_v1``; the run named ``cam``); ``cam.cam_clips``
computes the shift network's class activation maps (Owens & Efros 2018, §4) and ``cam.to_frames`` puts
them on the frame; ``baselines`` gives the centre
prior, motion energy and random maps; ``metrics.score`` measures any model's maps (pointing game, cIoU,
cIoU@0.5, AUC; reference notes §5), so AVOL-Net (notebook 07) and co-segmentation (notebook 08) plug
in; ``overlay`` draws the original's heat-map overlay and overlay videos; ``figures`` the benchmark's
scenes beside their maps.
"""
from . import baselines, benchmark, cam, cam_model, figures, metrics, overlay
from .benchmark import ALL_KINDS, KINDS, Benchmark, build
from .cam import CamGeometry, CamResult, cam_clips, to_frames
from .metrics import Scores, score

__all__ = ["ALL_KINDS", "Benchmark", "CamGeometry", "CamResult", "KINDS", "Scores", "baselines", "benchmark", "build",
           "cam", "cam_clips", "cam_model", "figures", "metrics", "overlay", "score", "to_frames"]
