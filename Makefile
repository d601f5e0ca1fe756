# TraceLens: `make run` serves the app on the embedded default; `make test` installs everything
# the suite needs and runs all of it. Every install step lives here, so a clean clone works.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --disable-pip-version-check -q -c requirements/constraints.txt
HOST ?= 127.0.0.1
PORT ?= 8000
ADMIN_PASSWORD ?= tracelens-admin
# the embedded default is a real plant's install: error pages, not Django's debug pages
# (DEBUG=true make run for those)
DEBUG ?= false
SYSTEM_PACKAGES := chromium chromium-driver tesseract-ocr ssocr
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-unit test-integration test-browser test-faults lint bench system-deps clean

$(VENV)/.core: pyproject.toml requirements/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q --upgrade pip setuptools wheel
	$(PIP) -e .
	touch $@

# The gpu extra brings CUDA torch (it runs on CPU too) and opencv-python, whose cv2 would
# replace the headless one: remove it and put the headless build back, then prove both work.
$(VENV)/.test: $(VENV)/.core
	$(PIP) -e ".[gpu,dev]"
	$(PY) -m pip uninstall -y -q opencv-python
	$(PIP) --force-reinstall --no-deps opencv-python-headless
	$(PY) -c "import cv2, torch, torchvision; \
		b = torch.tensor([[0., 0, 10, 10], [1, 1, 11, 11]]); \
		assert torchvision.ops.nms(b, torch.tensor([.9, .8]), .5).tolist() == [0]; \
		import easyocr, ultralytics; print('gpu extra ok: torch', torch.__version__, 'cv2', cv2.__version__)"
	touch $@

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

var:
	mkdir -p var

run: $(VENV)/.core | var
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo --admin-password "$(ADMIN_PASSWORD)"
	@echo ""
	@echo "  TraceLens: http://$(HOST):$(PORT)/"
	@echo "  Log in as admin / $(ADMIN_PASSWORD)  (also supervisor, operator, auditor: password tracelens-<role>)"
	@echo ""
	DEBUG=$(DEBUG) $(PY) manage.py serve --host $(HOST) --port $(PORT)

test: $(VENV)/.test system-deps
	FAULTS_PER_CAMERA=$(or $(FAULTS_PER_CAMERA),20) $(PY) -m pytest

test-unit: $(VENV)/.test
	$(PY) -m pytest -m "not integration and not browser"

test-integration: $(VENV)/.test
	$(PY) -m pytest -m integration

test-browser: $(VENV)/.test system-deps
	$(PY) -m pytest -m browser

test-faults: $(VENV)/.test
	FAULTS_PER_CAMERA=$(or $(FAULTS_PER_CAMERA),250) $(PY) -m pytest -m faults -s

# make bench SUITE=genealogy ARGS="--units 100000 --json var/genealogy.json" (DATABASE_URL: PostgreSQL)
bench: $(VENV)/.core
	$(PY) manage.py bench $(SUITE) $(ARGS)

lint: $(VENV)/.test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) var test-artifacts
