#!/bin/sh
# The one prepared device check for a fresh CUDA machine (no Node.js needed), within 10 minutes:
#   node scripts/gpu/bundle.mjs          (here, on any Linux x64 machine with the repo: makes .gpu/)
#   sh scripts/gpu/device-check.sh       (there, from the repo root, with .gpu/ copied beside it)
# It unpacks the bundle's Node, prints the GPU and the driver, runs the GPU specs (test:gpu: the op
# suite on the cuda executor, the runtime's own GPU checks, a LoRA run against the CPU) and then the
# benchmark (bench:gpu: the issue's four cases, one JSON line each). Logs go to $OUT when set.
# Exit status: that of the specs, else that of the benchmark.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
bundle=${1:-$root/.gpu}
logs=${OUT:-$bundle}
started=$(date +%s)
say() { echo "device-check: $*"; }

[ -x "$bundle/run.sh" ] || { say "no bundle at $bundle: run \`node scripts/gpu/bundle.mjs\` first"; exit 2; }
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
say "bundle $(du -sh "$bundle" | cut -f1), specs: $(wc -l < "$bundle/SPECS.txt")"

# A fresh cubin cache, so the compile path (NVRTC) is exercised and timed too.
export TUNEKIT_CACHE="$bundle/cache" TUNEKIT_REQUIRE_GPU=1
rm -rf "$TUNEKIT_CACHE"

# 5 minutes for the specs, 4 for the benchmark: under 10 with the unpacking.
timeout 300 "$bundle/run.sh" tests 2>&1 | tee "$logs/gpu-tests.log"
tests=$(tail -n 30 "$logs/gpu-tests.log" | sed -n 's/^ℹ fail \([0-9]*\)$/\1/p')
say "specs: $(grep -E '^ℹ (pass|fail|skipped)' "$logs/gpu-tests.log" | tr '\n' ' ')after $(( $(date +%s) - started )) s"

# (The status goes through a file: in a pipeline, sh reports tee's.)
{ timeout 240 "$bundle/run.sh" bench; echo $? > "$bundle/.bench-status"; } 2>&1 | tee "$logs/gpu-bench.jsonl"
bench=$(cat "$bundle/.bench-status")
say "bench: $(grep -c '"tokensPerSecond"' "$logs/gpu-bench.jsonl") of 4 cases measured, after $(( $(date +%s) - started )) s"

if [ -z "$tests" ]; then say "the specs stopped before their summary: $(grep -m1 -E 'Error|error' "$logs/gpu-tests.log")"; exit 1; fi
[ "$tests" = 0 ] || exit 1
exit "$bench"
