"""The built book and the widget, opened as a reader would: headless Chromium driven by Playwright.

The book is built from the chapters the suite executed under the ci profile (the ``executed``
fixture), served on 127.0.0.1, and every page is checked: no console errors, every image
loads, every internal link resolves, MathJax rendered the equations, Table 1 and Table 2 are
there with the paper's numbers beside ours, and no code or output line overflows its cell.
Chapter 4's widget is then driven in a real JupyterLab. Screenshots go to ``build/screenshots``.

``make test`` installs Debian's chromium and Playwright's Python package; Playwright's own
browser download is never used (``executable_path``).
"""
import functools
import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Debian's chromium is not installed; `make test` installs it (apt-get install -y chromium)")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _book_tree(tmp: Path, executed_dir: Path | None) -> Path:
    """A copy of the book's sources (config, pages, extension) with the given executed chapters."""
    root = tmp / "book_root"
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "_config.yml", root / "_config.yml")
    shutil.copytree(ROOT / "book", root / "book", ignore=shutil.ignore_patterns("executed"), dirs_exist_ok=True)
    if executed_dir is not None:
        shutil.copytree(executed_dir, root / "book" / "executed", ignore=shutil.ignore_patterns(".*"))
    return root


@pytest.fixture(scope="module")
def site(executed, tmp_path_factory):
    """The ci book built with -W from the executed chapters, served on a local port."""
    from artlib.chapters import build_html

    root = _book_tree(tmp_path_factory.mktemp("site"), executed["out"])
    assert build_html(root) == 0, "the book did not build cleanly with -W (warnings are errors)"
    html = root / "_build" / "html"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(html))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield html, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_broken_reference_or_a_missing_figure_fails_the_build(tmp_path):
    from artlib.chapters import build_html

    root = _book_tree(tmp_path, None)
    (root / "book" / "_toc.yml").write_text("format: jb-book\nroot: book/intro\n")
    (root / "book" / "intro.md").write_text("# A page\n\nSee {ref}`no-such-label`.\n\n![a figure](missing.png)\n")
    assert build_html(root) != 0


_PAGE_JS = """() => {
  const bad = [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  const overflow = [...document.querySelectorAll('div.cell_input pre, div.cell_output pre')]
      .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.split('\\n').find(l => l.length > 80) || e.textContent.slice(0, 80));  // hidden inputs have no innerText
  const clone = document.querySelector('main').cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, mjx-container, .cell_input').forEach(e => e.remove());
  return {bad, links, overflow, prose: clone.innerText, math: document.querySelectorAll('mjx-container').length,
          ids: [...document.querySelectorAll('[id]')].map(e => e.id)};
}"""


def test_every_page_reads_well(site):
    from playwright.sync_api import sync_playwright

    html, base = site
    pages = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")  # index.html only redirects
                   if p.name not in ("search.html", "genindex.html") and p.relative_to(html).as_posix() != "index.html"
                   and "_static" not in p.parts)
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems, texts = [], {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        for name in pages:
            errors.clear()
            page.goto(f"{base}/{name}", wait_until="load")
            # pages with equations load MathJax (deferred): wait until it has typeset the page
            page.wait_for_function("() => !document.querySelector('script[src*=\"tex-svg\"]') || "
                                   "(window.MathJax && MathJax.startup && MathJax.startup.promise)", timeout=30_000)
            page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
            info = page.evaluate(_PAGE_JS)
            texts[name] = info["prose"]
            page.screenshot(path=str(SHOTS / (name.replace("/", "_") + ".png")), full_page=True)
            problems += [f"{name}: console error: {e}" for e in errors]
            problems += [f"{name}: image does not load: {src}" for src in info["bad"]]
            problems += [f"{name}: line wider than its cell: {line!r}" for line in info["overflow"]]
            if re.search(r"\$[^$\s][^$]*\$|\\\(|\\\[", info["prose"]):
                problems.append(f"{name}: raw TeX left in the text (MathJax did not render it)")
            for href in info["links"]:
                u = urlparse(href)
                if u.netloc != urlparse(base).netloc:
                    continue
                target = html / u.path.lstrip("/")
                if target.is_dir():
                    target = target / "index.html"
                if not target.is_file():
                    problems.append(f"{name}: broken link {u.path}")
        browser.close()
    assert not problems, "\n".join(problems[:40])
    chapter1 = next(t for n, t in texts.items() if "01_dataset" in n)
    assert "37395" in chapter1 or "37,395" in chapter1  # Table 1: the paper's counts beside ours
    chapter3 = next(t for n, t in texts.items() if "03_ablation" in n)
    assert "0.875" in chapter3 and "0.354" in chapter3  # Table 2: the paper's rows beside ours
    intro = next(t for n, t in texts.items() if n.endswith("intro.html"))
    assert "The task" in intro  # the figure of the task is glued in from chapter 5


_STRUCTURE_JS = """() => ({
  captions: [...document.querySelectorAll('.bd-sidebar p.caption, nav p.caption, .caption-text')].map(e => e.innerText.trim()),
  title: (document.querySelector('main article h1') || {innerText: ''}).innerText,  // not the print-only copy
  figures: [...document.querySelectorAll('main figure')].map(f => (f.querySelector('figcaption') || {innerText: ''}).innerText.trim()),
  loose: [...document.querySelectorAll('main .cell_output img')].filter(i => !i.closest('figure') && !i.closest('.art-explorer')).length,
  equations: [...document.querySelectorAll('main [id^="equation-"]')].map(e => e.id),
})"""


def test_the_book_has_parts_numbered_chapters_captions_and_the_execution_page(site):
    from playwright.sync_api import sync_playwright

    html, base = site
    chapters = ["01_dataset", "02_verifier", "03_ablation", "04_adjustment", "05_retouch", "06_photos"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        info = {}
        for name in chapters + ["execution"]:
            page.goto(f"{base}/book/executed/{name}.html", wait_until="load")
            info[name] = page.evaluate(_STRUCTURE_JS)
            info[name]["text"] = page.inner_text("main")
        browser.close()
    captions = info["01_dataset"]["captions"]
    for part in ("Part I. The paper", "Part II. Its reproduction", "Part III. Beyond the paper", "Part IV. For teachers"):
        assert part in captions, captions
    for k, name in enumerate(chapters, start=1):  # numbered by the build, continuing across parts
        assert info[name]["title"].startswith(f"{k}. "), info[name]["title"]
        assert info[name]["figures"] and all(info[name]["figures"]), f"{name}: a figure without a caption"
        assert info[name]["loose"] == 0, f"{name}: an output image outside a captioned figure"
    assert "equation-eq-spatial-score" in info["01_dataset"]["equations"]
    assert "equation-eq-placement-map" in info["04_adjustment"]["equations"]
    text = info["execution"]["text"]
    assert all(c in text for c in chapters) and "ci" in text and "Package versions" in text and "torch" in text


def _box_px(scene, x, y, s, stage):
    """Where the viewer draws the person of placement (x, y, s) on a stage box, in page pixels."""
    w = s * scene["aspect"]
    return stage["x"] + (x - w / 2) * stage["width"], stage["y"] + (y - s) * stage["height"]


def test_the_explorer_follows_a_drag_and_replays_an_ascent_without_a_kernel(site):
    from playwright.sync_api import sync_playwright

    from artlib.explorer import nearest_cell

    html, base = site
    page_file = html / "book" / "executed" / "04_adjustment.html"
    assert page_file.stat().st_size < 4_000_000  # the page, explorer included, stays within a few MB
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/book/executed/04_adjustment.html", wait_until="load")
        root = page.locator(".art-explorer")
        root.wait_for()
        page.wait_for_function("() => document.querySelector('.art-explorer').dataset.ready === '1'")
        eid = root.get_attribute("id")
        data = page.evaluate(f"() => JSON.parse(document.getElementById('{eid}-data').textContent)")
        scene, key = data["scenes"][0], next(iter(data["labels"]))
        root.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "explorer_start.png"))
        stage = page.locator(".art-x-stage").bounding_box()
        nx, ny, ns = scene["grid"]
        start = int(root.get_attribute("data-cell"))
        level = start % ns
        target = next(i for i in range(len(scene["feasible"])) if scene["feasible"][i] and i % ns == level and i != start)
        ix, iy = target // (ny * ns), target // ns % ny
        gx, gy = scene["xs"][ix], scene["ys"][iy]
        assert nearest_cell(scene, gx, gy, level) == target
        sx, sy = scene["xs"][start // (ny * ns)], scene["ys"][start // ns % ny]
        page.mouse.move(stage["x"] + sx * stage["width"], stage["y"] + sy * stage["height"])
        page.mouse.down()
        page.mouse.move(stage["x"] + gx * stage["width"], stage["y"] + gy * stage["height"], steps=6)
        page.mouse.up()
        page.screenshot(path=str(SHOTS / "explorer_dragged.png"))
        assert int(root.get_attribute("data-cell")) == target
        shown = {f: page.inner_text(f".art-x-{f}") for f in ("spatial", "content", "verdict")}
        v = scene["verifiers"][key]
        assert shown["spatial"] == f"{v['spatial'][target]:.3f}" and shown["content"] == f"{v['content'][target]:.3f}"
        assert shown["verdict"].startswith("plausible" if scene["plausible"][target] else "implausible")
        person = page.locator(".art-x-person").bounding_box()
        want = _box_px(scene, gx, gy, scene["scales"][level], stage)
        assert abs(person["x"] - want[0]) < 1.5 and abs(person["y"] - want[1]) < 1.5
        other = list(data["labels"])[-1]  # the other verifier: same cell, its own stored scores
        page.select_option(".art-x-verifier", other)
        assert page.inner_text(".art-x-spatial") == f"{scene['verifiers'][other]['spatial'][target]:.3f}"
        page.select_option(".art-x-verifier", key)
        path = v["paths"][0]
        page.click(".art-x-replay")
        page.wait_for_function("() => document.querySelector('.art-explorer').dataset.playing === '0'", timeout=60_000)
        page.screenshot(path=str(SHOTS / "explorer_replayed.png"))
        x, y, s = path["placements"][-1]
        person = page.locator(".art-x-person").bounding_box()
        want = _box_px(scene, x, y, s, stage)
        assert abs(person["x"] - want[0]) < 1.5 and abs(person["y"] - want[1]) < 1.5  # the person stands at the path's end
        assert page.inner_text(".art-x-spatial") == f"{path['spatial'][-1]:.3f}"
        assert f"of {len(path['placements']) - 1}" in page.inner_text(".art-x-where")
        browser.close()
    assert not errors, errors


@pytest.fixture(scope="module")
def lab(executed, tmp_path_factory):
    """JupyterLab on a random local port with a token, serving chapter 4 as the ci profile ran it."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(executed["04_adjustment"], root / "04_adjustment.ipynb")
    port, token = _free_port(), os.urandom(12).hex()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / ".config"), "JUPYTER_RUNTIME_DIR": str(root / ".runtime")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
         "--ServerApp.port_retries=0", "--allow-root", "--LabApp.extension_manager=readonly",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            time.sleep(1)
    else:
        proc.terminate()
        pytest.fail("JupyterLab did not start within 120 s")
    yield url, token
    proc.terminate()
    proc.wait(timeout=30)


def test_the_widget_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright

    url, token = lab
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/lab/tree/04_adjustment.ipynb?token={token}")
        page.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook')", timeout=120_000)
        page.wait_for_function(  # the notebook's kernel has started and is idle
            "() => { const w = window.jupyterapp.shell.currentWidget; const k = w && w.sessionContext && "
            "w.sessionContext.session && w.sessionContext.session.kernel; return k && k.status === 'idle'; }",
            timeout=120_000)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        ascent = page.get_by_role("button", name="Run ascent")
        ascent.wait_for(timeout=240_000)
        ascent.scroll_into_view_if_needed()
        caption = page.locator(".widget-html-content").filter(has_text="spatial").first
        caption.wait_for(state="visible", timeout=60_000)  # the widget has drawn its first scores
        page.screenshot(path=str(SHOTS / "lab_widget_start.png"))
        before = caption.inner_text()
        handle = page.locator(".widget-slider .noUi-handle").first  # the x slider
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + 120, box["y"] + box["height"] / 2, steps=8)
        page.mouse.up()
        page.wait_for_function("(b) => document.querySelector('.widget-html-content') && "
                               "[...document.querySelectorAll('.widget-html-content')].some(e => e.innerText.includes('spatial') && e.innerText !== b)",
                               arg=before, timeout=30_000)
        moved = caption.inner_text()
        page.screenshot(path=str(SHOTS / "lab_widget_slider.png"))
        ascent.click()
        page.wait_for_function("(b) => [...document.querySelectorAll('.widget-html-content')].some(e => e.innerText.includes('spatial') && e.innerText !== b)",
                               arg=moved, timeout=60_000)
        after = caption.inner_text()
        page.screenshot(path=str(SHOTS / "lab_widget_ascent.png"))
        browser.close()
    scores = lambda text: re.search(r"spatial ([0-9.]+), content ([0-9.]+)", text).groups()  # noqa: E731
    place = lambda text: re.search(r"x ([0-9.]+), y ([0-9.]+), scale ([0-9.]+)", text).groups()  # noqa: E731
    assert scores(moved) != scores(before)  # moving the x slider changed the displayed scores
    assert place(after) != place(moved)  # "Run ascent" moved the person
