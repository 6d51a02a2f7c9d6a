#!/usr/bin/env bash
# Prepares the device check for the lent GPU machine (H200, CUDA 13, driver 580; no dotnet, nothing downloadable)
# and prints the two `run` calls that perform it.
#
#   tools/device-check.sh            publish into .device/ (git-ignored), check the 64 MiB limit, print the calls
#   tools/device-check.sh --dry-run  the same, then run the whole GPU side here on the mock GPU at a tiny scale,
#                                    both calls, into .device-out/{first,full}, and print the report
#   tools/device-check.sh --skip-publish [--dry-run]   reuse .device/ as it is
#
# .device/ holds apps.tar.xz, three self-contained trimmed apps that need no SDK: dafl, the NUnit test project as
# its own runner (Microsoft.Testing.Platform) and the BenchmarkDotNet project (in-process), their identical files
# stored once as hard links; and data/mnist/*.gz (MNIST's IDX files, gzipped; the readers take .gz). The GPU side
# is tools/device-run.sh (it travels with the working tree); tools/device-report.py turns what comes back into a
# docs/GPU.md section.
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
# DafL.Training serialises configs and metrics with reflection-based System.Text.Json and NUnit finds tests by
# reflection (hence the trim analysis is off and reflection-based JSON stays enabled). The dry run exercises
# exactly this build.
TRIM=(-c Release -r linux-x64 --self-contained -p:PublishTrimmed=true -p:TrimMode=partial -p:EnableTrimAnalyzer=false
      -p:SuppressTrimAnalysisWarnings=true -p:JsonSerializerIsReflectionEnabledByDefault=true -p:DebugType=none -warnaserror)

# publish NAME PROJECT EXECUTABLE [MSBUILD-ARGS...]: a trimmed self-contained publish into .device/build/NAME.
publish_app() {
    local name=$1 project=$2 executable=$3
    shift 3
    echo "== publishing $name"
    dotnet publish "$project" "${TRIM[@]}" "$@" -o "$PACK/build/$name" | grep -E "warn|error|->" || true
    [[ -x $PACK/build/$name/$executable ]] || { echo "publishing $name failed: no $PACK/build/$name/$executable" >&2; exit 1; }
}

if ((publish)); then
    if [[ ! -f data/mnist/train-images-idx3-ubyte && ! -f data/mnist/train-images-idx3-ubyte.gz ]]; then
        echo "MNIST is missing from data/mnist: fetch it with 'dotnet pwsh build.ps1 data'." >&2
        exit 1
    fi
    rm -rf "$PACK" && mkdir -p "$PACK/build" "$PACK/data/mnist"
    publish_app dafl src/DafL.Cli dafl
    publish_app tests tests/DafL.Tests DafL.Tests -p:TestRunner=nunit
    publish_app bench benchmarks/DafL.Benchmarks DafL.Benchmarks
    du -sh "$PACK"/build/*
    # The runtime's native libraries and our assemblies are the same in every app: keep one copy, and tar stores
    # the others as links to it.
    (cd "$PACK/build" && find bench tests -type f | while read -r file; do
        first=dafl/${file#*/}
        if [[ -f $first ]] && cmp -s "$first" "$file"; then ln -f "$first" "$file"; fi
    done)
    du -sh "$PACK/build"
    tar -cf - -C "$PACK/build" dafl tests bench | xz -9 -T0 >"$PACK/apps.tar.xz"
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

== the device calls (every stage inside is time-boxed; the second call is worth it only once the first is clean):
1. run(command="bash tools/device-run.sh", carry=[".device"], timeout_s=300)          staged, 300 s at most
2. run(command="bash tools/device-run.sh --full", carry=[".device"], timeout_s=600)   the paper's whole MNIST run
then, here: python3 tools/device-report.py /work/.device/<files_at of 1> [<files_at of 2>] >> docs/GPU.md   (review before committing)
CALL

if ((dry_run)); then
    [[ -f .mockgpu/env.sh ]] || { echo "the dry run needs the mock GPU: dotnet pwsh build.ps1 mockgpu" >&2; exit 1; }
    echo
    echo "== dry run: the GPU side on the mock GPU at a tiny scale, into .device-out/"
    rm -rf .device-out && mkdir -p .device-out
    # Only here do the DAFL_* variables point the library locator at the mock; device-run.sh never sets them.
    (. .mockgpu/env.sh && OUT=$(pwd)/.device-out/first SCALE=tiny bash tools/device-run.sh)
    (. .mockgpu/env.sh && OUT=$(pwd)/.device-out/full SCALE=tiny bash tools/device-run.sh --full)
    python3 tools/device-report.py .device-out/first .device-out/full
fi
