#!/usr/bin/env bash
# DAFL here and in the PyTorch reference, from the SAME teacher checkpoint, over several seeds, back to back;
# prints one row per seed (best / last test accuracy, mean step time) and the means. Used for docs/RESULTS.md.
#   tools/compare-seeds.sh PRESET TEACHER OUT_ROOT SEED [SEED...]
#   e.g. tools/compare-seeds.sh fashion-mnist runs/fashion/teacher.safetensors runs/seeds-fashion 1 2 3
# Needs: the Release build of the CLI (dotnet build src/DafL.Cli -c Release), /usr/bin/python3 with torch, the data
# folder (dotnet pwsh build.ps1 data). Extra arguments for both sides can be given in DAFL_ARGS (same flag names), and
# for the PyTorch side only in TORCH_ARGS (e.g. TORCH_ARGS="--rng dafl": our initial weights and noise for that seed).
# "mean10" is the mean test accuracy over the last 10 epochs: steadier than best or last, which move by points.
set -euo pipefail
[[ $# -ge 4 ]] || { sed -n 2,7p "$0"; exit 2; }
preset=$1 teacher=$2 root=$3; shift 3
repo=$(cd "$(dirname "$0")/.." && pwd)
dafl=${DAFL:-$repo/src/DafL.Cli/bin/Release/net10.0/dafl}
python=${PYTHON:-/usr/bin/python3}
dataset=$($python -c "import sys; sys.path.insert(0, '$repo/tools/reference'); import dafl_pytorch as d; print(d.PRESETS['$preset']['dataset'])")
mkdir -p "$root"
for seed in "$@"; do
  [[ ${TABLE_ONLY:-0} == 1 ]] && break  # TABLE_ONLY=1: only print the table of runs already in OUT_ROOT
  "$dafl" distill --preset "$preset" --teacher "$teacher" --seed "$seed" --out "$root/ours-s$seed" ${DAFL_ARGS:-} > "$root/ours-s$seed.log"
  $python "$repo/tools/reference/dafl_pytorch.py" distill --preset "$preset" --teacher "$teacher" --seed "$seed" \
    --data "data/$dataset" --out "$root/torch-s$seed" ${DAFL_ARGS:-} ${TORCH_ARGS:-} > "$root/torch-s$seed.log"
done
$python - "$root" "$@" <<'PY'
import json, sys
root, seeds = sys.argv[1], sys.argv[2:]
def rows(path, key, value):
    return [r for r in (json.loads(l) for l in open(path) if l.strip()) if r.get(key) == value]
def mean(xs):
    return sum(xs) / len(xs)
cols = ["ours best", "ours last", "ours mean10", "ours ms", "torch best", "torch last", "torch mean10", "torch ms"]
print("seed  " + " ".join(f"{c:>12}" for c in cols))
table = []
for s in seeds:
    o = rows(f"{root}/ours-s{s}/metrics.jsonl", "kind", "distill_epoch")
    t = rows(f"{root}/torch-s{s}/distill.jsonl", "event", "epoch")
    done = rows(f"{root}/torch-s{s}/distill.jsonl", "event", "done")[-1]
    row = [100 * o[-1]["best_acc"], 100 * o[-1]["test_acc"], 100 * mean([r["test_acc"] for r in o[-10:]]),
           mean([r["step_ms"] for r in o]),
           100 * done["best_acc"], 100 * done["last_acc"], 100 * mean([r["acc"] for r in t[-10:]]), done["mean_step_ms"]]
    table.append(row)
    print(f"{s:>4}  " + " ".join(f"{v:12.2f}" for v in row))
print("mean  " + " ".join(f"{mean(c):12.2f}" for c in zip(*table)))
PY
