"""Real photographs through the paper's dataset construction (Section 3): detect, matte, fill, parse.

One small module per stage, each with a registry of backends chosen by name, classical ones by
default (they need only OpenCV and scikit-image, and download nothing) and the user's own model
files from a local path where they have them:

* :mod:`artlib.photos.detect`: HOG people detector (default), Haar full-body cascade;
* :mod:`artlib.photos.matte`: GrabCut from the box, a trimap, then a guided filter (default) or
  closed-form matting (optional ``pymatting``);
* :mod:`artlib.photos.fill`: Telea inpainting of the dilated hole (default), PatchMatch (optional
  ``pypatchmatch``);
* :mod:`artlib.photos.parse`: a classical superpixel parser into the book's label set (default),
  or the user's segmentation model (a TorchVision state dict or ONNX) with a label table and a
  SHA-256 check;
* :mod:`artlib.photos.pipeline`: :func:`cutout`, :func:`build_photo_sources`, :func:`photo_gallery`.

Shown in chapter 6; on the command line: ``artlib cutout``, ``artlib build-dataset --photos``,
``artlib export-gallery --photos``.
"""
from .detect import DETECTORS, Detection, detect
from .fill import FILLS, fill
from .matte import MATTES, matte
from .parse import PARSERS, ModelParser, parse
from .pipeline import NoPersonError, PhotoConfig, PhotoCutout, build_photo_sources, cutout, full_frame_rgba, photo_gallery

__all__ = [
    "DETECTORS", "Detection", "FILLS", "MATTES", "ModelParser", "NoPersonError", "PARSERS", "PhotoConfig", "PhotoCutout",
    "build_photo_sources", "cutout", "detect", "fill", "full_frame_rgba", "matte", "parse", "photo_gallery",
]
