"""artlib: a reproduction of Auto-Retoucher (ART), background replacement and foreground adjustment.

Modules, lower layers first (a module imports only those above it in this list):

* :mod:`artlib.score`    the spatial score of eq. (1)
* :mod:`artlib.compose`  placements, boxes, alpha pasting (numpy and differentiable torch)
* :mod:`artlib.files`    validated image reading, atomic writes, hashes
* :mod:`artlib.synth`    the synthetic world and its oracle
* :mod:`artlib.inpaint`  cutting the person out and filling the hole (and the leak)
* :mod:`artlib.config`   strict construction of config dataclasses
* :mod:`artlib.dataset`  the ART dataset of Section 3: sources, manifest, torch Dataset
* :mod:`artlib.model`    the multi-task verifier of Section 4.2
* :mod:`artlib.train`    training, metrics, checkpoints, DDP (Section 5)
* :mod:`artlib.ablation` Table 2 over seeds, code variants, the lambda grid
* :mod:`artlib.plots`    figures of the book
* :mod:`artlib.paper`    the paper's own numbers
* :mod:`artlib.chapters`, :mod:`artlib.cli`  executing the book
"""
__version__ = "0.1.0"
