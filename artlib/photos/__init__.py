"""Real photographs through the paper's dataset construction (Section 3): detect, matte, fill, parse.

One small module per stage, each with a registry of backends chosen by name. The person stages
default to real pretrained models that installed packages ship (:mod:`artlib.photos.models`:
found inside the packages, SHA-256 checked, nothing downloaded); the background stages are
classical (no installable package ships a scene parser or an inpainting model), with the user's
own model files from a local path where they have them:

* :mod:`artlib.photos.detect`: the bundled SSDLite person detector (default), OpenCV's HOG
  people detector, the Haar full-body cascade; :func:`~artlib.photos.detect.rank_people` orders
  several people;
* :mod:`artlib.photos.camera`: the camera rule (horizon and scale with depth) read from the
  people a photo already shows, with the eye-level prior where it shows none;
* :mod:`artlib.photos.check`: the one check of a photo array that every stage runs first;
* :mod:`artlib.photos.segment`: the bundled pose model's segmentation of a crop around the box,
  with documented fallbacks (default), or GrabCut;
* :mod:`artlib.photos.matte`: a trimap around the mask, then a guided filter (default) or
  closed-form matting (optional ``pymatting``);
* :mod:`artlib.photos.fill`: Telea inpainting of the dilated hole (default), PatchMatch (optional
  ``pypatchmatch``);
* :mod:`artlib.photos.parse`: a classical superpixel parser into the book's label set (default),
  or the user's segmentation model (a TorchVision state dict or ONNX) with a label table and a
  SHA-256 check;
* :mod:`artlib.photos.pipeline`: :func:`cutout`, the four stages on one photo.

The photo front end comes first in the data flow, beside the world: folders of photos become
ART sources and galleries in the data layer (:mod:`artlib.data.photo_sources`), and chapter 6's
measures of the stages are :mod:`artlib.evaluate.photo_stages`'s.

Shown in chapter 6; on the command line: ``artlib cutout``, ``artlib build-dataset --photos``,
``artlib export-gallery --photos``.
"""
import lazy_loader

# Submodules load on first use (SPEC 1, scientific-python's lazy_loader): importing a config
# does not import torch, so ``artlib --help`` answers at once.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        'detect': ['DETECTORS', 'Detection', 'detect', 'rank_people'],
        'fill': ['FILLS', 'fill'],
        'camera': ['read_camera', 'standing_people'],
        'check': ['box_pixels', 'check_photo'],
        'matte': ['MATTES', 'refine'],
        'models': ['INSTALL', 'ModelMissingError', 'model_file'],
        'parse': ['ModelParser', 'PARSERS', 'parse'],
        'segment': ['SEGMENTERS', 'grabcut', 'segment'],
        'pipeline': ['MIN_PHOTO_SIDE', 'NoPersonError', 'PHOTO_SUFFIXES', 'PhotoConfig', 'PhotoCutout', 'cutout', 'full_frame_rgba', 'reduce_photo', 'sprite_of', 'square_crop'],
    },
)
