"""A synthetic audio-visual world with ground truth, so every claim can be measured on a CPU (step 3).

``World(cfg.media, difficulty, seed=cfg.seed).clip(i)`` gives video ``i`` with frames, audio and ground
truth (``scene.SceneClip``); ``datasets`` builds the pretext, action-recognition, separation, retrieval
and co-segmentation sets on it; ``write.write_dataset`` saves mp4 (H.264 + AAC) files plus a
ground-truth ``.npz`` per clip. Object classes: ``objects.CLASS_NAMES``; difficulty presets:
``difficulty.PRESETS`` (``easy``, ``default``, ``hard``).
"""
from .difficulty import PRESETS, Difficulty
from .objects import CLASS_NAMES, N_CLASSES
from .scene import SceneClip, SceneSpec, World
from .write import read_ground_truth, write_dataset

__all__ = ["World", "SceneClip", "SceneSpec", "Difficulty", "PRESETS", "CLASS_NAMES", "N_CLASSES",
           "write_dataset", "read_ground_truth"]
