#!/bin/sh
# The GPU bundle's entry (copied to run.sh by scripts/gpu/bundle.mjs):
#   ./run.sh tests   the GPU specs (and the runtime's CPU specs) on Node's test runner
#   ./run.sh bench   the four cases of `npm run bench:gpu`, one JSON line each
# Needs only the NVIDIA driver, NVRTC and cuBLASLt (CUDA_HOME, /usr/local/cuda*, the loader's path or
# pip's nvidia-* wheels), and xz or python3 to unpack Node the first time.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$here/node" ]; then
  if command -v xz >/dev/null 2>&1; then xz -dc "$here/node.xz" > "$here/node.tmp"
  else python3 -c 'import lzma,sys; sys.stdout.buffer.write(lzma.open(sys.argv[1]).read())' "$here/node.xz" > "$here/node.tmp"; fi
  chmod +x "$here/node.tmp" && mv "$here/node.tmp" "$here/node"
fi
what=${1:-tests}
shift || true
case "$what" in
  tests) exec "$here/node" --test-reporter=spec "$here/app/tests.mjs" "$@" ;;
  bench) exec "$here/node" "$here/app/bench.mjs" "$@" ;;
  *) echo "run.sh: unknown '$what' (tests or bench)" >&2; exit 2 ;;
esac
