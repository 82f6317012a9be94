#!/bin/sh
# Layer unpack speed: ISA-L igzip vs zlib inflate, nook's unpack_layer, and
# tar -xzf / tar -xf of the same layer, on a ~100 MB mixed layer made from
# /usr (text, binaries, already-compressed files).
#   [TMPDIR=/dev/shm] bench/unpack.sh [build-dir] [rounds]
# (the scratch directory is where layers are unpacked: tmpfs takes the disk out)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
rounds=${2:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/nook-bench-unpack.XXXXXX")
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT

ninja -C "$build" nooklib >/dev/null
# shellcheck disable=SC2046  # pkg-config output is a word list on purpose
c++ -std=c++20 -O2 -I"$src/src/lib" "$src/bench/unpack_bench.cpp" "$build/libnook.a" \
  $(pkg-config --libs libarchive libzstd libisal libcrypto zlib) -o "$work/unpack_bench"

# ~100 MB of regular files from /usr, in a stable order.
find /usr/lib /usr/share -xdev -type f -size -20M -printf '%s %p\n' 2>/dev/null | sort -k2 |
  awk -v max=100000000 '{ if (t + $1 > max) exit; t += $1; sub(/^[0-9]+ /, ""); print }' \
  >"$work/list"
tar -cf "$work/layer.tar" -T "$work/list" 2>/dev/null
gzip -6 -c "$work/layer.tar" >"$work/layer.tar.gz"
echo "layer: $(du -m "$work/layer.tar" | cut -f1) MB tar, $(du -m "$work/layer.tar.gz" | cut -f1) MB gzip"

"$work/unpack_bench" "$work/layer.tar.gz" "$rounds" "$work"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for mode in xzf xf; do
  in=$work/layer.tar.gz
  [ "$mode" = xf ] && in=$work/layer.tar
  i=0
  while [ "$i" -lt "$rounds" ]; do
    mkdir "$work/t"
    s=$(date +%s.%N)
    tar -C "$work/t" -"$mode" "$in"
    e=$(date +%s.%N)
    echo "$e - $s" | bc
    rm -rf "$work/t"
    i=$((i + 1))
  done | median | awk -v m="$mode" '{ printf "  tar -%-16s %6.3f s\n", m, $1 }'
done
