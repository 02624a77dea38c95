# Everything a new machine needs is installed by these targets (uv bootstraps from pip).
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --frozen

.PHONY: setup test-packages run stacked train test lint ui gpu-wheels

setup:  ## install uv (if missing) and the locked environment into .venv
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --compile-bytecode

test-packages:  ## PostgreSQL and headless Chromium from Debian, for the tracking-server tests
	bash scripts/install_test_packages.sh

run: setup  ## the whole pipeline (dvc.yaml) on mnist5k, offline: prepare, train, evaluate, report
	$(RUN) dvc repro
	@echo "report: reports/report.md  figure: reports/comparison.png  runs: make ui"

stacked: setup  ## Stacked MNIST (stacked/dvc.yaml): gan, dcgan, cdcgan, vae, r3gan trained and mode-counted
	$(RUN) dvc repro stacked/dvc.yaml
	@echo "report: reports/stacked_mnist.md  runs: make ui (experiment stacked_mnist)"

train: setup  ## only train the default model (DCGAN on mnist5k), tracked in MLflow
	$(RUN) python pipelines/train.py experiment=dcgan

test: setup test-packages  ## the test suite (CPU only, offline)
	$(RUN) ruff check src pipelines tests benchmarks
	$(RUN) pytest -q -n 2 --dist loadfile --no-loadscope-reorder

lint: setup
	$(RUN) ruff check src pipelines tests benchmarks
	$(RUN) ruff format --check src pipelines tests benchmarks

ui: setup  ## the MLflow UI on http://127.0.0.1:5000 over the embedded store
	$(RUN) mlflow ui --backend-store-uri sqlite:///mlflow.db --host 127.0.0.1 --port 5000

gpu-wheels:  ## .whl/: what a lent GPU machine lacks for benchmarks/gpu_check.sh (Python 3.12)
	rm -rf .whl
	python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
	    --implementation cp --platform manylinux_2_17_x86_64 --platform any -d .whl \
	    hydra-core==1.3.8 omegaconf==2.3.1 mlxtend==0.25.0 prdc==0.2 torch-fidelity==0.4.0
	python3 -m pip wheel --quiet --no-deps -w .whl antlr4-python3-runtime==4.9.3  # sdist only
