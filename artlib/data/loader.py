"""The samples of a built dataset as tensors, for training and evaluating the verifier.

Moved foregrounds F' are rendered on the fly from the person's sprite, so a dataset stores each
person once however many placements its samples use.

Shown in chapter 1; chapters 2 and 3 train on it.
"""
from __future__ import annotations

import os

import numpy as np
import torch

from ..compose import Placement, as_float_image, placement_box, render_foreground
from .manifest import Manifest, load_manifest
from .sources import SourceImages, read_source

__all__ = ["ARTDataset", "collate", "subset_rows"]


class ARTDataset(torch.utils.data.Dataset):
    """Samples of a built dataset as tensors; moved foregrounds are rendered on the fly.

    Each item is a dict:

    * ``fg``: ``(4, H, W)`` float32, F as premultiplied RGBA in [0, 1] (the person on a
      black, transparent canvas at the sample's placement);
    * ``bg``: ``(3, H, W)`` float32 RGB in [0, 1], the background B;
    * ``parse``: ``(H, W)`` int64 label ids of S (see :attr:`Manifest.labels`);
    * ``content``, ``spatial``: float32 targets; ``kind``: int64, the sample's :class:`~artlib.data.sampling.Kind`;
    * ``placement``: ``(3,)`` float32 ``(x, y, scale)`` of F.

    Args:
        data: a dataset folder or a loaded :class:`Manifest`.
        split: ``"train"``, ``"val"``, ``"test"`` or ``"all"``.
        cache: keep decoded source images in memory (per worker process).
    """

    def __init__(self, data: str | os.PathLike | Manifest, split: str = "train", cache: bool = True):
        self.manifest = data if isinstance(data, Manifest) else load_manifest(data)
        self.rows = self.manifest.rows(split)
        self.cache = cache
        self._cache: dict[int, SourceImages] = {}
        self._tensors: dict[int, tuple[np.ndarray, torch.Tensor, torch.Tensor]] = {}
        self.size = self.manifest.config.size
        s = self.manifest.samples
        self._targets = {
            "content": torch.from_numpy(s["content"][self.rows].astype(np.float32)),
            "spatial": torch.from_numpy(s["spatial"][self.rows].astype(np.float32)),
            "kind": torch.from_numpy(s["kind"][self.rows]),
            "placement": torch.from_numpy(np.stack([s["x"], s["y"], s["scale"]], 1)[self.rows].astype(np.float32)),
        }

    def __len__(self) -> int:
        return len(self.rows)

    def _read(self, index: int) -> SourceImages:
        return read_source(self.manifest.root, index, self.size, self.manifest.sources[index].get("sha256"),
                           len(self.manifest.labels))

    def source(self, index: int) -> SourceImages:
        """The decoded images of a source (cached when ``cache``; the training path caches tensors instead)."""
        if index in self._cache:
            return self._cache[index]
        src = self._read(index)
        if self.cache:
            self._cache[index] = src
        return src

    def _source_tensors(self, index: int) -> tuple[np.ndarray, torch.Tensor, torch.Tensor]:
        """Float sprite, ``(3, H, W)`` background and ``(H, W)`` labels of a source (cached)."""
        if index in self._tensors:
            return self._tensors[index]
        src = self._cache.get(index) or self._read(index)  # items keep one copy per source, as tensors
        out = (
            as_float_image(src.sprite, 4, "sprite"),
            torch.from_numpy(as_float_image(src.background, 3, "background").transpose(2, 0, 1)),
            torch.from_numpy(src.labels.astype(np.int64)),
        )
        if self.cache:
            self._tensors[index] = out
        return out

    def __getitem__(self, k: int) -> dict[str, torch.Tensor]:
        s = self.manifest.samples
        r = int(self.rows[k])
        p = Placement(float(s["x"][r]), float(s["y"][r]), float(s["scale"][r]))
        sprite = self._source_tensors(int(s["fg_source"][r]))[0]
        _, bg, parse = self._source_tensors(int(s["bg_source"][r]))
        fg = render_foreground(sprite, p, (self.size, self.size))
        # bg and parse are the cached tensors themselves: do not modify them in place
        return {
            "fg": torch.from_numpy(np.ascontiguousarray(fg.transpose(2, 0, 1))),
            "bg": bg,
            "parse": parse,
            **{name: t[k] for name, t in self._targets.items()},
        }

    def box(self, k: int) -> np.ndarray:
        """The bounding box of sample ``k``'s foreground (normalised units)."""
        s = self.manifest.samples
        r = int(self.rows[k])
        sprite = self.source(int(s["fg_source"][r])).sprite
        return placement_box(sprite.shape[:2], Placement(s["x"][r], s["y"][r], s["scale"][r]), (self.size, self.size))


def collate(items: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Stack dataset items into a batch: each value gains a leading ``B`` dimension."""
    return {k: torch.stack([it[k] for it in items]) for k in items[0]}


def subset_rows(n: int, limit: int, seed: int) -> np.ndarray:
    """A fixed random subset of ``limit`` of ``n`` rows (all rows when ``limit`` is 0)."""
    if limit <= 0 or limit >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng([seed, 11]).choice(n, limit, replace=False))
