"""The ART dataset of Section 3, built from the world's photos or real ones, and the gallery folder.

* :mod:`artlib.data.sampling`: the sample table: splits by source, spatial negatives (eq. 1),
  content negatives, the two recipes (``paper``, ``balanced``); :class:`Kind` names the kinds;
* :mod:`artlib.data.sources`: one photo split into F_i, B_i and S_i, written to disk and read back;
* :mod:`artlib.data.manifest`: build (resumable, self-repairing), load, verify; Table 1;
* :mod:`artlib.data.loader`: :class:`ARTDataset`, the samples as tensors;
* :mod:`artlib.data.audits`: label noise, the placement shortcut and the inpainting leak, by the oracle;
* :mod:`artlib.data.gallery`: the gallery folder of background selection, and the world's gallery;
* :mod:`artlib.data.photo_sources`: ART sources and galleries from folders of real photos.

Shown in chapter 1.
"""
from .audits import (
    camera_cue_errors,
    difficulty_table,
    label_noise,
    leak_study,
    placement_by_content,
    sample_plausible,
    scene_of,
    target_agreement,
)
from .gallery import LABEL_SUFFIX, Gallery, read_gallery, write_gallery, write_world_gallery
from .loader import ARTDataset, collate, subset_rows
from .manifest import (
    SCHEMA_VERSION,
    Manifest,
    build_dataset,
    dataset_identity,
    load_manifest,
    table1,
    verify_dataset,
    write_manifest,
)
from .sampling import (
    BACKGROUND_MODES,
    INT_COLUMNS,
    KINDS,
    RECIPES,
    SAMPLE_COLUMNS,
    SPLITS,
    BuildConfig,
    Kind,
    content_partners,
    cyclic_derangement,
    make_samples,
    sample_moved,
    split_sizes,
    split_sources,
    visible_fraction,
)
from .photo_sources import MAX_SOURCE_SIZE, build_photo_sources, photo_gallery, square_background
from .sources import PHOTO_SOURCE, SOURCE_FILES, SourceImages, dataset_kind, read_source, source_dir, write_source

__all__ = [
    "Gallery", "LABEL_SUFFIX", "dataset_kind", "MAX_SOURCE_SIZE", "PHOTO_SOURCE", "build_photo_sources", "photo_gallery", "read_gallery", "square_background",
    "write_gallery", "write_world_gallery",
    "ARTDataset", "BACKGROUND_MODES", "camera_cue_errors", "BuildConfig", "INT_COLUMNS", "KINDS", "Kind", "Manifest", "RECIPES",
    "SAMPLE_COLUMNS", "SCHEMA_VERSION", "SOURCE_FILES", "SPLITS", "SourceImages", "build_dataset", "collate", "content_partners",
    "cyclic_derangement", "dataset_identity", "difficulty_table", "label_noise", "leak_study", "load_manifest", "make_samples",
    "placement_by_content", "read_source", "sample_moved", "sample_plausible", "scene_of", "source_dir", "split_sizes",
    "split_sources", "subset_rows", "table1", "target_agreement", "verify_dataset", "visible_fraction", "write_manifest", "write_source",
]
