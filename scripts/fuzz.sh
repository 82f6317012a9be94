#!/bin/sh
# Builds the libFuzzer targets with clang in their own build directory and
# runs each one on its seed corpus for N seconds (default 60):
#   scripts/fuzz.sh [seconds]
# New interesting inputs go to $BUILD/corpus/<name> (the seeds in
# tests/fuzz/corpus stay untouched); crashes to $BUILD/artifacts/<name>/.
set -eu
seconds=${1:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${NOOK_FUZZ_BUILD_DIR:-$src/build-fuzz}

CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S "$src" -B "$build" -G Ninja \
  -DNOOK_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

# target:seed-corpus-name pairs
targets="fuzz-config:config fuzz-reference:reference fuzz-registries-conf:registries_conf fuzz-unpack:unpack fuzz-www-authenticate:www_authenticate fuzz-manifest:manifest fuzz-go-template:go_template"
ninja -C "$build" $(for t in $targets; do printf '%s ' "${t%%:*}"; done)

status=0
for t in $targets; do
  name=${t%%:*}
  corpus=${t#*:}
  work="$build/corpus/$corpus"
  artifacts="$build/artifacts/$name"
  mkdir -p "$work" "$artifacts"
  dict=""
  [ -f "$src/tests/fuzz/$corpus.dict" ] && dict="-dict=$src/tests/fuzz/$corpus.dict"
  echo "== $name for ${seconds}s"
  if ! "$build/tests/fuzz/$name" $dict -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" \
      "$work" "$src/tests/fuzz/corpus/$corpus"; then
    echo "!! $name found a problem; reproducer in $artifacts/" >&2
    status=1
  fi
done
exit $status
