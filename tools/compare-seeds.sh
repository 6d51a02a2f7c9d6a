#!/usr/bin/env bash
# DAFL here and in the PyTorch reference, from the SAME teacher checkpoint, over several seeds, back to back;
# prints one row per seed (best / last test accuracy, mean step time) and the means. Used for docs/RESULTS.md.
#   tools/compare-seeds.sh PRESET TEACHER OUT_ROOT SEED [SEED...]
#   e.g. tools/compare-seeds.sh fashion-mnist runs/fashion/teacher.safetensors runs/seeds-fashion 1 2 3
# Needs: the Release build of the CLI (dotnet build src/DafL.Cli -c Release), /usr/bin/python3 with torch, the data
# folder (dotnet pwsh build.ps1 data). Extra arguments for both sides can be given in DAFL_ARGS (same flag names).
set -euo pipefail
[[ $# -ge 4 ]] || { sed -n 2,7p "$0"; exit 2; }
preset=$1 teacher=$2 root=$3; shift 3
repo=$(cd "$(dirname "$0")/.." && pwd)
dafl=${DAFL:-$repo/src/DafL.Cli/bin/Release/net10.0/dafl}
python=${PYTHON:-/usr/bin/python3}
dataset=$($python -c "import sys; sys.path.insert(0, '$repo/tools/reference'); import dafl_pytorch as d; print(d.PRESETS['$preset']['dataset'])")
mkdir -p "$root"
for seed in "$@"; do
  "$dafl" distill --preset "$preset" --teacher "$teacher" --seed "$seed" --out "$root/ours-s$seed" ${DAFL_ARGS:-} > "$root/ours-s$seed.log"
  $python "$repo/tools/reference/dafl_pytorch.py" distill --preset "$preset" --teacher "$teacher" --seed "$seed" \
    --data "data/$dataset" --out "$root/torch-s$seed" ${DAFL_ARGS:-} > "$root/torch-s$seed.log"
done
$python - "$root" "$@" <<'PY'
import json, sys
root, seeds = sys.argv[1], sys.argv[2:]
def last(path, key, value):
    rows = [json.loads(l) for l in open(path) if l.strip()]
    return [r for r in rows if r.get(key) == value][-1], rows
print(f"{'seed':>4}  {'ours best':>9} {'ours last':>9} {'ours ms':>8}   {'torch best':>10} {'torch last':>10} {'torch ms':>8}")
acc = {"ob": [], "ol": [], "tb": [], "tl": []}
for s in seeds:
    o, orows = last(f"{root}/ours-s{s}/metrics.jsonl", "kind", "distill_epoch")
    ems = [r["step_ms"] for r in orows if r.get("kind") == "distill_epoch"]
    t, _ = last(f"{root}/torch-s{s}/distill.jsonl", "event", "done")
    acc["ob"].append(o["best_acc"]); acc["ol"].append(o["test_acc"]); acc["tb"].append(t["best_acc"]); acc["tl"].append(t["last_acc"])
    print(f"{s:>4}  {o['best_acc']*100:8.2f}% {o['test_acc']*100:8.2f}% {sum(ems)/len(ems):8.1f}   "
          f"{t['best_acc']*100:9.2f}% {t['last_acc']*100:9.2f}% {t['mean_step_ms']:8.1f}")
m = {k: 100 * sum(v) / len(v) for k, v in acc.items()}
print(f"mean  {m['ob']:8.2f}% {m['ol']:8.2f}% {'':8}   {m['tb']:9.2f}% {m['tl']:9.2f}%")
PY
