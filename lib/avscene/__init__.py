"""avscene: a notebook-first reproduction of Owens & Efros (ECCV 2018) and its companions.

Importing the package is cheap and touches no network: submodules are imported on use
(``from avscene import config, io, synthetic, models, ...``).
"""
__version__ = "0.1.0"
