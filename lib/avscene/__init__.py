"""avscene: a notebook-first reproduction of Owens & Efros (ECCV 2018) and its companions.

Shared parts, bottom to top: ``config``, ``runtime``, ``sampling``, ``sync_baseline`` (leaves); ``io``,
``synthetic``, ``datasets``; ``models``; ``train``; ``course``. Above them one package per paper section,
each naming its notebooks: ``shift`` (§3, notebooks 01-03), ``localization`` (§4, notebook 04). No module
imports one above it (``tests/test_layers.py``). Importing the package is cheap and touches no network:
submodules are imported on use (``from avscene import config, shift``).
"""
__version__ = "0.1.0"
