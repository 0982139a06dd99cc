#!/usr/bin/env bash
# cpt4j GPU backend vs PyTorch + HF transformers on one GPU: Pythia-160M-shaped GPT-NeoX, random
# init, sequence 1024, tokens/s and peak memory side by side.
#
# The lent GPU machine has Python with PyTorch (CUDA) and transformers, but no Java, no Maven and
# no network, and takes at most 64 MiB of carried files. So the route is:
#   1. here (JDK 25 + Maven, offline):   sdk-gpu/bench/run_gpu_bench.sh prepare
#      builds the jars, keeps only the runtime jars the benchmark needs (no ONNX Runtime, no
#      tokenizers, no CPU natives), jlinks a minimal Java runtime and checks the bundle
#      sdk-gpu/target/gpu-bench stays under 64 MiB. DJL's cu124 JNI library (libdjl_torch.so)
#      is inside pytorch-jni-2.5.1-0.32.0.jar, which is carried as is (4.9 MB).
#   2. on the device (carry sdk-gpu/target/gpu-bench.tgz):   sdk-gpu/bench/run_gpu_bench.sh device
#      points DJL at the device's own libtorch (PYTORCH_LIBRARY_PATH = torch/lib of its Python,
#      PYTORCH_FLAVOR=cu124 so the cu124 JNI is used, PYTORCH_VERSION=2.5.1 so DJL looks for the
#      JNI it has instead of downloading one), runs GpuTrainingBenchmark, then hf_train_bench.py
#      (fp16 autocast and bf16), and prints the table.
# The JNI was compiled against libtorch 2.5.1; the device's libtorch is newer. If its C++ ABI
# differs the Java run fails while loading libdjl_torch.so (UnsatisfiedLinkError: undefined
# symbol ...): the script prints that line and still runs the PyTorch side. The fallback then is
# to compile DJL's JNI (pytorch-native sources of DJL 0.32.0, a few hundred KB) against the
# device's torch headers and TorchConfig.cmake there, if it has cmake and a C++ compiler.
#
# Options after the mode are passed to both benchmarks: --batch 8 --seq 1024 --steps 20 --warmup 5
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUNDLE="$ROOT/sdk-gpu/target/gpu-bench"
MODE="${1:-}"
shift || true

prepare() {
  : "${JAVA_HOME:?set JAVA_HOME to a JDK 25}"
  cd "$ROOT"
  rm -rf "$BUNDLE" && mkdir -p "$BUNDLE/lib"
  # one reactor invocation, so sdk-core's dependencies come from this checkout, not ~/.m2
  ./mvnw -B -o -q package dependency:copy-dependencies -pl sdk-gpu -am -DskipTests \
      -DincludeScope=runtime -DoutputDirectory="$BUNDLE/lib"
  cp sdk-api/target/sdk-api-*.jar sdk-core/target/sdk-core-*.jar sdk-gpu/target/sdk-gpu-*.jar "$BUNDLE/lib/"
  rm -f "$BUNDLE"/lib/sdk-*-sources.jar "$BUNDLE"/lib/sdk-*-javadoc.jar
  # not needed to train: ONNX (export/runtime), tokenizers, plots, progress bars, the CPU natives
  (cd "$BUNDLE/lib" && rm -f onnxruntime-*.jar tokenizers-*.jar tribuo-*.jar protobuf-*.jar xchart-*.jar \
      VectorGraphics2D-*.jar progressbar-*.jar jline-*.jar picocli-*.jar pytorch-native-cpu-*.jar \
      commons-math3-*.jar jackson-dataformat-yaml-*.jar snakeyaml-*.jar)
  # a fixed module list: jdeps also names java.desktop (AWT references in JNA and commons-compress
  # that training never reaches), which alone would take the bundle over 64 MiB
  local modules="java.base,java.logging,java.management,jdk.unsupported"
  "$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
      --compress=zip-9 --output "$BUNDLE/jre"
  cp "$ROOT/sdk-gpu/bench/hf_train_bench.py" "$BUNDLE/"
  # the bundled runtime must load every class the benchmark needs (no GPU needed for this)
  "$BUNDLE/jre/bin/java" --enable-native-access=ALL-UNNAMED -Dai.djl.offline=true -cp "$BUNDLE/lib/*" \
      io.cpt4j.gpu.internal.GpuTrainingBenchmark --smoke
  tar czf "$BUNDLE.tgz" -C "$(dirname "$BUNDLE")" "$(basename "$BUNDLE")"
  echo "bundle: $(du -sh "$BUNDLE" | cut -f1) in $BUNDLE, $(du -sh "$BUNDLE.tgz" | cut -f1) as $BUNDLE.tgz"
  echo "carry sdk-gpu/target/gpu-bench.tgz (the working tree and carried paths together must stay under 64 MiB)"
  du -sm "$BUNDLE.tgz" | awk '{ if ($1 >= 58) { print "bundle too large: " $1 " MiB"; exit 1 } }'
}

device() {
  local py="${PYTHON:-python3}"
  if [ ! -x "$BUNDLE/jre/bin/java" ] && [ -f "$BUNDLE.tgz" ]; then
    tar xzf "$BUNDLE.tgz" -C "$(dirname "$BUNDLE")"
  fi
  local out="${OUT:-$BUNDLE/results}"
  mkdir -p "$out"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  local torchlib
  torchlib=$("$py" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
  "$py" -c 'import torch, transformers; print("torch", torch.__version__, "cuda", torch.version.cuda, "transformers", transformers.__version__)'
  export PYTORCH_LIBRARY_PATH="$torchlib" PYTORCH_FLAVOR=cu124 PYTORCH_VERSION=2.5.1
  export LD_LIBRARY_PATH="$torchlib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export DJL_CACHE_DIR="$out/djl-cache"
  set +e
  "$BUNDLE/jre/bin/java" -Xmx8g --enable-native-access=ALL-UNNAMED -Dai.djl.offline=true \
      -cp "$BUNDLE/lib/*" io.cpt4j.gpu.internal.GpuTrainingBenchmark "$@" 2>&1 | tee "$out/cpt4j.log"
  local rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -ne 0 ]; then
    echo "cpt4j run failed (exit $rc); first native-library error, if any:"
    grep -m1 -E "UnsatisfiedLinkError|undefined symbol|EngineException|cannot open shared object" "$out/cpt4j.log" || true
  fi
  "$py" "$BUNDLE/hf_train_bench.py" --precision all "$@" 2>&1 | tee "$out/hf.log"
  table "$out"
}

table() {
  cat "$1"/cpt4j.log "$1"/hf.log | grep '^RESULT ' | sed 's/^RESULT //' | "${PYTHON:-python3}" -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
hf16 = next((r["tokens_per_s"] for r in rows if r["impl"] == "hf" and r["precision"] == "fp16"), None)
print("| implementation | precision | batch x seq | tokens/s | vs HF fp16 | peak in use (driver) | max allocated | loss first -> last |")
print("|---|---|---|---|---|---|---|---|")
gib = lambda b: "%.2f GiB" % (b / 2**30) if b is not None else "-"
for r in rows:
    name = "cpt4j (DJL PyTorch 2.5.1 JNI)" if r["impl"] == "cpt4j" else "HF transformers (%s)" % r.get("attn", "")
    rel = "%.2fx" % (r["tokens_per_s"] / hf16) if hf16 else "-"
    print("| %s | %s | %d x %d | %.0f | %s | %s | %s | %.3f -> %.3f |" % (name, r["precision"], r["batch"], r["seq"],
          r["tokens_per_s"], rel, gib(r.get("peak_used_bytes")), gib(r.get("max_allocated_bytes")),
          r["first_loss"], r["last_loss"]))
'
}

case "$MODE" in
  prepare) prepare "$@" ;;
  device) device "$@" ;;
  table) table "${1:?results directory}" ;;
  *) echo "usage: $0 prepare | device [--batch 8 --seq 1024 --steps 20 --warmup 5] | table DIR" >&2; exit 2 ;;
esac
