"""The ART dataset of Section 3, built from the world's photos or real ones, and the gallery folder.

* :mod:`artlib.data.sampling`: the sample table: splits by source, spatial negatives (eq. 1),
  content negatives, the two recipes (``paper``, ``balanced``); :class:`Kind` names the kinds;
* :mod:`artlib.data.sources`: one photo split into F_i, B_i and S_i, written to disk and read back;
* :mod:`artlib.data.manifest`: the manifest: load, check, verify, identity; Table 1;
* :mod:`artlib.data.build`: building a dataset (resumable, self-repairing, parallel);
* :mod:`artlib.data.loader`: :class:`ARTDataset`, the samples as tensors;
* :mod:`artlib.data.audits`: label noise, the placement shortcut and the inpainting leak, by the oracle;
* :mod:`artlib.data.gallery`: the gallery folder of background selection, and the world's gallery;
* :mod:`artlib.data.photo_sources`: ART sources and galleries from folders of real photos.

Names are imported from their submodule on first use (lazy_loader, as :mod:`artlib.model`), so a process that only renders
sources (a build's worker, :mod:`artlib.data.sources`) never imports torch.

Shown in chapter 1.
"""
import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "audits": ["camera_cue_errors", "difficulty_table", "label_noise", "leak_study", "placement_by_content",
                   "sample_plausible", "scene_of", "target_agreement"],
        "gallery": ["FULL_SIDE", "LABEL_SUFFIX", "Gallery", "read_gallery", "write_gallery", "write_world_gallery"],
        "loader": ["ARTDataset", "collate", "subset_rows"],
        "build": ["WORKER_BYTES", "build_dataset", "worker_count"],
        "manifest": ["SCHEMA_VERSION", "Manifest", "dataset_identity", "load_manifest", "table1", "verify_dataset",
                     "write_manifest"],
        "sampling": ["BACKGROUND_MODES", "INT_COLUMNS", "KINDS", "RECIPES", "SAMPLE_COLUMNS", "SPLITS", "BuildConfig", "Kind",
                     "content_partners", "cyclic_derangement", "make_samples", "sample_moved", "split_sizes",
                     "split_sources", "visible_fraction"],
        "photo_sources": ["MAX_SOURCE_SIZE", "build_photo_sources", "photo_gallery", "square_background"],
        "sources": ["PHOTO_SOURCE", "SOURCE_FILES", "SourceImages", "dataset_kind", "read_source", "source_dir",
                    "write_source"],
    },
)
