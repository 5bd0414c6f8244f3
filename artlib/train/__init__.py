"""Training and evaluating the verifier (Section 5).

The paper trains with Adam (lr 1e-5), batch 20, dropout 0.3 and lambda = 0.5 on a 20% test
split. :func:`train` does the same with any :class:`~artlib.model.VerifierConfig`, shows a
tqdm bar with the running loss, evaluates on the **validation** split every epoch, keeps the
epoch with the lowest validation loss, and reads the **test** split once, at the end, with
that epoch's weights. It writes into its run folder:

* ``checkpoint.pt``: model, optimizer, epoch, RNG states, configs, label set and history,
  written atomically after every epoch (for resuming); :func:`load_checkpoint` reads it with
  ``weights_only=True`` and refuses one whose configuration differs from the requested one;
* ``best.pt``: the same for the epoch chosen on validation (what :func:`load_verifier` loads);
* ``metrics.json``: the configs, the per-epoch validation history, the chosen epoch, and its
  validation and test metrics;
* ``predictions.npz``: the chosen epoch's test predictions, for the book's plots.

A run that is stopped resumes from its last checkpoint and ends with the same weights as an
uninterrupted run (same seed, CPU). A run that looks finished is verified before it is
trusted: both checkpoints must load and agree with ``metrics.json``. Under ``torchrun``
(``WORLD_SIZE > 1``) it trains with DistributedDataParallel: gloo on CPU, NCCL on CUDA;
rank 0 evaluates and writes.

* :mod:`artlib.train.config`: :class:`TrainConfig` and the checks before training;
* :mod:`artlib.train.metrics`: predictions and the metrics of Section 5;
* :mod:`artlib.train.checkpoint`: checkpoint files (written atomically, read with ``weights_only``, checksummed);
* :mod:`artlib.train.run`: "is this the same run, and is it finished?", answered in one place;
* :mod:`artlib.train.loop`: :func:`train`;
* :mod:`artlib.train.placement_map`: :func:`train_placement_map`, the one-pass placement map of a
  trained verifier (chapter 4).

Shown in chapters 2 and 3.
"""
import lazy_loader

# Submodules load on first use (SPEC 1, scientific-python's lazy_loader): importing a config
# does not import torch, so ``artlib --help`` answers at once.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        'checkpoint': ['load_checkpoint', 'load_verifier', 'load_weights', 'save_checkpoint'],
        'run': ['finished_disagreement', 'matching_run', 'run_diffs'],
        'config': ['FINE_TUNING_LR', 'TrainConfig', 'check_recipe', 'resolve_device'],
        'loop': ['read_metrics', 'train', 'train_like'],
        'metrics': ['metrics', 'predict', 'validation_loss'],
        'placement_map': ['MAP_FILE', 'MapTrainConfig', 'TARGETS', 'eq1_targets', 'fit_epoch', 'load_placement_map', 'map_history',
                          'prepare_queries', 'sample_placements', 'teacher_scores', 'train_placement_map'],
    },
)
