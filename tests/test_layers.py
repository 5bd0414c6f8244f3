"""The library's layers: a module imports only modules of lower layers (read from the source, not run)."""
import ast
from pathlib import Path

import pytest

import artlib

ROOT = Path(artlib.__file__).parent

#: Lower layers first; the same order as the list in ``artlib/__init__.py``.
LAYERS = [
    {"score", "labels", "paper", "config", "files"},
    {"compose", "cues", "variety", "outputs"},
    {"world", "inpaint", "harmonize", "feasible"},
    {"photos"},
    {"data"},
    {"model"},
    {"adjust"},
    {"train"},
    {"select", "choice"},
    {"retouch", "widgets", "explorer"},
    {"evaluate"},
    {"ablation", "plots", "exercises"},
    {"chapters"},
    {"cli"},
    {"__main__"},
]
LAYER = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _module(path: Path, root: Path = ROOT) -> str:
    """The top-level artlib module a file belongs to (``data`` for ``artlib/data/loader.py``)."""
    return path.relative_to(root).with_suffix("").parts[0]


def _imported(path: Path, root: Path = ROOT) -> set[str]:
    """Top-level artlib modules that a file imports, relative or absolute."""
    package = list(path.relative_to(root).parts[:-1])
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            base = package[: len(package) - (node.level - 1)]
            parts = base + (node.module.split(".") if node.module else [])
            out |= {parts[0]} if parts else {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("artlib."):
            out.add(node.module.split(".")[1])
        elif isinstance(node, ast.ImportFrom) and node.module == "artlib":
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("artlib.")}
    return out - {_module(path, root)}


FILES = sorted(p for p in ROOT.rglob("*.py") if p.name != "__init__.py" or p.parent != ROOT)


def test_every_module_has_a_layer():
    assert {_module(p) for p in FILES} == set(LAYER)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_only_lower_layers(path):
    me = LAYER[_module(path)]
    higher = sorted(m for m in _imported(path) if LAYER.get(m, -1) >= me)
    assert not higher, f"{path.relative_to(ROOT)} (layer {me}) imports {higher} from its own or a higher layer"


def test_the_model_knows_no_world():
    """The verifier gets its label set from the data it is trained on, not from the world."""
    for path in (ROOT / "model").rglob("*.py"):
        assert not _imported(path) & {"world", "data", "widgets", "cli"}, path.name


def test_the_training_layer_knows_no_world():
    """A verifier's label set comes from its data (the checkpoint), never from the synthetic world."""
    for path in (ROOT / "train").rglob("*.py"):
        assert "world" not in _imported(path), path.name


def test_the_photo_front_end_sits_below_the_data():
    """Real photos come first in the data flow: the stages know neither the dataset nor the models."""
    for path in (ROOT / "photos").rglob("*.py"):
        assert not _imported(path) & {"data", "model", "train", "adjust", "select", "evaluate", "cli"}, path.name


def test_the_check_sees_every_import_form(tmp_path):
    (tmp_path / "data").mkdir()
    bad = tmp_path / "data" / "loader.py"
    bad.write_text("import artlib.cli\nfrom artlib.train import train\nfrom artlib import plots\n"
                   "from .. import world\nfrom ..model.verifier import Verifier\nfrom .sampling import Kind\n")
    assert _imported(bad, tmp_path) == {"cli", "train", "plots", "world", "model"}


def _siblings(path: Path, root: Path = ROOT) -> set[str]:
    """The modules of the same package (files beside ``path``) that ``path`` imports, anywhere in it
    (inside functions too): ``from .matte import grabcut``, ``from . import segment``."""
    here = {p.stem for p in path.parent.glob("*.py") if p.name != "__init__.py"}
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            out |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            full = node.module.split(".")
            pkg = list(path.relative_to(root).parts[:-1])
            if full[:1] == ["artlib"] and full[1:1 + len(pkg)] == pkg and len(full) > 1 + len(pkg):
                out.add(full[1 + len(pkg)])
    return (out & here) - {path.stem}


def _circle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the directed ``graph`` as a list of nodes, or None (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state and (found := visit(m)):
                return found
        state[n] = 2
        stack.pop()
        return None

    for n in sorted(graph):
        if n not in state and (found := visit(n)):
            return found
    return None


PACKAGES = sorted({p.parent for p in FILES if p.parent != ROOT})


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_no_circle_inside_a_package(package):
    """The layer test sees top-level modules; inside a package, modules must not import each other in a circle."""
    graph = {p.stem: _siblings(p) for p in package.glob("*.py") if p.name != "__init__.py"}
    assert _circle(graph) is None, f"{package.name}/: {' -> '.join(_circle(graph))}"


def test_the_circle_check_sees_a_circle_through_a_function(tmp_path):
    pkg = tmp_path / "photos"
    pkg.mkdir()
    (pkg / "segment.py").write_text("from .matte import grabcut\n")
    (pkg / "matte.py").write_text("def matte():\n    from .segment import segment\n")
    (pkg / "check.py").write_text("import numpy\n")
    graph = {p.stem: _siblings(p, tmp_path) for p in pkg.glob("*.py")}
    assert _circle(graph) in (["matte", "segment", "matte"], ["segment", "matte", "segment"])
    (pkg / "matte.py").write_text("from .check import x\n")
    assert _circle({p.stem: _siblings(p, tmp_path) for p in pkg.glob("*.py")}) is None


def _unresolved(path: Path, root: Path = ROOT) -> list[str]:
    """Relative imports of a file (inside functions too) whose module does not exist."""
    package = list(path.relative_to(root).parts[:-1])
    bad = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            if node.level - 1 > len(package):
                bad.append(f"line {node.lineno}: {'.' * node.level}{node.module or ''} (above the library)")
                continue
            base = root.joinpath(*package[: len(package) - (node.level - 1)])
            target = base.joinpath(*node.module.split(".")) if node.module else base
            if not (target.with_suffix(".py").is_file() or (target / "__init__.py").is_file() or target == root):
                bad.append(f"line {node.lineno}: {'.' * node.level}{node.module or ''}")
    return bad


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_import_names_a_module(path):
    """An import inside a function runs only when called: a moved module's stale ``from .x`` is found here."""
    assert not _unresolved(path), f"{path.relative_to(ROOT)}: {_unresolved(path)}"


def _assigns_all(tree: ast.Module) -> bool:
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for tg in targets:
            names = tg.elts if isinstance(tg, ast.Tuple) else [tg]
            if any(isinstance(n, ast.Name) and n.id == "__all__" for n in names):
                return True
    return False


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_has_all_and_names_its_chapter(path):
    """House style: ``__all__`` near the top, and a docstring that names the chapter that shows the module."""
    tree = ast.parse(path.read_text())
    assert _assigns_all(tree), f"{path.relative_to(ROOT)} has no __all__"
    doc = ast.get_docstring(tree) or ""
    assert "chapter" in doc.lower(), f"{path.relative_to(ROOT)}: the docstring names no chapter"


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_every_public_name_of_a_package_resolves(package):
    """A package's ``__all__`` (many attach submodules lazily) names only what its submodules define."""
    import importlib

    module = importlib.import_module(f"artlib.{package.name}")
    assert [n for n in module.__all__ if not hasattr(module, n)] == []
