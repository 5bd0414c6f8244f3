"""Chapters executed end to end by papermill under the ci profile, then checked with nbval."""
import subprocess
import sys

import nbformat
import pytest

from artlib.chapters import run_chapter
from conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chapter1(tmp_path_factory):
    out = tmp_path_factory.mktemp("executed")
    data = tmp_path_factory.mktemp("data")
    path = run_chapter("01_dataset", "ci", out, overrides={"data_dir": str(data / "ci")}, root=ROOT)
    return path, data / "ci"


def _text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            parts.append(o.get("text", "") + o.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_chapter1_executes_and_shows_its_results(chapter1):
    from artlib.dataset import load_manifest, table1

    path, data = chapter1
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["artbook"]["profile"] == "ci"
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 8  # world, labels, outfits, oracle maps, eq. 1, samples, targets, leak
    text = _text(nb)
    counts = table1(load_manifest(data))["number of cases"]
    assert counts.tolist() == [80, 160, 160]  # params/ci/01_dataset.yaml: 80 sources
    assert "D_c-" in text and "content negatives that are in fact compatible" in text


def test_chapter1_deterministic_cells_pass_nbval(chapter1):
    path, _ = chapter1
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q", str(path)],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]


def test_rerun_is_skipped_when_nothing_changed(chapter1, capsys):
    path, data = chapter1
    before = path.stat().st_mtime_ns
    run_chapter("01_dataset", "ci", path.parent, overrides={"data_dir": str(data)}, root=ROOT)
    assert path.stat().st_mtime_ns == before and "up to date" in capsys.readouterr().out
