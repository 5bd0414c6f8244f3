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
* :mod:`artlib.photos.pipeline`: :func:`cutout`, the four stages on one photo.

The photo front end comes first in the data flow, beside the world: folders of photos become
ART sources and galleries in the data layer (:mod:`artlib.data.photo_sources`), and chapter 6's
measures of the stages are :mod:`artlib.evaluate.photos`'s.

Shown in chapter 6; on the command line: ``artlib cutout``, ``artlib build-dataset --photos``,
``artlib export-gallery --photos``.
"""
import lazy_loader

# Submodules load on first use (SPEC 1, scientific-python's lazy_loader): importing a config
# does not import torch, so ``artlib --help`` answers at once.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        'detect': ['DETECTORS', 'Detection', 'detect'],
        'fill': ['FILLS', 'fill'],
        'matte': ['MATTES', 'matte'],
        'parse': ['ModelParser', 'PARSERS', 'parse'],
        'pipeline': ['MIN_PHOTO_SIDE', 'NoPersonError', 'PHOTO_SUFFIXES', 'PhotoConfig', 'PhotoCutout', 'cutout', 'full_frame_rgba', 'reduce_photo', 'sprite_of', 'square_crop'],
    },
)
