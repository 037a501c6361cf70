#!/usr/bin/env bash
# Installs what a fresh machine lacks (Debian packages with the real data sets and the
# ONNX operator test vectors, then the npm dependencies) and builds Neurite.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  dataset-fashion-mnist   # real Fashion-MNIST (IDX, gzipped) for the demo and tests
  libonnx-testdata        # ONNX's own operator test vectors
  libopenblas-dev         # BLAS for the native backend (built by npm ci through node-gyp)
  libdnnl-dev             # oneDNN: the native backend's fast convolutions (optional: im2col + BLAS without it)
  g++ make python3        # node-gyp's toolchain
  python3-h5py            # reads Keras .h5 files in tests (a standard-HDF5 oracle)
  python3-onnx            # ONNX's own checker, run on exported models in tests
  python3-torch           # PyTorch as a numeric oracle in tests (nn.MultiheadAttention)
  fortunes                # real text (BSD-licensed fortune cookies) for the text examples and tests
  python3-statsmodels     # real time series (sunspots, CO2 CSVs) for the forecasting example
  openmpi-bin libopenmpi-dev  # MPI for nt.distributed (data-parallel training) and its tests
  python3-scipy           # scipy as a numeric oracle in tests (resample_poly, ndimage's map_coordinates)
  clang lld               # compiles the WebAssembly SIMD backend (wasm32, no Emscripten)
  chromium                # headless browser for the browser tests (driven by playwright-core); its
                          # SwiftShader Vulkan driver gives the WebGPU tests an adapter without a GPU
  libvulkan1              # the Vulkan loader Dawn (the webgpu npm package) opens
)

# shellcheck source=scripts/apt-install.sh
source scripts/apt-install.sh
apt_install_missing "${APT_PACKAGES[@]}"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# TypeDoc (the API reference) with its own TypeScript 6: TypeDoc does not support TypeScript 7 yet.
if [ ! -d tools/typedoc/node_modules ] || [ tools/typedoc/package-lock.json -nt tools/typedoc/node_modules/.package-lock.json ]; then
  npm ci --prefix tools/typedoc --no-audit --no-fund
fi
addon=native/build/Release/neurite_native.node
# Rebuilt when its sources change: the C++ files, the shared kernel headers, or the op table
# and the generator that write build/gen/nt_ops.h (which the kernels switch on).
native_inputs=(native/src native/binding.gyp kernels/include src/backends/op-table.ts src/backends/math.ts scripts/gen-ops.mjs scripts/build-native.mjs)
if [ ! -f "$addon" ] || [ -n "$(find "${native_inputs[@]}" -newer "$addon" 2>/dev/null)" ]; then
  node scripts/build-native.mjs
fi
npm run build
# nt.distributed's MPI binding (native/mpi), rebuilt when its source changes.
mpi_addon=native/mpi/build/Release/neurite_mpi.node
if [ ! -f "$mpi_addon" ] || [ -n "$(find native/mpi/mpi.cc native/mpi/binding.gyp -newer "$mpi_addon" 2>/dev/null)" ]; then
  node scripts/build-mpi.mjs
fi

# setup.sh installed OpenBLAS, clang and the toolchains, so the native and wasm backends must have built.
if [ ! -f native/build/Release/neurite_native.node ]; then
  echo "setup: the native backend did not build (see the node-gyp output above)" >&2
  exit 1
fi
if [ ! -f native/mpi/build/Release/neurite_mpi.node ]; then
  echo "setup: the MPI binding did not build (see scripts/build-mpi.mjs's output above)" >&2
  exit 1
fi
if [ ! -f build/wasm/neurite-kernels.wasm ] || [ ! -f build/wasm/neurite-kernels-mt.wasm ]; then
  echo "setup: the WebAssembly kernels did not build (see scripts/build-wasm.mjs's output above)" >&2
  exit 1
fi
echo "setup: done (native backend built; run 'npm run demo' or 'npm test')"
