#!/usr/bin/env bash
# Cold pull + unpack of a ~200 MB, 4-layer image from a local registry:
# nook pull vs podman pull (native overlay, its own --root) vs skopeo copy
# (download only), and tar -xzf / tar -xf of the same layers already on
# disk; alternating rounds, medians, peak RSS. Writes the table to
# docs/PERFORMANCE.md (section "Pull").
#
# Run as root (it sets up the test user's scratch space); every tool runs
# as the unprivileged test user.
#   bench/pull.sh [ROUNDS] [BUILD_DIR]
set -euo pipefail
rounds=${1:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck disable=SC2034 # both read by bench/lib.sh
build=${2:-${NOOK_BUILD_DIR:-$here/build}} user=${NOOK_TEST_USER:-nooktest}
# shellcheck source=bench/lib.sh
source "$here/bench/lib.sh"
bench_require pull.sh nook

bench_image_scratch pull
# shellcheck disable=SC2154 # $work, $image and $results are set by bench_image_scratch
bench_as_user "$work" "$image" "$rounds" "$results" <<'INNER'
set -euo pipefail
work=$1 image=$2 rounds=$3 results=$4 bench=pull.sh
cd "$work"
# shellcheck source=bench/lib.sh
source ./bench-lib.sh
bench_serve_image
bench_podman P podman

clean() {
  ./nook --root "$work/nook-store" system reset -f >/dev/null 2>&1 || true
  "${P[@]}" system reset -f >/dev/null 2>&1 || true
  rm -rf "$work/skopeo" "$work/tar"
}
for ((i = 0; i < rounds; i++)); do
  clean
  bench_measure nook ./nook --root "$work/nook-store" pull -q --tls-verify=false "$ref"
  clean
  bench_measure podman "${P[@]}" pull -q --tls-verify=false "$ref"
  clean
  bench_measure skopeo skopeo copy -q --src-tls-verify=false "docker://$ref" "oci:$work/skopeo:big"
  clean
  mkdir -p "$work/tar"
  bench_measure "tar-xzf" sh -c 'for l in "$1"/l?.tar.gz; do tar -C "$2" -xzf "$l"; done' _ "$image" "$work/tar"
  rm -rf "$work/tar"
  mkdir -p "$work/tar"
  bench_measure "tar-xf" sh -c 'for l in "$1"/l?.tar; do tar -C "$2" -xf "$l"; done' _ "$image" "$work/tar"
done
clean
INNER

commit=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
size=$(du -sm "$image/blobs" | cut -f1)
table=$(python3 - "$results" "$rounds" "$commit" "$size" <<'PY'
import statistics, sys, datetime
path, rounds, commit, size = sys.argv[1:5]
t, m = {}, {}
for line in open(path):
    name, secs, rss = line.split()
    t.setdefault(name, []).append(float(secs))
    m.setdefault(name, []).append(int(rss))
print(f"Measured {datetime.date.today()} at {commit}, {rounds} alternating rounds, cold store each time, "
      f"4-layer image ({size} MB of gzip blobs, ~195 MB unpacked) from docker-registry on 127.0.0.1, "
      "store on a journaled ext4 of its own (direct-I/O loop device), as the unprivileged user. Medians.\n")
print("| tool | what | median s | ratio to nook | peak RSS MiB |")
print("|---|---|---|---|---|")
what = {"nook": "pull + unpack (synced)", "podman": "pull + unpack (overlay)",
        "skopeo": "download to an OCI dir only", "tar-xzf": "gunzip + untar the layers already on disk",
        "tar-xf": "untar the uncompressed layers already on disk"}
n = statistics.median(t["nook"])
for k in ["nook", "podman", "skopeo", "tar-xzf", "tar-xf"]:
    if k in t:
        med = statistics.median(t[k])
        print(f"| {k} | {what[k]} | {med:.2f} | {med / n:.2f}× | {max(m[k]) / 1024:.0f} |")
PY
)
echo "$table"
bench_write_section "Pull (bench/pull.sh)" "$table"
# The mount (if any) goes with the EXIT trap.
rm -rf "${work:?}"/* 2>/dev/null || true
