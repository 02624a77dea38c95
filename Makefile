# Everything a new machine needs is installed by these targets (uv bootstraps from pip).
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --frozen

.PHONY: setup test-packages run train test lint ui

setup:  ## install uv (if missing) and the locked environment into .venv
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --compile-bytecode

test-packages:  ## PostgreSQL and headless Chromium from Debian, for the tracking-server tests
	bash scripts/install_test_packages.sh

run: setup  ## the whole pipeline (dvc.yaml) on mnist5k, offline: prepare, train, evaluate, report
	$(RUN) dvc repro
	@echo "report: reports/report.md  figure: reports/comparison.png  runs: make ui"

train: setup  ## only train the default model (DCGAN on mnist5k), tracked in MLflow
	$(RUN) python pipelines/train.py experiment=dcgan

test: setup test-packages  ## the test suite (CPU only, offline)
	$(RUN) ruff check src pipelines tests benchmarks
	$(RUN) pytest -q

lint: setup
	$(RUN) ruff check src pipelines tests benchmarks
	$(RUN) ruff format --check src pipelines tests benchmarks

ui: setup  ## the MLflow UI on http://127.0.0.1:5000 over the embedded store
	$(RUN) mlflow ui --backend-store-uri sqlite:///mlflow.db --host 127.0.0.1 --port 5000
