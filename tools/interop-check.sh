#!/usr/bin/env bash
# Checkpoint interop with PyTorch, both ways, on MNIST (needs Debian's python3-torch and data/mnist):
#  1. a LeNet-5 teacher trained by PyTorch (tools/reference/dafl_pytorch.py) scores the same here (dafl eval)
#     and distils here (dafl distill, a short mnist-quick run);
#  2. the student trained here loads in PyTorch (load_state_dict, strict) and scores the same there.
# Usage: tools/interop-check.sh [WORK_DIR]   (default: runs/interop)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-runs/interop}
mkdir -p "$work"
py=/usr/bin/python3
dafl="dotnet run -c Release --project src/DafL.Cli --"

echo "== PyTorch trains a LeNet-5 teacher (2 epochs)"
$py tools/reference/dafl_pytorch.py teacher --preset mnist --epochs 2 --data data/mnist --out "$work/torch" | tail -1
teacher="$work/torch/teacher.safetensors"

echo "== the PyTorch teacher, evaluated here and there"
$dafl eval --model "$teacher" --data data
$py tools/reference/dafl_pytorch.py eval --model "$teacher" --data data/mnist --out "$work/torch" | tail -1

echo "== the PyTorch teacher distils here (mnist-quick, 3 epochs)"
$dafl distill --teacher "$teacher" --preset mnist-quick --epochs 3 --data data --out "$work/distill" | tail -12

echo "== the student trained here, evaluated here and in PyTorch"
$dafl eval --model "$work/distill/student-best.safetensors" --data data
$py tools/reference/dafl_pytorch.py eval --model "$work/distill/student-best.safetensors" --data data/mnist --out "$work/torch" | tail -1
