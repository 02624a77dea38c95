#!/usr/bin/env bash
# The GPU check: GPU-marked tests, training throughput, the pipeline's stages on the GPU with
# the default budgets, and one DCGAN at 5x its epochs. One script, run once on a lent GPU
# machine (the device tool), after trying it on the CPU:
#
#   make gpu-wheels                                   # here: what the GPU machine lacks
#   OUT=/tmp/gpu-check GENLAB_ACCELERATOR=cpu QUICK=1 bash benchmarks/gpu_check.sh  # try it here
#   bash benchmarks/gpu_check.sh                      # there (carry .whl); writes to $OUT
#
# Everything it measures lands in $OUT: tests.log (with the card), pipeline.md (each stage's wall
# time and the report), comparison.png, dcgan_5x.json and its grid, throughput.md, logs.tar.gz. The GPU machine has no MLflow: runs log to CSV.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-check}
ACCELERATOR=${GENLAB_ACCELERATOR:-gpu}
QUICK=${QUICK:-0}   # 1: a few batches per stage, to try the script on a CPU
BUDGET=${BUDGET:-450}  # seconds; the throughput table gets what the other sections leave
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1

if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site:$PWD/src${PYTHONPATH:+:$PYTHONPATH}
else
    export PYTHONPATH=$PWD/src${PYTHONPATH:+:$PYTHONPATH}
fi
PY=${PYTHON:-python3}
export GENLAB_ROOT=${GENLAB_ROOT:-/tmp/gpu-check-root}
rm -rf "$GENLAB_ROOT" && mkdir -p "$GENLAB_ROOT"
[ "$ACCELERATOR" = gpu ] || export GENLAB_FORCE_CPU=1
DEVICE=$([ "$ACCELERATOR" = gpu ] && echo cuda || echo cpu)
LOGS=$GENLAB_ROOT/logs  # one per stage; $OUT brings back 8 files at most, so they come back as one tar
mkdir -p "$LOGS"
trap 'tar -czf "$OUT/logs.tar.gz" -C "$GENLAB_ROOT" logs' EXIT
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/tests.log" 2>&1 || true

echo "== 1. GPU-marked tests"
$PY -m pytest -q -p no:cacheprovider -n 4 -m requires_cuda tests/gpu 2>&1 | tee -a "$OUT/tests.log" | tail -5 ||
    echo "GPU tests failed (tests.log); the measurements go on"

echo "== 2. the pipeline's stages, default budgets"
TRAIN=(trainer=gpu "trainer.accelerator=$ACCELERATOR" trainer.enable_progress_bar=false
       callbacks=with_fid logger=csv)
[ "$QUICK" = 1 ] && TRAIN+=(trainer.max_epochs=1 trainer.limit_train_batches=3 trainer.check_val_every_n_epoch=1)
stage() {  # name, then the command; appends the stage's wall seconds to pipeline.md
    local name=$1 start=$SECONDS
    shift
    "$@" > "$LOGS/$name.log" 2>&1 || { tail -20 "$LOGS/$name.log"; exit 1; }
    echo "| $name | $((SECONDS - start)) s |" | tee -a "$OUT/pipeline.md"
}
echo "| stage | wall time |" > "$OUT/pipeline.md"
echo "|---|---:|" >> "$OUT/pipeline.md"
stage prepare $PY pipelines/prepare.py
EVAL_EPOCHS=$([ "$QUICK" = 1 ] && echo 1 || echo 8)
stage evaluator $PY pipelines/train_evaluator.py seed=42 "trainer.max_epochs=$EVAL_EPOCHS" \
    "trainer.accelerator=$ACCELERATOR" trainer.enable_progress_bar=false
for model in gan dcgan cdcgan vae; do
    stage "train-$model" $PY pipelines/train.py "experiment=$model" seed=42 "${TRAIN[@]}" \
        "hydra.run.dir=$GENLAB_ROOT/models/$model" "result_path=$GENLAB_ROOT/models/$model/train.json"
    stage "evaluate-$model" $PY pipelines/evaluate.py \
        "train_result=$GENLAB_ROOT/models/$model/train.json" "eval.device=$DEVICE" \
        "metrics_path=$GENLAB_ROOT/reports/metrics/$model.json" \
        "grid_path=$GENLAB_ROOT/reports/figures/${model}_samples.png" \
        "nearest_path=$GENLAB_ROOT/reports/figures/${model}_nearest.png" \
        "hydra.run.dir=$GENLAB_ROOT/reports/.runs/$model"
done
stage report $PY pipelines/report.py
cat "$GENLAB_ROOT/reports/report.md" >> "$OUT/pipeline.md"
cp "$GENLAB_ROOT/reports/comparison.png" "$OUT/" 2>/dev/null || true

echo "== 3. the DCGAN at 5x its epochs"
FIVE=$([ "$QUICK" = 1 ] && echo 2 || echo 150)
stage train-dcgan-5x $PY pipelines/train.py experiment=dcgan seed=42 "${TRAIN[@]}" \
    "trainer.max_epochs=$FIVE" "hydra.run.dir=$GENLAB_ROOT/models/dcgan5x" \
    "result_path=$GENLAB_ROOT/models/dcgan5x/train.json"
stage evaluate-dcgan-5x $PY pipelines/evaluate.py \
    "train_result=$GENLAB_ROOT/models/dcgan5x/train.json" "eval.device=$DEVICE" \
    "metrics_path=$OUT/dcgan_5x.json" "grid_path=$OUT/dcgan_5x_samples.png" \
    "nearest_path=$GENLAB_ROOT/reports/figures/dcgan5x_nearest.png" "hydra.run.dir=$GENLAB_ROOT/reports/.runs/dcgan5x"
echo "== 4. throughput, in what is left of the 8 minutes"
STEPS=$([ "$QUICK" = 1 ] && echo 4 || echo 60)
LARGE=$([ "$QUICK" = 1 ] && echo 128 || echo 1024)
(cd benchmarks && $PY gpu_throughput.py --accelerator "$ACCELERATOR" --steps "$STEPS" \
    --large-batch "$LARGE" --budget-s "$((BUDGET - SECONDS > 30 ? BUDGET - SECONDS : 30))") | tee "$OUT/throughput.md"

echo "done in $SECONDS s: $OUT"
