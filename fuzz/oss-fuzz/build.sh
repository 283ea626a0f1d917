#!/bin/bash -eu
# fuzz/oss-fuzz/build.sh - builds the fuzz targets the way OSS-Fuzz/ClusterFuzz expects
# (README "Scale beyond one machine"): $CC $CFLAGS for the sources, $CXX $CXXFLAGS
# $LIB_FUZZING_ENGINE to link, binaries plus <target>_seed_corpus.zip, <target>.options
# and <target>.dict in $OUT. fuzz_diff builds in its CPU form (no nvcc there).
# Local try: CC=clang CXX=clang++ CFLAGS=-fsanitize=address,fuzzer-no-link \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out bash fuzz/oss-fuzz/build.sh
SRC_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${CC:=clang}" "${CXX:=clang++}" "${CFLAGS:=}" "${CXXFLAGS:=}" "${OUT:?set OUT}" "${LIB_FUZZING_ENGINE:?set LIB_FUZZING_ENGINE}"
WORK=${WORK:-$(mktemp -d)}
cd "$SRC_ROOT"
common="ref/spidx_check.c ref/spidx_names.c ref/spidx_ref.c kernels/registry.c kernels/gpu_unavailable.c
        fuzz/case_helpers.c fuzz/case_decode.c fuzz/case_text.c fuzz/coverage.c fuzz/fuzz_helpers.c fuzz/minimize.c"
for target in fuzz_ref fuzz_diff; do
  objs=()
  for src in fuzz/$target.c $common; do
    obj="$WORK/$target-$(basename "$src" .c).o"
    # shellcheck disable=SC2086 # CFLAGS is a list of flags
    $CC $CFLAGS -std=c11 -DSPIDX_LIBFUZZER -Iref -Ikernels -Ifuzz -c "$src" -o "$obj"
    objs+=("$obj")
  done
  # shellcheck disable=SC2086
  $CXX $CXXFLAGS "${objs[@]}" -o "$OUT/$target" $LIB_FUZZING_ENGINE -lm
  cp fuzz/$target.options "$OUT/$target.options"
  cp fuzz/spidx.dict "$OUT/$target.dict"
  printf 'dict = %s.dict\n' "$target" >>"$OUT/$target.options"
  python3 - "$OUT/${target}_seed_corpus.zip" corpus/seed corpus/regress <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for d in sys.argv[2:]:
        for name in sorted(os.listdir(d)):
            if name.endswith(".case"):
                z.write(os.path.join(d, name), f"{os.path.basename(d)}-{name}")
PY
done
echo "built fuzz_ref, fuzz_diff and their corpora, options and dictionaries in $OUT"
