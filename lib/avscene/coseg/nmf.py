"""The NMF separation baseline that Sound of Pixels compares against (notebook 08;
Zhao et al., The Sound of Pixels, ECCV 2018; reference notes §3.4 and §3.5).

* **Training** (:func:`learn_bases`): per category, a KL-divergence NMF (multiplicative
  updates, ``sklearn.decomposition.NMF``) on the magnitude frames of that category's
  solo training clips, ``mag ≈ W @ H`` with the spectral bases ``W [F, k]`` as
  columns. Each basis is normalised to **unit L1 norm** (sums to 1 over frequency: a
  spectral shape), so the activations carry the energy.
* **Separation** (:func:`separate`): the bases of the ``S`` categories in the mixture
  are concatenated, ``W = [W_1 ... W_S]``, and held fixed while the activations ``H``
  are fit to the mixture magnitude (same KL loss, :func:`fit_activations`). Each
  source's model ``V_s = W_s H_s`` gives a Wiener-style soft mask
  ``V_s / (Σ_s V_s + eps)``, and the source's magnitude estimate is that mask times
  the mixture magnitude (the mixture phase is reused downstream, as for the
  networks, §3.4).

``max_iter`` caps the multiplicative updates; scikit-learn's ``ConvergenceWarning``
when the cap is reached is silenced.
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.decomposition import NMF, non_negative_factorization
from sklearn.exceptions import ConvergenceWarning

__all__ = ["fit_activations", "learn_bases", "separate"]

_BETA = "kullback-leibler"


def _magnitude(mag, name: str) -> np.ndarray:
    """A finite, non-negative float64 ``[F, T]`` array (ValueError otherwise)."""
    m = np.asarray(mag, dtype=np.float64)
    if m.ndim != 2 or 0 in m.shape:
        raise ValueError(f"{name} must be a non-empty [F, T] magnitude, "
                         f"got shape {m.shape}")
    if not np.isfinite(m).all():
        raise ValueError(f"{name} has NaN or infinite entries")
    if m.min() < 0:
        raise ValueError(f"{name} must be non-negative (a magnitude), min is {m.min()}")
    return m


def learn_bases(mags: Sequence[np.ndarray], n_components: int, *, seed: int = 0,
                max_iter: int = 300) -> np.ndarray:
    """Spectral bases of one category: ``mags`` (``[F, T_i]`` magnitude spectrograms of
    its solo training clips) -> float64 ``[F, n_components]``, each column summing to 1.

    KL-NMF (``solver="mu"``, ``init="nndsvda"``, ``random_state=seed``) on the
    concatenated frames ``X [T_total, F]`` (rows are frames): ``X ≈ A @ B`` with
    ``B [n_components, F]``, returned transposed so that ``mag ≈ W @ H``. A component
    that died (all zero) stays zero.
    """
    if isinstance(mags, np.ndarray) and mags.ndim == 2:
        mags = [mags]
    mats = [_magnitude(m, f"mags[{i}]") for i, m in enumerate(mags)]
    if not mats:
        raise ValueError("need at least one magnitude spectrogram")
    freqs = {m.shape[0] for m in mats}
    if len(freqs) != 1:
        raise ValueError("all spectrograms need the same number of bins F, "
                         f"got {sorted(freqs)}")
    if n_components < 1:
        raise ValueError(f"n_components must be >= 1, got {n_components}")
    x = np.concatenate([m.T for m in mats], axis=0)
    model = NMF(n_components=n_components, beta_loss=_BETA, solver="mu", init="nndsvda",
                random_state=seed, max_iter=max_iter)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)  # a silent class: 0 / 0
        model.fit(x)
    w = model.components_.T.astype(np.float64)
    sums = w.sum(axis=0, keepdims=True)
    return w / np.where(sums > 0, sums, 1.0)


def fit_activations(mix_mag, bases: Sequence[np.ndarray], *, max_iter: int = 200,
                    tol: float = 1e-4) -> np.ndarray:
    """Activations of fixed bases on a mixture: ``mix_mag [F, T]``, ``bases``
    (``[F, k_s]`` each) -> float64 ``[Σ k_s, T]``, minimising ``KL(mix_mag || W @ H)``
    over ``H >= 0`` with ``W = [W_1 ... W_S]`` fixed.

    scikit-learn factorises ``X ≈ W' H'`` and with ``update_H=False`` keeps ``H'``
    fixed, so the problem is transposed: ``X = mix_mag.T [T, F]``, ``H' = W.T`` (the
    bases) and the fitted ``W' [T, K]`` holds the activations. ``tol`` is
    scikit-learn's relative stopping tolerance (its default; 0 runs all ``max_iter``
    multiplicative updates). An all-zero mixture gets all-zero activations.
    """
    mix = _magnitude(mix_mag, "mix_mag")
    w = _bases(bases, mix.shape[0])
    if not mix.any():
        return np.zeros((w.shape[1], mix.shape[1]), dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # sklearn's stopping test divides by the initial error, 0 when the bases fit the mixture exactly
        warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
        acts, _, _ = non_negative_factorization(
            X=mix.T, H=np.ascontiguousarray(w.T), update_H=False,
            n_components=w.shape[1], beta_loss=_BETA, solver="mu", init="custom",
            max_iter=max_iter, tol=tol)
    return acts.T


def _bases(bases: Sequence[np.ndarray], n_freq: int) -> np.ndarray:
    """The concatenated ``[F, K]`` bases, checked against the mixture's ``F``."""
    mats = [np.asarray(b, dtype=np.float64) for b in bases]
    if not mats:
        raise ValueError("need the bases of at least one source")
    for i, b in enumerate(mats):
        if b.ndim != 2 or b.shape[0] != n_freq or b.shape[1] == 0:
            raise ValueError(f"bases[{i}] must be [F={n_freq}, k >= 1], "
                             f"got shape {b.shape}")
        if not np.isfinite(b).all() or b.min() < 0:
            raise ValueError(f"bases[{i}] must be finite and non-negative")
    return np.concatenate(mats, axis=1)


def separate(mix_mag, bases: Sequence[np.ndarray], *, max_iter: int = 200,
             eps: float = 1e-10, tol: float = 1e-4) -> np.ndarray:
    """Magnitude estimates of the ``S`` sources in a mixture: ``mix_mag [F, T]``,
    ``bases`` (one ``[F, k_s]`` per source, from :func:`learn_bases`) -> float64
    ``[S, F, T]``.

    ``V_s = W_s H_s`` with ``H`` from :func:`fit_activations`;
    ``mask_s = V_s / (Σ_s V_s + eps)``; estimate ``s`` = ``mask_s * mix_mag``. The
    masks lie in ``[0, 1]`` and sum to at most 1, so the estimates sum to the mixture
    wherever the model ``Σ_s V_s`` is well above ``eps``. ``max_iter`` and ``tol`` go
    to :func:`fit_activations`.
    """
    mix = _magnitude(mix_mag, "mix_mag")
    bases = list(bases)
    acts = fit_activations(mix, bases, max_iter=max_iter, tol=tol)
    sizes = [np.asarray(b).shape[1] for b in bases]
    edges = np.cumsum([0, *sizes])
    models = np.stack([np.asarray(b, dtype=np.float64) @ acts[lo:hi]
                       for b, lo, hi in zip(bases, edges[:-1], edges[1:], strict=True)])
    masks = models / (models.sum(axis=0, keepdims=True) + eps)
    return masks * mix[None]
