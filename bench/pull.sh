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
build=${2:-${NOOK_BUILD_DIR:-$here/build}}
user=${NOOK_TEST_USER:-nooktest}
[ "$(id -u)" -eq 0 ] || { echo "pull.sh: run as root (see the header)" >&2; exit 1; }
id "$user" >/dev/null 2>&1 || { echo "pull.sh: run scripts/setup-test-user.sh first" >&2; exit 1; }
[ -x "$build/nook" ] || { echo "pull.sh: no $build/nook: build first" >&2; exit 1; }

uid=$(id -u "$user")
home=$(getent passwd "$user" | cut -d: -f6)
# On a disk, not tmpfs: writing the layers is part of a pull.
# Root's, in /var/tmp (sticky): root mounts and copies there, and a path in
# the test user's home could be swapped for a symlink under it.
work=/var/tmp/nook-bench-pull-work
image=${NOOK_BENCH_IMAGE:-/var/tmp/nook-bench-pull-image}
[ -f "$image/index.json" ] || "$here/bench/make-pull-image.sh" "$image"
rm -rf "$work"
mkdir -p "$work"
# A journaled ext4 of its own, as a user's home usually is. This machine's
# root ext4 has no journal, and then ext4's inode allocator skips every inode
# deleted in the last 60-360 s: each round, creating files right after the
# previous tool's tree was deleted got slower (tar -xf of the 4,600-file
# layer: 0.2 s on a fresh journaled ext4, 2.7 s on the root fs), and the
# tools that create the most files paid the most. NOOK_BENCH_OWN_FS=0 skips it.
fs_image=/var/tmp/nook-bench-pull.ext4
if [ "${NOOK_BENCH_OWN_FS:-1}" = 1 ]; then
  truncate -s 8G "$fs_image"
  mkfs.ext4 -q -F "$fs_image"
  mount -o loop "$fs_image" "$work"
  trap 'umount "$work" 2>/dev/null; rm -f "$fs_image"; rmdir "$work" 2>/dev/null || true' EXIT
fi
# podman's rootless pause process (catatonit) keeps the mount namespace it
# was started in: one older than the mount above would hide it from podman,
# which then writes to the directory underneath. Podman starts a new one.
pkill -u "$user" -x catatonit 2>/dev/null || true
cp "$build/nook" "$work/nook"
cp -r "$here/scripts" "$work/scripts"
chmod -R a+rX "$image"
chown -R "$user:" "$work"

results=$work/results.txt
runuser -u "$user" -- env -i HOME="$home" XDG_RUNTIME_DIR="/run/user/$uid" \
  PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
  bash -s "$work" "$image" "$rounds" "$results" <<'INNER'
set -euo pipefail
work=$1 image=$2 rounds=$3 results=$4
cd "$work"
export NOOK_REGISTRY_PORT=$((21000 + RANDOM % 9000)) NOOK_REGISTRY_DIR=$work/registry
reg=$(./scripts/registry.sh start)
trap './scripts/registry.sh stop >/dev/null 2>&1 || true' EXIT
./scripts/registry.sh push "$image" bench/big:latest >/dev/null
ref=$reg/bench/big:latest
P=(podman --root "$work/podman-root" --runroot "$work/podman-run" --storage-driver overlay
  --tmpdir "$work/podman-tmp" --events-backend file --cgroup-manager cgroupfs)

measure() { # name cmd...: appends "name seconds maxrss_kb"
  local name=$1
  shift
  sync
  if ! /usr/bin/time -o "$work/time.out" -f '%e %M' "$@" >/dev/null 2>"$work/err.out"; then
    echo "pull.sh: $name failed:" >&2
    cat "$work/err.out" >&2
    exit 1
  fi
  echo "$name $(tail -1 "$work/time.out")" >>"$results"
}
clean() {
  ./nook --root "$work/nook-store" system reset -f >/dev/null 2>&1 || true
  "${P[@]}" system reset -f >/dev/null 2>&1 || true
  rm -rf "$work/skopeo" "$work/tar"
}
for ((i = 0; i < rounds; i++)); do
  clean
  measure nook ./nook --root "$work/nook-store" pull -q --tls-verify=false "$ref"
  clean
  measure podman "${P[@]}" pull -q --tls-verify=false "$ref"
  clean
  measure skopeo skopeo copy -q --src-tls-verify=false "docker://$ref" "oci:$work/skopeo:big"
  clean
  mkdir -p "$work/tar"
  measure "tar-xzf" sh -c 'for l in "$1"/l?.tar.gz; do tar -C "$2" -xzf "$l"; done' _ "$image" "$work/tar"
  rm -rf "$work/tar"
  mkdir -p "$work/tar"
  measure "tar-xf" sh -c 'for l in "$1"/l?.tar; do tar -C "$2" -xf "$l"; done' _ "$image" "$work/tar"
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
      "store on a journaled ext4 of its own, as the unprivileged user. Medians.\n")
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
doc=$here/docs/PERFORMANCE.md
python3 - "$doc" "$table" <<'PY'
import re, sys
path, table = sys.argv[1], sys.argv[2]
text = open(path).read()
section = "## Pull (bench/pull.sh)\n\n" + table + "\n"
pattern = re.compile(r"## Pull \(bench/pull.sh\)\n.*?(?=\n## |\Z)", re.S)
text = pattern.sub(section.rstrip("\n"), text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text if text.endswith("\n") else text + "\n")
PY
# The mount (if any) goes with the EXIT trap.
rm -rf "${work:?}"/* 2>/dev/null || true
