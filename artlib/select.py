"""Background selection (Section 4.1): rank a gallery of backgrounds with the content head.

"Several background images will be sampled from gallery. A global consistency score is given
by our pre-trained multitask model. Top-k backgrounds with high global consistency scores will
be sent into the next stage." The authors' code scores 100 random backgrounds and re-encodes
F, B and S for every pair. Here a :class:`GalleryIndex` encodes every background B and its
parsing map S **once** with the verifier's encoders (:meth:`artlib.model.Verifier.encode_context`)
and stores the features on disk with the identity of the verifier's weights; scoring one
foreground against the whole gallery is then one F encoding plus the fusion layer and the
content head, in batches.

**The foreground is scored at its own placement**, as the paper does: F is the person where
they stood in their photo. The content score therefore sees that placement on every
background; a person who stood low in the frame is judged standing low everywhere. Under the
paper's sampling this couples placement and content (chapter 2's shortcut). A verifier with
``person_crop`` (chapter 3) sees the person cut out at a fixed size instead, so the placement
does not sway its content score.

**A varied top k.** The paper keeps the k highest scores, which are often k copies of one kind
of place, right or wrong. :func:`diverse_ranking` keeps the best background first and then
trades score against likeness to those already kept (maximal marginal relevance, Carbonell and
Goldstein 1998), with likeness measured by :func:`~artlib.variety.surface_colours`: what each
surface of the background (each label of S) looks like (:mod:`artlib.variety`). The index keeps
those colours. ``diversity=0`` is the plain top k.

The gallery folder format is :mod:`artlib.data.gallery`'s.

Shown in chapter 5.
"""
from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from .data.gallery import Gallery
from .files import atomic_write_bytes, shown, torch_load
from .model import Context, Verifier, verifier_identity
from .variety import DIVERSITY, diverse_ranking, surface_colours

__all__ = ["GalleryIndex", "INDEX_VERSION", "cached_index", "index_cache_paths"]

#: Version 2 stores a SHA-256 of the features, checked on every load; version 3 adds the surface colours.
INDEX_VERSION = 3

def _index_digest(identity: str, names: list[str], hashes: list[str], *tensors: torch.Tensor) -> str:
    h = hashlib.sha256(repr((INDEX_VERSION, identity, list(names), list(hashes))).encode())
    for t in tensors:
        h.update(repr((str(t.dtype), tuple(t.shape))).encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


class GalleryIndex:
    """The backgrounds of a gallery encoded once: ``h_B``, ``h_S`` per background, with their names.

    Build it with :meth:`build`, keep it with :meth:`save`, reload it with :meth:`load` (which
    refuses an index made by another verifier or from other files), and rank a foreground with
    :meth:`scores` / :meth:`top_k`.
    """

    def __init__(self, names: list[str], context: Context, identity: str, hashes: list[str], surfaces: torch.Tensor):
        self.names, self.context, self.identity, self.hashes = names, context, identity, hashes
        #: ``(N, 3 L)`` :func:`surface_colours` of the backgrounds, for :meth:`ranking`'s variety
        self.surfaces = surfaces

    def __len__(self) -> int:
        return len(self.names)

    @classmethod
    @torch.no_grad()
    def build(cls, verifier: Verifier, gallery: Gallery, batch_size: int = 256, progress: bool = False,
              identity: str | None = None) -> "GalleryIndex":
        """Encode every background and its parsing map once (content features only).

        ``identity`` is the verifier's :func:`~artlib.model.verifier_identity`, when the caller has it
        (hashing every weight costs about a second for the paper's ResNet-50s)."""
        verifier.eval()
        device = next(verifier.parameters()).device
        h_b, h_s = [], []
        for i in tqdm(range(0, len(gallery), batch_size), desc="index", disable=not progress, mininterval=2):
            bg = torch.from_numpy(gallery.backgrounds[i : i + batch_size]).permute(0, 3, 1, 2).float().div(255).to(device)
            lab = torch.from_numpy(gallery.labels[i : i + batch_size].astype(np.int64)).to(device)
            b = verifier.prepare_bg(bg)
            h_b.append(verifier.encode(verifier.enc_b, b).cpu())
            h_s.append(verifier.encode(verifier.enc_s, verifier.prepare_parse(lab)).cpu())
        surfaces = torch.from_numpy(surface_colours(gallery.backgrounds, gallery.labels, verifier.n_labels))
        return cls(list(gallery.names), Context(torch.cat(h_b), torch.cat(h_s)), identity or verifier_identity(verifier),
                   list(gallery.hashes), surfaces)

    def digest(self) -> str:
        """SHA-256 of the index's content: features, names, file hashes and the verifier's identity."""
        return _index_digest(self.identity, self.names, self.hashes, self.context.h_b, self.context.h_s, self.surfaces)

    def save(self, path: str | os.PathLike) -> None:
        """Write the index atomically (tensors and plain values: loads with ``weights_only=True``)."""
        buf = io.BytesIO()
        torch.save({"version": INDEX_VERSION, "identity": self.identity, "names": self.names, "hashes": self.hashes,
                    "h_b": self.context.h_b, "h_s": self.context.h_s, "surfaces": self.surfaces,
                    "digest": self.digest()}, buf)
        atomic_write_bytes(path, buf.getvalue())

    @classmethod
    def load(cls, path: str | os.PathLike, verifier: Verifier, gallery: Gallery | None = None,
             identity: str | None = None) -> "GalleryIndex":
        """Read an index and verify it in content before trusting it.

        Refused (``ValueError``) when it is unreadable, malformed or not a regular file, when its
        features do not hash to the digest stored with them (bytes changed on disk), when a
        feature is not a finite number, when another verifier made it, or (given ``gallery``)
        when the gallery's files changed since.

        The digest is a checksum, not a seal: anyone can recompute it with this public, unkeyed
        function, so it finds damage, not forgery. That is why values are also checked for what
        they must be (finite), whatever the digest says.
        """
        path = Path(path)
        d = torch_load(path, "gallery index")
        if not isinstance(d, dict) or d.get("version") != INDEX_VERSION:
            raise ValueError(f"{path}: not a gallery index of version {INDEX_VERSION}")
        try:
            index = cls(list(d["names"]), Context(d["h_b"], d["h_s"]), str(d["identity"]), list(d["hashes"]), d["surfaces"])
            stored = d["digest"]
            ok = (all(isinstance(t, torch.Tensor) for t in (index.context.h_b, index.context.h_s, index.surfaces))
                  and len(index.context.h_b) == len(index.context.h_s) == len(index.surfaces) == len(index.names)
                  == len(index.hashes))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{shown(path)}: a malformed gallery index (no {exc})") from None
        if not ok or index.digest() != stored:
            raise ValueError(f"{shown(path)}: the index's content does not match its digest (changed or corrupt); build it again")
        if not all(bool(torch.isfinite(t).all()) for t in (index.context.h_b, index.context.h_s, index.surfaces)):
            raise ValueError(f"{shown(path)}: the index holds features that are not finite numbers; build it again")
        if index.identity != (identity or verifier_identity(verifier)):
            raise ValueError(f"{path}: the index was built with another verifier (checkpoint); build it again")
        if gallery is not None and (index.names != gallery.names or index.hashes != gallery.hashes):
            raise ValueError(f"{path}: the gallery's files changed since the index was built; build it again")
        return index

    @torch.no_grad()
    def scores(self, verifier: Verifier, fg: torch.Tensor, batch_size: int = 4096) -> np.ndarray:
        """Content scores ``(N,)`` of one foreground ``(1, 4, H, W)`` (premultiplied, at its own
        placement) against every background: F is encoded once, then fusion and head in batches."""
        if fg.ndim != 4 or fg.shape[:2] != (1, 4):
            raise ValueError(f"fg must be one premultiplied RGBA foreground (1, 4, H, W), got {tuple(fg.shape)}")
        verifier.eval()
        device = next(verifier.parameters()).device
        code = verifier.person_code(fg.to(device))
        out = []
        for i in range(0, len(self), batch_size):
            h_b, h_s = self.context.h_b[i : i + batch_size].to(device), self.context.h_s[i : i + batch_size].to(device)
            p = verifier.content_probability(verifier.content_logits(code.expand(len(h_b), -1), h_b, h_s))
            out.append(p.double().cpu())
        return torch.cat(out).numpy()

    def top_k(self, verifier: Verifier, fg: torch.Tensor, k: int) -> list[tuple[str, float]]:
        """The ``k`` best backgrounds for a foreground: ``[(name, content score), ...]``, best first
        (the paper's plain top k; ``k`` from 1 to the gallery's size)."""
        return self.ranking(verifier, fg, k, diversity=0.0)

    def ranking(self, verifier: Verifier, fg: torch.Tensor, k: int, diversity: float = DIVERSITY) -> list[tuple[str, float]]:
        """The ``k`` backgrounds kept for a foreground, ``[(name, content score), ...]`` in the order
        :func:`diverse_ranking` keeps them (``diversity=0``: the plain top k)."""
        if not 1 <= k <= len(self):
            raise ValueError(f"k must be in [1, {len(self)}] (the gallery's size), got {k}")
        s = self.scores(verifier, fg)
        order = diverse_ranking(s, self.surfaces.numpy(), k, diversity)
        return [(self.names[i], float(s[i])) for i in order]


def index_cache_paths(gallery: Gallery, verifier: Verifier, identity: str | None = None) -> list[Path]:
    """Where :func:`cached_index` keeps a gallery's index, in order of preference.

    First ``GALLERY/.index-ID.pt`` beside the backgrounds (``ID`` from the verifier's identity);
    then, for a gallery that cannot be written (read-only, full), a file in the user's cache
    folder (``$XDG_CACHE_HOME/artlib``, else ``~/.cache/artlib``) named after the gallery's
    absolute path and the verifier.
    """
    ident = (identity or verifier_identity(verifier))[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "artlib"
    where = hashlib.sha256(str(Path(gallery.root).resolve()).encode()).hexdigest()[:16]
    return [Path(gallery.root) / f".index-{ident}.pt", cache / f"index-{where}-{ident}.pt"]


def cached_index(verifier: Verifier, gallery: Gallery, progress: bool = False,
                 note=lambda text: None) -> GalleryIndex:
    """The gallery's index: loaded from a cache that verifies (:meth:`GalleryIndex.load`), or built and saved.

    An index that is missing, stale, foreign or corrupt is built again. It is saved to the first
    of :func:`index_cache_paths` that can be written; when none can (a read-only gallery and no
    cache folder), it is kept in memory for this run only. ``note(text)`` is told which, so a
    command can say so.
    """
    identity = verifier_identity(verifier)  # once: every step below compares it
    paths = index_cache_paths(gallery, verifier, identity)
    for path in paths:
        try:
            return GalleryIndex.load(path, verifier, gallery, identity)
        except (FileNotFoundError, ValueError, OSError):
            continue
    index = GalleryIndex.build(verifier, gallery, progress=progress, identity=identity)
    problems = []
    for path in paths:
        try:
            index.save(path)
        except (OSError, ValueError) as exc:
            problems.append(str(exc))
            continue
        if path != paths[0]:
            note(f"the gallery's index could not be written beside it ({problems[0]}); cached in {path.parent}")
        return index
    note(f"the gallery's index could not be cached ({'; '.join(problems)}); kept in memory for this run")
    return index
