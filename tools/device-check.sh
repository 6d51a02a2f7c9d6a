#!/usr/bin/env bash
# Prepares the device check for the lent GPU machine (H200, CUDA 13, driver 580; no dotnet, nothing downloadable)
# and prints the `run` call that performs it.
#
#   tools/device-check.sh            publish into .device/ (git-ignored, under 64 MiB), measure it, print the call
#   tools/device-check.sh --dry-run  the same, then run the GPU side here on the CPU at a tiny scale (into .device-out/)
#   tools/device-check.sh --skip-publish [--dry-run]   reuse .device/ as it is
#
# .device/ holds: dafl.tar.gz (a self-contained, trimmed `dafl`), bench.tar.gz (the BenchmarkDotNet project,
# self-contained, run in-process there), data/mnist/*.gz (MNIST's IDX files, gzipped; both readers take .gz).
# The GPU side is tools/device-run.sh (it travels with the working tree); tools/device-report.py turns what comes
# back into a docs/GPU.md section.
set -euo pipefail
cd "$(dirname "$0")/.."

dry_run=0 publish=1
for arg in "$@"; do
    case $arg in
        --dry-run) dry_run=1 ;;
        --skip-publish) publish=0 ;;
        *) echo "usage: $0 [--dry-run] [--skip-publish]" >&2; exit 2 ;;
    esac
done

PACK=.device
LIMIT=$((64 * 1024 * 1024))
# Trimming: the framework is trimmed, our assemblies and the packages are kept whole (TrimMode=partial), because
# DafL.Training serialises configs and metrics with reflection-based System.Text.Json (hence the trim analysis is
# off for them and reflection-based JSON stays enabled). The dry run exercises exactly this build.
TRIM=(-c Release -r linux-x64 --self-contained -p:PublishTrimmed=true -p:TrimMode=partial -p:EnableTrimAnalyzer=false
      -p:SuppressTrimAnalysisWarnings=true -p:JsonSerializerIsReflectionEnabledByDefault=true -p:DebugType=none)

if ((publish)); then
    if [[ ! -f data/mnist/train-images-idx3-ubyte && ! -f data/mnist/train-images-idx3-ubyte.gz ]]; then
        echo "MNIST is missing from data/mnist: fetch it with 'dotnet pwsh build.ps1 data'." >&2
        exit 1
    fi
    rm -rf "$PACK" && mkdir -p "$PACK/build" "$PACK/data/mnist"
    echo "== publishing dafl"
    dotnet publish src/DafL.Cli "${TRIM[@]}" -o "$PACK/build/dafl" -warnaserror | grep -E "warn|error|->" || true
    [[ -x $PACK/build/dafl/dafl ]] || { echo "publishing dafl failed" >&2; exit 1; }
    echo "== publishing the benchmarks"
    dotnet publish benchmarks/DafL.Benchmarks "${TRIM[@]}" -o "$PACK/build/bench" -warnaserror | grep -E "warn|error|->" || true
    [[ -x $PACK/build/bench/DafL.Benchmarks ]] || { echo "publishing the benchmarks failed" >&2; exit 1; }
    du -sh "$PACK/build/dafl" "$PACK/build/bench"
    tar -czf "$PACK/dafl.tar.gz" -C "$PACK/build/dafl" .
    tar -czf "$PACK/bench.tar.gz" -C "$PACK/build/bench" .
    rm -rf "$PACK/build"
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
        if [[ -f data/mnist/$f.gz ]]; then cp "data/mnist/$f.gz" "$PACK/data/mnist/"; else gzip -9 -c "data/mnist/$f" >"$PACK/data/mnist/$f.gz"; fi
    done
fi

echo "== .device/ (what travels besides the working tree)"
find "$PACK" -type f -printf '%10s  %p\n' | sort -k2
total=$(du -sb "$PACK" | cut -f1)
tree=$(git ls-files -co --exclude-standard -z | du -cb --files0-from=- 2>/dev/null | tail -1 | cut -f1)
printf 'total %d bytes (%.1f MiB) in .device, %.1f MiB in the working tree; the limit is 64 MiB for both together\n' \
    "$total" "$(echo "$total / 1048576" | bc -l)" "$(echo "$tree / 1048576" | bc -l)"
((total + tree < LIMIT)) || { echo "too large for one device call" >&2; exit 1; }

cat <<'CALL'

== the device call (one call, about 9 minutes at most; every step inside is time-boxed):
run(command="bash tools/device-run.sh", carry=[".device"], timeout_s=590)
then, here: python3 tools/device-report.py /work/.device/<files_at> >> docs/GPU.md   (review before committing)
CALL

if ((dry_run)); then
    echo
    echo "== dry run: the GPU side on the CPU at a tiny scale, into .device-out/"
    rm -rf .device-out && mkdir -p .device-out
    OUT=$(pwd)/.device-out DEVICE=cpu SCALE=tiny WORK=$(mktemp -d) bash tools/device-run.sh
    python3 tools/device-report.py .device-out
fi
