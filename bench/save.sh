#!/usr/bin/env bash
# save and load of the ~200 MB, 4-layer bench image (bench/make-pull-image.sh):
# nook vs podman (native overlay, its own --root), docker-archive both ways,
# alternating rounds, medians, peak RSS. Writes the table to
# docs/PERFORMANCE.md (section "Save and load").
#
# Run as root (it sets up the test user's scratch space); every tool runs
# as the unprivileged test user.
#   bench/save.sh [ROUNDS] [BUILD_DIR]
set -euo pipefail
rounds=${1:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck disable=SC2034 # both read by bench/lib.sh
build=${2:-${NOOK_BUILD_DIR:-$here/build}} user=${NOOK_TEST_USER:-nooktest}
# shellcheck source=bench/lib.sh
source "$here/bench/lib.sh"
bench_require save.sh nook

bench_image_scratch save
# shellcheck disable=SC2154 # $work, $image and $results are set by bench_image_scratch
bench_as_user "$work" "$image" "$rounds" "$results" <<'INNER'
set -euo pipefail
work=$1 image=$2 rounds=$3 results=$4 bench=save.sh
cd "$work"
# shellcheck source=bench/lib.sh
source ./bench-lib.sh
bench_serve_image
N=(./nook --root "$work/nook-store")
bench_podman P podman
N2=(./nook --root "$work/nook-load")
bench_podman P2 podman-load

"${N[@]}" pull -q --tls-verify=false "$ref" >/dev/null
"${P[@]}" pull -q --tls-verify=false "$ref" >/dev/null
for ((i = 0; i < rounds; i++)); do
  rm -f "$work"/*.tar
  bench_measure nook-save "${N[@]}" save -q -o "$work/nook.tar" "$ref"
  bench_measure podman-save "${P[@]}" save -q -o "$work/podman.tar" "$ref"
  # Each loads the other's archive into an empty store.
  "${N2[@]}" system reset -f >/dev/null 2>&1 || true
  "${P2[@]}" system reset -f >/dev/null 2>&1 || true
  bench_measure nook-load "${N2[@]}" load -q -i "$work/podman.tar"
  bench_measure podman-load "${P2[@]}" load -q -i "$work/nook.tar"
done
"${N[@]}" system reset -f >/dev/null 2>&1 || true
"${N2[@]}" system reset -f >/dev/null 2>&1 || true
"${P[@]}" system reset -f >/dev/null 2>&1 || true
"${P2[@]}" system reset -f >/dev/null 2>&1 || true
INNER

commit=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
table=$(python3 - "$results" "$rounds" "$commit" <<'PY'
import statistics, sys, datetime
path, rounds, commit = sys.argv[1:4]
t, m = {}, {}
for line in open(path):
    name, secs, rss = line.split()
    t.setdefault(name, []).append(float(secs))
    m.setdefault(name, []).append(int(rss))
print(f"Measured {datetime.date.today()} at {commit}, {rounds} alternating rounds, the bench image "
      "(~195 MB as a docker-archive) in a store on a journaled ext4 of its own (direct-I/O loop device), as the "
      "unprivileged user. Load goes into an empty store (unpacking included, synced for nook). Medians.\n")
print("| what | nook s | podman s | podman / nook | nook RSS MiB | podman RSS MiB |")
print("|---|---|---|---|---|---|")
for op, label in [("save", "save -o FILE (docker-archive)"), ("load", "load -i FILE (the other's archive)")]:
    n, p = statistics.median(t[f"nook-{op}"]), statistics.median(t[f"podman-{op}"])
    print(f"| {label} | {n:.2f} | {p:.2f} | {p / n:.2f}× | {max(m[f'nook-{op}']) / 1024:.0f} | "
          f"{max(m[f'podman-{op}']) / 1024:.0f} |")
PY
)
echo "$table"
bench_write_section "Save and load (bench/save.sh)" "$table"
rm -rf "${work:?}"/* 2>/dev/null || true
