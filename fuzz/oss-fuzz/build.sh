#!/bin/bash -eu
# fuzz/oss-fuzz/build.sh - builds the fuzz targets the way OSS-Fuzz/ClusterFuzz expects
# (README "Scale beyond one machine"): CMake with $CC and $CFLAGS, linked by $CXX with
# $CXXFLAGS and $LIB_FUZZING_ENGINE, binaries plus <target>_seed_corpus.zip, <target>.options and
# <target>.dict in $OUT. fuzz_diff builds in its CPU form (no nvcc there); the sanitizers
# come from $CFLAGS, as OSS-Fuzz sets them.
# Local try: CC=clang CXX=clang++ CFLAGS=-fsanitize=address LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
#   OUT=/tmp/out bash fuzz/oss-fuzz/build.sh
SRC_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${CC:=clang}" "${CXX:=clang++}" "${CFLAGS:=}" "${CXXFLAGS:=}" "${OUT:?set OUT}" "${LIB_FUZZING_ENGINE:?set LIB_FUZZING_ENGINE}"
WORK=${WORK:-$(mktemp -d)}
cd "$SRC_ROOT"
cmake -S . -B "$WORK/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" \
  -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_CXX_FLAGS="$CXXFLAGS" -DSPIDX_FUZZ_LINK_CXX=ON \
  -DSPIDX_ENABLE_CUDA=OFF -DSPIDX_ENABLE_TESTS=OFF -DSPIDX_ENABLE_BENCH=OFF -DSPIDX_ENABLE_FUZZ=ON \
  -DSPIDX_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" -DSPIDX_FUZZ_REF_SANITIZERS= >/dev/null
cmake --build "$WORK/build" --target fuzz_ref fuzz_diff -j "$(nproc)"
for target in fuzz_ref fuzz_diff; do
  cp "$WORK/build/fuzz/$target" "$OUT/$target"
  cp fuzz/$target.options "$OUT/$target.options"
  cp fuzz/spidx.dict "$OUT/$target.dict"
  printf 'dict = %s.dict\n' "$target" >>"$OUT/$target.options"
  python3 - "$OUT/${target}_seed_corpus.zip" $(grep -E '^[a-z]' corpus/committed.txt | sed 's|^|corpus/|') <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for d in sys.argv[2:]:
        for name in sorted(os.listdir(d)):
            if not name.endswith(".md"):
                z.write(os.path.join(d, name), f"{os.path.basename(d)}-{name}")
PY
done
echo "built fuzz_ref, fuzz_diff and their corpora, options and dictionaries in $OUT"
