"""Where and how a notebook runs: device choice, seeding, progress bars, the environment report.

Serves the setup cell of every notebook (step 1) and the training loop's reproducibility.
"""
from __future__ import annotations

import importlib.metadata
import multiprocessing
import os
import platform
import random
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Iterable, TypeVar

import numpy as np
import torch
from tqdm.auto import tqdm

T = TypeVar("T")
DEVICE_ENV_VAR = "AVSCENE_DEVICE"
BATCH_ENV_VAR = "AVSCENE_BATCH"  # "1": a batch run (the pipeline and nbval set it): never build widgets
INTERACTIVE_ENV_VAR = "AVSCENE_INTERACTIVE"  # "1": build widgets in a frontend not recognised below


def pick_device(prefer: str | None = None) -> torch.device:
    """cuda if present, else mps, else cpu; ``prefer`` or ``$AVSCENE_DEVICE`` overrides."""
    prefer = prefer or os.environ.get(DEVICE_ENV_VAR)
    if prefer:
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (every device) from one integer."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def flush_denormals() -> bool:
    """Flush denormal floats to zero on this CPU (a no-op where unsupported); returns whether it took effect.

    Weights and activations that decay towards zero late in training become denormal, and x86 CPUs compute
    on them many times slower: notebook 04's à-trous CAMs of a trained network ran 7.5× faster with denormals
    flushed, training about 10 % faster. Values below ~1e-38 then count as 0, so runs with and without
    differ in the last bits. Call it before the first parallel computation (``outputs.begin`` and the
    command-line entry points do): threads started earlier keep their old setting.
    """
    return bool(torch.set_flush_denormal(True))


def in_colab() -> bool:
    return "google.colab" in sys.modules


def in_notebook() -> bool:
    """True inside a Jupyter kernel (Jupyter, Colab, papermill, nbval); False in scripts and tests."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def interactive() -> bool:
    """True only in a notebook session a person drives, where widgets work (notebooks 01 and 04).

    A Jupyter kernel (:func:`in_notebook`) that is not a batch run (``$AVSCENE_BATCH``, set by ``make
    figures`` and ``make test``) and whose frontend renders widgets: Colab, a Jupyter server (which sets
    ``JPY_SESSION_NAME`` for its kernels), VS Code, or any frontend when ``$AVSCENE_INTERACTIVE=1``.
    papermill and nbval set none of these, so a batch run started by hand is treated as batch too:
    widget messages with no frontend to answer them can stall a kernel.
    """
    if not in_notebook() or os.environ.get(BATCH_ENV_VAR, "0") not in ("", "0"):
        return False
    if os.environ.get(INTERACTIVE_ENV_VAR, "0") not in ("", "0"):
        return True
    return in_colab() or "JPY_SESSION_NAME" in os.environ or "VSCODE_PID" in os.environ


def progress(iterable: Iterable[T] | None = None, **kwargs: Any) -> tqdm:
    """A ``tqdm.auto`` progress bar (a widget in notebooks, text elsewhere; never ``tqdm.notebook``)."""
    kwargs.setdefault("dynamic_ncols", True)
    kwargs.setdefault("mininterval", 1.0)
    return tqdm(iterable, **kwargs)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes that never inherit this process's threads (dataset scans, the clip
    cache): workers come from a fork server (Linux) or are spawned, not forked from here. A process that
    runs PyTorch or FFmpeg has threads, and a fork taken while one of them holds a lock can hang the
    child forever (seen: a scan after another scan in one test session)."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def environment() -> dict[str, Any]:
    """Versions, device and machine facts, as recorded in every ``metrics.json``."""
    device = pick_device()
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "device": str(device),
        "colab": in_colab(),
        "versions": {name: _version(name) for name in
                     ("avscene", "torch", "torchaudio", "torchvision", "av", "numpy", "scipy")},
    }
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        info["gpu"] = {"name": props.name, "memory_gib": round(props.total_memory / 2**30, 1)}
    return info


def report() -> dict[str, Any]:
    """Print the environment in a few lines (the setup cell of every notebook) and return it."""
    info = environment()
    gpu = info.get("gpu")
    where = f"{gpu['name']} ({gpu['memory_gib']} GiB)" if gpu else f"{info['cpu_count']} CPU cores"
    print(f"device: {info['device']} - {where}; Python {info['python']}"
          + (" on Colab" if info["colab"] else ""))
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v))
    return info
