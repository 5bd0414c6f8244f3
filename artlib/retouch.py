"""The whole Auto-Retoucher (Section 4.1, Figure 3): background selection, then foreground adjustment.

Given a foreground cut-out, :func:`retouch` ranks a gallery of backgrounds with the content
head (:mod:`artlib.select`), keeps the top ``k``, adjusts the foreground on each
(:mod:`artlib.adjust`), optionally harmonises the composite (:mod:`artlib.harmonize`), and
returns the results ranked by content score. It is built only from those three modules.

**The foreground** is an RGBA cut-out (straight alpha), in one of two forms:

* *full-frame*: the photo's canvas, transparent except for the person where they stood. Its
  alpha gives the starting placement (the box's bottom centre and height) and the tight
  sprite; background selection scores the person at that placement, as the paper does;
* *tightly cropped*: the person alone; the placement to score and to start from is ``start``,
  or :data:`DEFAULT_START` (standing centred, feet at 0.9 of the height, half the canvas tall).

:func:`foreground_from_cutout` tells the two apart: a cut-out whose alpha box touches all four
edges is taken as cropped, anything else as full-frame. A full-frame person whom the photo cut
at its bottom edge (:func:`artlib.compose.cut_at_bottom`: a half-length portrait) keeps the cut
on the composite's bottom edge: the search moves and scales them with ``y = 1``
(:attr:`artlib.adjust.AdjustConfig.feet_at_bottom`), so they never float.

**The camera band.** A gallery made from photos carries each photo's camera rule, read from the
people it shows (:func:`artlib.photos.read_camera`). Where the people set it (or the eye-level
prior through them), the search keeps a whole standing person's height within
``AdjustConfig.camera_factor`` of the rule's height at the feet (:mod:`artlib.feasible`), so no
one is placed at several times the height of the people around them, and a verifier with the
camera cue reads this rule instead of the one its parsing map gives; without people, or for a
person cut at the bottom edge, the verifier alone decides the height. Each result records the
rule and whether it bounded the search.

**Resolution.** The verifier scores every background at the gallery's size; where the gallery
keeps a full-resolution copy (a gallery made from photos does), the final composite is rendered
and harmonized there, with the person's sprite at up to that resolution.

Shown in chapter 5; the command line is ``artlib retouch`` (``artlib retouch --help``).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from .adjust import DEFAULT_START, AdjustConfig, adjust
from .compose import (Placement, alpha_extent, as_float_image, cut_at_bottom, image_to_tensor, reduce_sprite,
                      render_foreground, sprite_width)
from .harmonize import harmonize
from .model import PlacementMap, Verifier, verifier_identity
from .data import Gallery
from .files import read_json
from .select import GalleryIndex
from .variety import DIVERSITY

__all__ = ["DEFAULT_START", "Foreground", "RetouchResult", "adopt_retouch_folder", "camera_config", "fit_on_square",
           "foreground_from_cutout", "retouch", "report_record"]



@dataclass
class Foreground:
    """A person to retouch: the tight ``sprite`` ``(h, w, 4)`` float and the placement it is scored at."""

    sprite: np.ndarray
    placement: Placement
    full_frame: bool
    cut_bottom: bool = False


def foreground_from_cutout(cutout: np.ndarray, start: Placement | None = None, alpha_threshold: float = 0.05) -> Foreground:
    """Split an RGBA cut-out into a tight sprite and its placement (module docstring).

    Args:
        cutout: ``(H, W, 4)`` uint8 or float RGBA, straight alpha.
        start: the placement of a cropped foreground; for a full-frame one it overrides the
            placement read from the alpha.
        alpha_threshold: alpha above which a pixel belongs to the person.

    Raises:
        ValueError: not RGBA, or an empty alpha.
    """
    a = np.asarray(cutout)
    if a.ndim != 3 or a.shape[2] != 4:
        raise ValueError(f"the foreground must be an RGBA image (H, W, 4), got shape {a.shape}")
    img = as_float_image(a, 4, "the foreground")
    extent = alpha_extent(img[..., 3], alpha_threshold)
    if extent is None:
        raise ValueError("the foreground's alpha channel is empty: nothing to retouch")
    (rows, cols), own = extent
    sprite = np.ascontiguousarray(img[rows, cols])
    if sprite.shape[:2] == img.shape[:2]:  # a tight crop: where the person stood is unknown
        return Foreground(sprite, start or DEFAULT_START, full_frame=False)
    cut = cut_at_bottom(img[..., 3])
    if cut and start is None:
        own = Placement(own.x, 1.0, own.scale)
    return Foreground(sprite, start or own, full_frame=True, cut_bottom=cut)


@dataclass
class RetouchResult:
    """One finished composite: the background's name and rank, both scores, the placement, the image."""

    rank: int
    name: str
    content: float
    placement: Placement
    spatial: float
    content_adjusted: float
    image: np.ndarray = field(repr=False)
    camera: dict | None = None

    def report(self) -> dict:
        """The JSON record of this result (``content`` is the selection score, at the foreground's own
        placement; ``content_adjusted`` the content score at the adjusted placement; ``camera`` the
        background's camera rule with ``bounded``, whether it bounded the search, where it has one)."""
        rec = {"rank": self.rank, "background": self.name, "content": round(self.content, 6),
               "placement": self.placement.to_dict(6),
               "spatial": round(self.spatial, 6), "content_adjusted": round(self.content_adjusted, 6)}
        return rec | ({"camera": self.camera} if self.camera is not None else {})


def camera_config(cfg: AdjustConfig, gallery: Gallery, name: str) -> tuple[AdjustConfig, dict | None]:
    """The search's settings on background ``name`` and the record of its camera rule: the camera
    band where the gallery has a rule set by people (or the eye-level prior through them) and the
    person stands whole (not ``feet_at_bottom``)."""
    rule = gallery.cameras.get(name)
    if rule is None:
        return cfg, None
    fits = rule.height(1.0) * cfg.camera_factor >= cfg.scale_min  # else its people are below the smallest scale
    bounded = rule.source in ("people", "eye level") and not cfg.feet_at_bottom and bool(fits)
    return (replace(cfg, camera=(rule.horizon, rule.k)) if bounded else cfg), rule.as_dict() | {"bounded": bounded}


def fit_on_square(fg: Foreground) -> Foreground:
    """``fg`` scored no wider than a square canvas: a wide pose (arms or legs spread, a kick) from a
    wide photo keeps its feet and is scaled down until its box fits, never refused for its width."""
    widest = 1.0 / sprite_width(fg.sprite.shape[:2], 1.0, (1, 1))
    if fg.placement.scale <= widest:
        return fg
    return replace(fg, placement=Placement(fg.placement.x, fg.placement.y, widest))


def _scoring_fg(verifier: Verifier, fg: Foreground) -> torch.Tensor:
    """F for background selection: the sprite at its placement on the verifier's square canvas."""
    s = verifier.config.image_size
    pre = render_foreground(fg.sprite, fg.placement, (s, s))
    return image_to_tensor(pre)


def retouch(verifier: Verifier, foreground: Foreground, gallery: Gallery, index: GalleryIndex | None = None,
            top_k: int = 5, adjust_config: AdjustConfig | None = None, colour: str = "none", blend: str = "alpha",
            seed: int = 0, progress: bool = False, diversity: float = DIVERSITY,
            placement_map: PlacementMap | None = None) -> list[RetouchResult]:
    """Figure 3: select the ``top_k`` backgrounds for ``foreground``, adjust it on each, composite.

    Args:
        verifier: a trained verifier (eval mode is set here).
        foreground: from :func:`foreground_from_cutout`.
        gallery: the backgrounds (:func:`artlib.data.read_gallery`).
        index: the gallery's index (built here when ``None``).
        top_k: how many backgrounds to keep; a gallery with fewer keeps all of them, ranked.
        adjust_config: the placement search (default :class:`artlib.adjust.AdjustConfig`); the
            foreground's placement is the first start of the ascent methods (the grid method
            needs none).
        colour, blend: harmonisation (:func:`artlib.harmonize.harmonize`).
        seed: seed of the search's random starts.
        diversity: the weight of variety in the ranking (:func:`artlib.select.diverse_ranking`;
            0 is the paper's plain top k), in [0, 1).
        placement_map: the verifier's placement map, for ``adjust_config.method == "map"``
            (:func:`artlib.train.load_placement_map`).

    Returns:
        The results in the order the ranking keeps them: the best content score first, then
        (with ``diversity``) score traded against likeness to those kept.
    """
    if top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k}")
    if not 0 <= diversity < 1:
        raise ValueError(f"diversity must be in [0, 1), got {diversity}")
    verifier.eval()
    canvas = max(int(gallery.backgrounds.shape[1]), verifier.config.image_size)  # a person is never drawn taller
    original = foreground.sprite
    foreground = fit_on_square(replace(foreground, sprite=reduce_sprite(foreground.sprite, canvas)))
    index = index or GalleryIndex.build(verifier, gallery, progress=progress)
    if index.names != gallery.names:
        raise ValueError("the index does not belong to this gallery (its names differ)")
    ranked = index.ranking(verifier, _scoring_fg(verifier, foreground), min(top_k, len(gallery)), diversity)
    cfg = replace(adjust_config or AdjustConfig(), feet_at_bottom=foreground.cut_bottom)
    out = []
    for rank, (name, content) in enumerate(ranked, 1):
        i = gallery.names.index(name)
        bg = as_float_image(gallery.backgrounds[i], 3, "background")
        cfg_here, camera = camera_config(cfg, gallery, name)
        res = adjust(verifier, foreground.sprite, bg, gallery.labels[i].astype(np.int64), start=foreground.placement,
                     seed=seed + rank, config=cfg_here, placement_map=placement_map)
        full = gallery.full_resolution(i)
        if full is None:
            image = harmonize(bg, foreground.sprite, res.placement, colour=colour, blend=blend)
        else:
            image = harmonize(as_float_image(full, 3, "background"), reduce_sprite(original, full.shape[0]),
                              res.placement, colour=colour, blend=blend)
        out.append(RetouchResult(rank, name, content, res.placement, res.spatial, res.content, image, camera))
    return out


def report_record(foreground: Foreground, results: list[RetouchResult], *, foreground_path, gallery: Gallery,
                   verifier: Verifier, adjust_config: AdjustConfig, colour: str, blend: str, seed: int,
                   files: list[str], top_k: int | None = None, diversity: float = DIVERSITY) -> dict:
    """The ``report.json`` of ``artlib retouch``: what was retouched, with what, and each result.

    Keys: ``foreground`` (its file), ``full_frame``, ``cut_at_bottom``, ``scored_at`` (the placement selection scored),
    ``gallery`` and ``gallery_size``, ``top_k`` (asked for; ``results`` holds fewer when the gallery
    is smaller), ``diversity`` (0: the plain top k), ``verifier`` (:func:`artlib.model.verifier_identity`), ``method``,
    ``colour``, ``blend``, ``seed``, ``results`` (:meth:`RetouchResult.report`, best first) and
    ``files`` (every file the run wrote, so a later run with ``--overwrite`` replaces exactly them).
    """

    return {"foreground": str(foreground_path), "full_frame": foreground.full_frame,
            "cut_at_bottom": foreground.cut_bottom,
            "scored_at": foreground.placement.to_dict(),
            "gallery": str(gallery.root), "gallery_size": len(gallery),
            "top_k": len(results) if top_k is None else top_k, "diversity": diversity, "verifier": verifier_identity(verifier),
            "method": adjust_config.method, "colour": colour, "blend": blend, "seed": seed,
            "results": [r.report() for r in results], "files": list(files)}


def adopt_retouch_folder(out: Path) -> list[str] | None:
    """The files of a retouch folder an artlib older than the folder rule wrote: those the
    ``report.json`` of :func:`report_record` lists, else ``None`` (:mod:`artlib.outputs`)."""
    try:
        own = {str(f) for f in read_json(out / "report.json")["files"]} | {"report.json"}
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None
    names = {p.name for p in out.iterdir()} - {".artlib.lock"}
    return sorted(names) if names <= own else None
