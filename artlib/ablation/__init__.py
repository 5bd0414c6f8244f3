"""Ablations of the verifier (Table 2 of the paper, and more), and the study that chooses the book's verifier.

Split by concern: :mod:`~artlib.ablation.table2` and :mod:`~artlib.ablation.study`.

* :func:`run_grid`: Table 2 over seeds (variants of the paper's model and of the authors'
  code) and the lambda grid; :func:`summarize`, :func:`signal_to_noise`, :func:`findings`.
* :func:`run_study`: the spatial head's study (sampling recipe x spatial fusion, :data:`STUDY`),
  every variant measured on *validation* by the oracle; :func:`choose` applies the choice rule;
  the choice is recorded by :mod:`artlib.choice` for chapters 4 to 6;
  :func:`test_report` reads the test split and the fresh test scenes once per reported row.

Every run is an ordinary :func:`artlib.train.train` run in its own folder, so an ablation
that is stopped resumes where it stopped and a finished one is read back at once.

Shown in chapter 3.
"""
from .study import GOALS, STUDY, choose, goal_table, run_study, split_measures, study_config, test_report
from .table2 import (METRICS, VARIANTS, findings, lambda_table, noise_summary, run_grid, seed_noise, signal_to_noise,
                     summarize, verdict)

__all__ = ["GOALS", "METRICS", "STUDY", "VARIANTS", "choose", "findings", "goal_table", "lambda_table", "noise_summary",
           "run_grid", "run_study", "seed_noise", "signal_to_noise", "split_measures", "study_config", "summarize",
           "test_report", "verdict"]
