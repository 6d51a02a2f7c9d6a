#!/usr/bin/env bash
# Our DAFL step against the PyTorch reference's, timed ALTERNATELY in one run (ours, PyTorch, PyTorch, ours, ...), so
# that both sides see the same machine; prints, per (batch, generator width): our ms, PyTorch's ms, the ratio, our
# GFLOP/s of dense work and its share of the FMA peak of the same thread count measured in the same run, with the
# load average before and after. Used for docs/PERF.md.
#   tools/bench-step.sh [ROUNDS]        (default 3 rounds per shape; each round times each side once)
#   SHAPES="64x16 512x32" tools/bench-step.sh 2      (only these shapes)
#   BEFORE=/path/to/other/checkout/src/DafL.Cli/bin/Release/net10.0/dafl tools/bench-step.sh
#                                       (also times that build of dafl in the same rounds: a before/after column)
# Needs: the .NET SDK (the CLI is built here in Release) and /usr/bin/python3 with torch (Debian python3-torch).
# Both sides: LeNet-5 teacher of random weights (the cost does not depend on them), LeNet-5-half student, the
# official losses, Adam for both, no data and no evaluation; each step timed on its own clock after a warm-up
# (dafl profile --json; dafl_pytorch.py step). Per side the median of the rounds' mean step times is reported.
set -euo pipefail
rounds=${1:-3}
shapes=${SHAPES:-"64x16 64x128 256x32 512x32 512x128"}
threads=${THREADS:-$(nproc)}
repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-/usr/bin/python3}
"$python" -c 'import torch' 2>/dev/null || { echo "bench-step: $python has no torch (Debian: apt-get install -y python3-torch)" >&2; exit 2; }
dotnet build "$repo/src/DafL.Cli" -c Release -v quiet -nologo > /dev/null
dafl=$repo/src/DafL.Cli/bin/Release/net10.0/dafl
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Warm-up and timed steps by shape: enough steps that the JIT has tiered the kernels up at the small shapes (the first
# ~50 steps run slower), few enough that the largest shape stays within minutes.
steps_for() {
  local cost=$(($1 * $2))
  if ((cost <= 2048)); then echo "50 50"
  elif ((cost <= 16384)); then echo "20 10"
  else echo "3 3"; fi
}

ours() {  # batch width warmup steps
  "$dafl" profile --preset mnist --batch "$1" --gen-width "$2" --warmup "$3" --steps "$4" --json
}
before() {
  "$BEFORE" profile --preset mnist --batch "$1" --gen-width "$2" --warmup "$3" --steps "$4" --json
}
theirs() {
  OMP_NUM_THREADS=$threads "$python" "$repo/tools/reference/dafl_pytorch.py" step --preset mnist --batch "$1" --gen-width "$2" \
    --warmup "$3" --steps "$4" --threads "$threads" --out "$out/ref"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores, $threads threads; $(date -u '+%Y-%m-%d %H:%M UTC')"
for shape in $shapes; do
  b=${shape%x*} w=${shape#*x}
  read -r warm steps <<< "$(steps_for "$b" "$w")"
  for ((r = 0; r < rounds; r++)); do
    # Alternate which side goes first, so that neither always runs on a machine the other has just warmed or heated.
    if ((r % 2 == 0)); then
      ours "$b" "$w" "$warm" "$steps" >> "$out/ours-$shape.jsonl"
      theirs "$b" "$w" "$warm" "$steps" >> "$out/torch-$shape.jsonl"
    else
      theirs "$b" "$w" "$warm" "$steps" >> "$out/torch-$shape.jsonl"
      ours "$b" "$w" "$warm" "$steps" >> "$out/ours-$shape.jsonl"
    fi
    if [[ -n ${BEFORE:-} ]]; then before "$b" "$w" "$warm" "$steps" >> "$out/before-$shape.jsonl"; fi
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

"$python" - "$out" $shapes <<'PY'
import json, statistics, sys
out, shapes = sys.argv[1], sys.argv[2:]
def load(side, shape):
    return [json.loads(l) for l in open(f"{out}/{side}-{shape}.jsonl") if l.strip()]
import os
has_before = os.path.exists(f"{out}/before-{shapes[0]}.jsonl")
print("| batch, width | ours ms (fastest step) | PyTorch ms (fastest step) | ours / PyTorch | ours GFLOP/s | share of FMA peak |"
      + (" before ms | before / ours |" if has_before else "") + " rounds |")
print("|---|---|---|---|---|---|" + ("---|---|" if has_before else "") + "---|")
for shape in shapes:
    ours, torch = load("ours", shape), load("torch", shape)
    o = statistics.median(r["step_ms"] for r in ours)
    t = statistics.median(r["step_ms"] for r in torch)
    gflop = ours[0]["gflop"]
    peak = statistics.median(r["peak_gflops"] for r in ours)
    b, w = shape.split("x")
    print(f"| {b}, {w} | {o:.1f} ({min(r['min_step_ms'] for r in ours):.1f}) | {t:.1f} ({min(r['min_step_ms'] for r in torch):.1f}) "
          f"| {o / t:.2f} | {gflop / (o / 1000):.0f} | {gflop / (o / 1000) / peak:.0%} of {peak:.0f} |", end="")
    if has_before:
        e = statistics.median(r["step_ms"] for r in load("before", shape))
        print(f" {e:.1f} | {e / o:.2f} |", end="")
    print(f" {len(ours)} |")
PY
