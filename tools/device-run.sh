#!/usr/bin/env bash
# The GPU side of tools/device-check.sh. It runs on the lent machine (no dotnet there) from the repository root,
# with .device/ carried: apps.tar.xz (self-contained dafl, the NUnit test runner, the benchmarks) and gzipped MNIST.
#
#   bash tools/device-run.sh          the first call, staged: 300 s at most      run(..., timeout_s=300)
#   bash tools/device-run.sh --full   the second call: the paper's whole MNIST run (200 × 120 steps), its progress
#                                     printed as it goes; 600 s at most          run(..., timeout_s=600)
#
# Each stage runs under its own timeout, cut to what is left of the call; the moment it ends it appends its line to
# steps.tsv (stage, exit, seconds, limit, note) and has left its result under $OUT. A failed stage does not stop
# the later ones. The limits of the first call's stages add up to 265 s (275 s at the dry run's tiny scale);
# compute-sanitizer runs last, on whatever is left, and a timeout there is not a failure. What comes back (8 files
# at most): steps.tsv, run.log (every stage's output: the result of unpack, machine and teacher), doctor.json
# (written by `dafl doctor` after each of its own stages), tests.txt (the CUDA tests), distill.jsonl (ours),
# reference.jsonl (PyTorch), bench.md, sanitizer.txt.
#
# Environment: OUT (required); SCALE=paper (default) or tiny (tools/device-check.sh --dry-run: a slice of MNIST,
# batches of a few, for the mock GPU); CALL_SECONDS (default 300, --full 600): the call's limit; WORK (default
# .device-work): unpacked apps and run folders, inside the repository so that the tests find its cuda/ folder;
# PYTHON (default: the first of python3, /usr/bin/python3 that imports torch).
set -uo pipefail

FULL=0
case ${1:-} in
    --full) FULL=1 ;;
    "") ;;
    *) echo "usage: $0 [--full]" >&2; exit 2 ;;
esac
: "${OUT:?set OUT to the folder for the results}"
SCALE=${SCALE:-paper}
[[ $SCALE == paper || $SCALE == tiny ]] || { echo "SCALE must be paper or tiny, got '$SCALE'" >&2; exit 2; }
START=$(date +%s)
CALL_SECONDS=${CALL_SECONDS:-$(( FULL ? 600 : 300 ))}
# Kept back from the call for the timeouts' grace (2 s each) and the listing at the end.
DEADLINE=$(( START + CALL_SECONDS - 10 ))
ROOT=$(pwd)
PACK=$ROOT/.device
WORK=${WORK:-$ROOT/.device-work}
if [[ -z ${PYTHON:-} ]]; then  # the first Python that has PyTorch (plain python3 on the lent machine)
    for candidate in python3 /usr/bin/python3; do
        if "$candidate" -c 'import torch, numpy' 2>/dev/null; then PYTHON=$candidate; break; fi
    done
fi
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT" "$WORK"
LOG=$OUT/run.log
: >"$LOG"
printf 'stage\texit\tseconds\tlimit\tnote\n' >"$OUT/steps.tsv"

# record NAME EXIT SECONDS LIMIT NOTE: one line of steps.tsv, and one on the console.
record() {
    printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$OUT/steps.tsv"
    printf '%-12s exit %-3s %8s s (limit %3s s)  %s\n' "$@"
}

# stage NAME LIMIT NOTE-ON-TIMEOUT COMMAND...: runs COMMAND under timeout, LIMIT seconds cut to what is left of
# the call, its output appended to run.log (and shown as it goes with --full). Returns COMMAND's exit status.
stage() {
    local name=$1 limit=$2 on_timeout=$3
    shift 3
    local left=$(( DEADLINE - $(date +%s) ))
    (( limit > left )) && limit=$left
    if (( limit < 1 )); then
        record "$name" - 0 0 "not run: no time left in the call"
        return 1
    fi
    printf '\n===== %s (limit %s s): %s\n' "$name" "$limit" "$*" >>"$LOG"
    local begin rc ms note=""
    begin=$(date +%s%N)
    if ((FULL)); then
        timeout --kill-after=2 "$limit" "$@" 2>&1 | tee -a "$LOG"
        rc=${PIPESTATUS[0]}
    else
        timeout --kill-after=2 "$limit" "$@" >>"$LOG" 2>&1
        rc=$?
    fi
    ms=$(( ($(date +%s%N) - begin) / 1000000 ))
    [[ $rc == 124 || $rc == 137 ]] && note="ran out of time${on_timeout:+: $on_timeout}"
    record "$name" "$rc" "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))" "$limit" "$note"
    return "$rc"
}

skip() { record "$1" - 0 0 "skipped: $2"; }

finish() {
    printf 'total %d s of the call'"'"'s %d s; results in %s:\n' $(( $(date +%s) - START )) "$CALL_SECONDS" "$OUT"
    ls -l "$OUT"
}

# The CUDA libraries on the lent machine are NVIDIA's Python wheels next to PyTorch; DafL.Native looks for them in
# the site-packages folders named by PYTHONPATH. The dry run points DAFL_* at the mock GPU instead (.mockgpu/env.sh).
site=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' 2>/dev/null) &&
    export PYTHONPATH=$site${PYTHONPATH:+:$PYTHONPATH}
export DAFL_KERNEL_CACHE=$WORK/kernels DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 PYTHONUNBUFFERED=1
{
    echo "device-run.sh${1:+ $1} at $(date -u +%FT%TZ): SCALE=$SCALE CALL_SECONDS=$CALL_SECONDS PYTHON=$PYTHON PYTHONPATH=${PYTHONPATH:-}"
    env | grep '^DAFL_' | sort
} >>"$LOG"

APPS=$WORK/apps
DAFL=$APPS/dafl/dafl
DATA=$PACK/data
TEACHER=$WORK/teacher/teacher.safetensors
TORCH_DEVICE=$("$PYTHON" -c 'import torch; print("cuda" if torch.cuda.is_available() else "cpu")' 2>/dev/null || echo cpu)

# Unpacks the apps (tar, or Python's tarfile where tar lacks xz) and, at the tiny scale, writes a slice of MNIST.
unpack() {
    rm -rf "$APPS" "$WORK/teacher" "$WORK/distill" "$WORK/reference" "$WORK/bench" "$WORK/sanitize" && mkdir -p "$APPS" || return 1
    tar -xJf "$PACK/apps.tar.xz" -C "$APPS" 2>/dev/null ||
        "$PYTHON" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$PACK/apps.tar.xz" "$APPS" || return 1
    [[ $SCALE == tiny ]] || return 0
    "$PYTHON" - "$PACK/data/mnist" "$WORK/data/mnist" <<'PY'
import gzip, math, os, struct, sys
source, target = sys.argv[1:]
os.makedirs(target, exist_ok=True)
for name, count in [("train-images-idx3-ubyte", 1024), ("train-labels-idx1-ubyte", 1024),
                    ("t10k-images-idx3-ubyte", 256), ("t10k-labels-idx1-ubyte", 256)]:
    with gzip.open(os.path.join(source, name + ".gz")) as f:
        raw = f.read()
    ndim = raw[3]
    dims = list(struct.unpack(f">{ndim}i", raw[4:4 + 4 * ndim]))
    body = 4 + 4 * ndim
    dims[0] = count
    with gzip.open(os.path.join(target, name + ".gz"), "wb") as f:
        f.write(raw[:4] + struct.pack(f">{ndim}i", *dims) + raw[body:body + count * math.prod(dims[1:])])
PY
}

# What the machine is: the GPU, PyTorch, and the CUDA libraries in the wheels.
machine() {
    if command -v nvidia-smi >/dev/null; then nvidia-smi; else echo "nvidia-smi: not on this machine"; fi
    "$PYTHON" -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, "available", torch.cuda.is_available())'
    ls "$site"/nvidia/*/lib 2>/dev/null | grep -E '^/|\.so' | head -60
}

# teacher DEVICE EPOCHS: our teacher; where even the CPU one fails, the PyTorch reference's, so that the reference runs.
teacher() {
    "$DAFL" teacher --dataset mnist --data "$DATA" --epochs "$2" --out "$TEACHER" --device "$1" && [[ -s $TEACHER ]] && return 0
    [[ $1 == cpu ]] || return 1
    echo "dafl teacher failed on the CPU too: the PyTorch reference trains the teacher"
    "$PYTHON" tools/reference/dafl_pytorch.py teacher --preset mnist --data "$DATA" --epochs "$2" --out "$(dirname "$TEACHER")" \
        --device "$TORCH_DEVICE" --threads "$(nproc)" && [[ -s $TEACHER ]]
}

# teachers EPOCHS CUDA-LIMIT CPU-LIMIT CPU-EPOCHS: the teacher on CUDA, and on the CPU when CUDA fails.
teachers() {
    stage teacher "$2" "" bash -c 'teacher cuda "$0"' "$1" && return 0
    stage teacher-cpu "$3" "" bash -c 'teacher cpu "$0"' "$4"
}

# The stages run under timeout, which runs programs, not functions: each function stage is a bash that inherits them.
export -f unpack machine teacher
export PACK APPS WORK SCALE PYTHON DAFL DATA TEACHER TORCH_DEVICE site

stage unpack 15 "" bash -c unpack
[[ $SCALE == tiny ]] && export DATA=$WORK/data
stage machine 5 "" bash -c machine

if ((FULL)); then
    # The paper's MNIST run, whole: the official teacher (9 epochs), then 200 epochs of 120 steps at batch 512.
    # dafl prints a line per epoch, shown here as it comes; what is done when the call ends is in distill.jsonl.
    if [[ $SCALE == tiny ]]; then TEACHER_EPOCHS=1 DISTILL=(--epochs 3 --iters 2 --batch 4); else TEACHER_EPOCHS=9 DISTILL=(); fi
    teachers "$TEACHER_EPOCHS" 90 150 "$TEACHER_EPOCHS"
    stage distill $(( DEADLINE - $(date +%s) )) "the epochs so far are in distill.jsonl" \
        "$DAFL" distill --preset mnist --teacher "$TEACHER" --data "$DATA" --out "$WORK/distill" "${DISTILL[@]}" --device cuda
    cp "$WORK/distill/metrics.jsonl" "$OUT/distill.jsonl" 2>/dev/null
    finish
    exit 0
fi

if [[ $SCALE == tiny ]]; then
    DOCTOR=(--batch 4 --steps 2) TEACHER_EPOCHS=1 DISTILL=(--epochs 2 --iters 2 --batch 4)
    REFERENCE=(--epochs 2 --iters-per-epoch 2 --batch 4) BENCH=(--preset mnist-quick --batch 4) SANITIZE=(--iters 2 --batch 4)
    # The mock runs every kernel in the CPU emulator: the tests, which do not shrink, take about a minute there.
    TESTS_LIMIT=90 REFERENCE_LIMIT=20 BENCH_LIMIT=20
else
    # The paper's MNIST preset at its own shapes (batch 512, generator width 128) for 3 epochs of 20 steps, on both
    # sides: enough for the step times and a first accuracy; the whole run is the second call (--full).
    DOCTOR=(--batch 128 --steps 3) TEACHER_EPOCHS=2 DISTILL=(--epochs 3 --iters 20)
    REFERENCE=(--epochs 3 --iters-per-epoch 20) BENCH=() SANITIZE=(--iters 3 --batch 64)
    TESTS_LIMIT=45 REFERENCE_LIMIT=40 BENCH_LIMIT=35
fi

# Exits 1 when CUDA cannot start or a check is out of tolerance; doctor.json says which stage it reached.
stage doctor 50 "doctor.json holds the stages it finished" "$DAFL" doctor --device cuda "${DOCTOR[@]}" --json "$OUT/doctor.json"

# NUnit's own runner (Microsoft.Testing.Platform): no SDK needed. Detailed output lists every test as it finishes,
# so a timeout still shows how far it got.
CUDA_TESTS='FullyQualifiedName~Cuda|FullyQualifiedName~DafL.Tests.Native|FullyQualifiedName~Device'
stage tests "$TESTS_LIMIT" "tests.txt lists the tests that finished" bash -c '"$0" --filter "$1" --output Detailed --no-ansi --no-progress \
    --results-directory "$2" >"$3" 2>&1' "$APPS/tests/DafL.Tests" "$CUDA_TESTS" "$WORK/test-results" "$OUT/tests.txt"

# One epoch on the CPU: 16 cores do one in seconds, and the teacher only has to be a teacher.
teachers "$TEACHER_EPOCHS" 20 25 1

if [[ -s $TEACHER ]]; then
    stage distill 30 "the epochs so far are in distill.jsonl" "$DAFL" distill --preset mnist --teacher "$TEACHER" --data "$DATA" \
        --out "$WORK/distill" "${DISTILL[@]}" --device cuda
    cp "$WORK/distill/metrics.jsonl" "$OUT/distill.jsonl" 2>/dev/null
    stage reference "$REFERENCE_LIMIT" "the epochs so far are in reference.jsonl" "$PYTHON" tools/reference/dafl_pytorch.py distill --preset mnist \
        --device "$TORCH_DEVICE" --threads "$(nproc)" --data "$DATA" --teacher "$TEACHER" --out "$WORK/reference" "${REFERENCE[@]}"
    cp "$WORK/reference/distill.jsonl" "$OUT/reference.jsonl" 2>/dev/null
else
    skip distill "no teacher"
    skip reference "no teacher"
fi

stage bench "$BENCH_LIMIT" "" "$APPS/bench/DafL.Benchmarks" --filter '*DaflStep*' --quick --device cuda "${BENCH[@]}" --artifacts "$WORK/bench"
compgen -G "$WORK/bench/results/*-report-github.md" >/dev/null && cat "$WORK"/bench/results/*-report-github.md >"$OUT/bench.md"

SANITIZER=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null)
if [[ -z $SANITIZER ]]; then
    echo "compute-sanitizer is not on this machine" >"$OUT/sanitizer.txt"
    skip sanitizer "compute-sanitizer is not on this machine"
elif [[ ! -s $TEACHER ]]; then
    echo "no teacher to distil from" >"$OUT/sanitizer.txt"
    skip sanitizer "no teacher"
else
    stage sanitizer $(( DEADLINE - $(date +%s) )) "not a failure: it ran on what was left of the call" \
        "$SANITIZER" --tool memcheck --log-file "$OUT/sanitizer.txt" "$DAFL" distill --preset mnist --teacher "$TEACHER" \
        --data "$DATA" --out "$WORK/sanitize" --no-eval --epochs 1 "${SANITIZE[@]}" --device cuda
fi
finish
