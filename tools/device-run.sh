#!/usr/bin/env bash
# The GPU side of tools/device-check.sh: runs on the lent machine (no dotnet there) from the repository root, with
# .device/ carried (a self-contained dafl, the benchmarks, gzipped MNIST). Every step is time-boxed so that one hang
# cannot eat the call; all results go under $OUT (8 files at most come back):
#   run.log (every step's output), steps.tsv (step, exit code, seconds), doctor.json, distill.jsonl (ours),
#   reference.jsonl (PyTorch), bench.md, sanitizer.txt.
# Environment: OUT (required), DEVICE=cuda|cpu (default cuda), SCALE=full|tiny (tiny: a few iterations, for
# tools/device-check.sh --dry-run here), PYTHON (default: the first of python3, /usr/bin/python3 that imports torch), and BENCH_FILTER, TEACHER_EPOCHS, DISTILL_EPOCHS
# to override the defaults below.
set -uo pipefail

: "${OUT:?set OUT to the folder for the results}"
DEVICE=${DEVICE:-cuda}
SCALE=${SCALE:-full}
if [[ -z ${PYTHON:-} ]]; then  # the first Python that has PyTorch (plain python3 on the lent machine)
    for candidate in python3 /usr/bin/python3; do
        if "$candidate" -c 'import torch, numpy' 2>/dev/null; then PYTHON=$candidate; break; fi
    done
fi
PYTHON=${PYTHON:-python3}
ROOT=$(pwd)
PACK=$ROOT/.device
WORK=${WORK:-/tmp/dafl-device}
mkdir -p "$OUT" "$WORK"
LOG=$OUT/run.log
: >"$LOG"
printf 'step\texit\tseconds\n' >"$OUT/steps.tsv"

if [[ $SCALE == tiny ]]; then
    BATCH=4 STEPS=2 TEACHER_EPOCHS=${TEACHER_EPOCHS:-1} DISTILL=(--epochs "${DISTILL_EPOCHS:-1}" --iters 2 --batch 16)
    REFERENCE=(--epochs "${DISTILL_EPOCHS:-1}" --iters-per-epoch 2 --batch 16) BENCH_FILTER=${BENCH_FILTER:-*FmaPeak*}
    SANITIZE=(--epochs 1 --iters 2 --batch 8)
else
    # The paper's MNIST preset end to end (200 × 120 iterations, batch 512). PyTorch runs 10 of its 200 epochs:
    # enough for its step time; its accuracy on the full run is in docs/RESULTS.md.
    BATCH=512 STEPS=3 TEACHER_EPOCHS=${TEACHER_EPOCHS:-5} DISTILL=(--epochs "${DISTILL_EPOCHS:-200}")
    REFERENCE=(--epochs 10) BENCH_FILTER=${BENCH_FILTER:-*DaflStep*}
    SANITIZE=(--epochs 1 --iters 3 --batch 64)
fi
# The CPU is every command's default device; --device is passed only for CUDA, so this script also runs against a
# build whose commands predate the option.
DEVICE_ARG=()
[[ $DEVICE == cuda ]] && DEVICE_ARG=(--device cuda)

# step NAME SECONDS COMMAND...: runs COMMAND under timeout, appending its output to run.log and its exit code and
# wall time to steps.tsv (124: it ran out of time).
step() {
    local name=$1 limit=$2
    shift 2
    printf '\n===== %s (limit %ss): %s\n' "$name" "$limit" "$*" >>"$LOG"
    local start rc ms seconds
    start=$(date +%s%N)
    timeout --kill-after=5 "$limit" "$@" >>"$LOG" 2>&1
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    seconds=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
    printf '%s\t%s\t%s\n' "$name" "$rc" "$seconds" >>"$OUT/steps.tsv"
    printf '%-12s exit %-3s %8s s\n' "$name" "$rc" "$seconds"
    return $rc
}

# The CUDA libraries on the lent machine are NVIDIA's Python wheels next to PyTorch; DafL.Native looks for them in
# the site-packages folders named by PYTHONPATH.
if site=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' 2>/dev/null); then
    export PYTHONPATH=$site${PYTHONPATH:+:$PYTHONPATH}
fi
export DAFL_KERNEL_CACHE=$WORK/kernels DOTNET_CLI_TELEMETRY_OPTOUT=1

step unpack 60 bash -c "rm -rf '$WORK/dafl' '$WORK/bench' && mkdir -p '$WORK/dafl' '$WORK/bench' &&
    tar -xzf '$PACK/dafl.tar.gz' -C '$WORK/dafl' && tar -xzf '$PACK/bench.tar.gz' -C '$WORK/bench'" || exit 1
DAFL=$WORK/dafl/dafl
DATA=$PACK/data

if command -v nvidia-smi >/dev/null; then step nvidia-smi 15 nvidia-smi; fi
step doctor 90 "$DAFL" doctor --device "$DEVICE" --batch "$BATCH" --steps "$STEPS" --json "$OUT/doctor.json"
step teacher 75 "$DAFL" teacher --dataset mnist --data "$DATA" --epochs "$TEACHER_EPOCHS" --out "$WORK/teacher/teacher.safetensors" "${DEVICE_ARG[@]}"
step distill 200 "$DAFL" distill --preset mnist --teacher "$WORK/teacher/teacher.safetensors" --data "$DATA" --out "$WORK/distill" "${DISTILL[@]}" "${DEVICE_ARG[@]}"
cp "$WORK/distill/metrics.jsonl" "$OUT/distill.jsonl" 2>/dev/null
step reference 75 "$PYTHON" tools/reference/dafl_pytorch.py distill --preset mnist --device "$DEVICE" --threads "$(nproc)" \
    --data "$DATA" --teacher "$WORK/teacher/teacher.safetensors" --out "$WORK/reference" "${REFERENCE[@]}"
cp "$WORK/reference/distill.jsonl" "$OUT/reference.jsonl" 2>/dev/null
step benchmarks 50 "$WORK/bench/DafL.Benchmarks" --filter "$BENCH_FILTER" --quick --in-process --artifacts "$WORK/bench-results"
cat "$WORK"/bench-results/results/*-report-github.md >"$OUT/bench.md" 2>/dev/null
if command -v compute-sanitizer >/dev/null; then
    step sanitizer 45 compute-sanitizer --tool memcheck --log-file "$OUT/sanitizer.txt" "$DAFL" distill --preset mnist \
        --teacher "$WORK/teacher/teacher.safetensors" --data "$DATA" --out "$WORK/sanitize" --no-eval "${SANITIZE[@]}" "${DEVICE_ARG[@]}"
else
    echo "compute-sanitizer is not on this machine" >"$OUT/sanitizer.txt"
fi
echo "results in $OUT:" && ls -l "$OUT"
