#!/usr/bin/env bash
# Installs what the benchmarks compare against (issue 19's baselines at their best): Debian's
# PyTorch, run by bench/torch_*.py with the system python, and tcmalloc, which the harness
# preloads for two of PyTorch's four configurations (bench/common.ts). Safe to run again:
# only missing packages are installed. Run as root (or with sudo available).
# onnxruntime-node and the tfjs wasm backend come with `npm ci` (devDependencies).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  python3                 # the system python that bench/torch_*.py run under
  python3-torch           # PyTorch (Debian's build: OpenMP, oneDNN)
  libtcmalloc-minimal4    # tcmalloc, preloaded for PyTorch's tcmalloc configurations
)

# shellcheck source=scripts/apt-install.sh
source scripts/apt-install.sh
apt_install_missing "${APT_PACKAGES[@]}"

# What the harness will use: the same paths as bench/common.ts.
if ! /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then
  echo "setup-bench: /usr/bin/python3 cannot import torch" >&2
  exit 1
fi
if [ ! -f /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 ]; then
  echo "setup-bench: /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 is missing" >&2
  exit 1
fi
if [ ! -d node_modules/onnxruntime-node ] || [ ! -d node_modules/@tensorflow/tfjs-backend-wasm ]; then
  echo "setup-bench: onnxruntime-node or @tensorflow/tfjs-backend-wasm is missing: run scripts/setup.sh (npm ci) first" >&2
  exit 1
fi
echo "setup-bench: done (PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), tcmalloc $(dpkg-query -W -f '${Version}' libtcmalloc-minimal4))"
