"""Course plumbing every notebook shares, below the paper sections and above models and training.

``outputs``: figures, ``metrics.json`` and self-checks (``outputs.begin`` starts a notebook);
``display``: inline audio and video; ``plots``: figures several notebooks draw; ``stats``: the 95 %
intervals of their bars; ``widgets``: sliders in live sessions, still views in batch runs; ``hub``: named
runs, published weights and ``make weights``;
``pipeline``: the series as a batch job (``make figures``); ``colab``: the setup cell's profile on Colab and
runs kept on Drive; ``readme``: the README's table of notebooks and run times (``make readme``); ``pins``:
platform markers for ``make freeze``.
"""
