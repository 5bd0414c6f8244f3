"""artlib: a reproduction of Auto-Retoucher (ART), background replacement and foreground adjustment.

Modules, lower layers first; a module imports only modules of the layers above its own
(``tests/test_layers.py`` checks this):

1. :mod:`artlib.score` the spatial score of eq. (1); :mod:`artlib.labels` label sets of
   parsing maps; :mod:`artlib.paper` the paper's own numbers; :mod:`artlib.config` strict
   config dataclasses; :mod:`artlib.files` validated image reading, atomic writes, hashes
2. :mod:`artlib.compose` placements, boxes, alpha pasting (numpy and differentiable torch);
   :mod:`artlib.cues` the camera rule read from a parsing map (horizon, posts);
   :mod:`artlib.variety` a varied list of backgrounds (maximal marginal relevance);
   :mod:`artlib.outputs` the one rule for output folders (a claim written first, a journal)
3. :mod:`artlib.world` the synthetic world and its oracle; :mod:`artlib.inpaint` cutting the
   person out and filling the hole; :mod:`artlib.harmonize` colour harmonisation;
   :mod:`artlib.feasible` the feasible placements (geometry below the model and the search)
4. :mod:`artlib.photos` the real-photo front end: detect, matte, fill, parse one photo
5. :mod:`artlib.data` the ART dataset of Section 3 (sampling, sources, manifest, loader,
   audits, sources from photos) and the gallery folder
6. :mod:`artlib.model` the multi-task verifier of Section 4.2
7. :mod:`artlib.adjust` foreground adjustment (Section 4.3)
8. :mod:`artlib.train` training, metrics, checkpoints, DDP (Section 5), and
   the placement map's training (on the feasible placements of :mod:`artlib.feasible`)
9. :mod:`artlib.select` background selection (Section 4.1), the gallery's index;
   :mod:`artlib.choice` the verifier the book chose
10. :mod:`artlib.retouch` the whole retoucher (Figure 3); :mod:`artlib.widgets` the
    gradient-ascent widget; :mod:`artlib.explorer` the same without a kernel, for the HTML book
11. :mod:`artlib.evaluate` measures judged by the world's oracle, and of the real-photo stages
12. :mod:`artlib.ablation` Table 2 over seeds, code variants, the lambda grid; :mod:`artlib.plots`
    figures of the book; :mod:`artlib.exercises` graded exercises checked by the oracle
13. :mod:`artlib.chapters` executing the book; 14. :mod:`artlib.cli` the ``artlib`` command
"""
__version__ = "0.1.0"
