"""Shared fixtures: a small dataset built once per test session."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def small_config():
    from artlib.dataset import BuildConfig

    return BuildConfig(n_sources=24, size=32, seed=3)


@pytest.fixture(scope="session")
def small_manifest(tmp_path_factory, small_config):
    from artlib.dataset import build_dataset

    return build_dataset(tmp_path_factory.mktemp("ds"), small_config, progress=False)
