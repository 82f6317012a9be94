#!/usr/bin/env bash
# Start latency of `RUNTIME run` of a busybox bundle running `true`:
# nook-runtime vs crun vs runc, same bundle, same user, alternating, medians.
# Writes the table to docs/PERFORMANCE.md (section "Runtime start").
#
# Run as root: crun 1.8.1 refuses this host's cgroup v1 hybrid layout, so
# every runtime runs in a private mount namespace without the cgroup2 mount
# (as DEVELOPERS.md says), then as the unprivileged test user.
#   bench/runtime-start.sh [ROUNDS] [BUILD_DIR]
set -euo pipefail
rounds=${1:-50}
here=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-${NOOK_BUILD_DIR:-$here/build}}
user=${NOOK_TEST_USER:-nooktest}
# shellcheck source=bench/lib.sh
source "$here/bench/lib.sh"
bench_require runtime-start.sh nook-runtime

work=$(mktemp -d /tmp/nook-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$here/tests/fixtures/make-busybox-rootfs.sh" "$work/bundle/rootfs" >/dev/null
cp "$build/nook-runtime" "$work/nook-runtime"
chown -R "$user:" "$work"
chmod 755 "$work"

uid=$(id -u "$user")
results=$work/results.txt
unshare -m --propagation private bash -c '
  umount /sys/fs/cgroup/unified 2>/dev/null || true
  exec runuser -u "$1" -- env -i HOME=/tmp XDG_RUNTIME_DIR="$2" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
    bash "$3" "$4" "$5" "$6"' _ "$user" "/run/user/$uid" "$here/bench/runtime-start-inner.sh" "$work" "$rounds" "$results"

commit=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
table=$(awk -v rounds="$rounds" -v commit="$commit" -v date="$(date -u +%Y-%m-%d)" '
  { t[$1] = $2 }
  END {
    printf "Measured %s at %s, %d alternating rounds per runtime, median wall time of `RUNTIME run` of a busybox bundle running `true`, rootless, same user and bundle.\n\n", date, commit, rounds
    printf "| runtime | median ms | ratio to nook-runtime |\n|---|---|---|\n"
    n = t["nook-runtime"]
    split("nook-runtime crun runc", order, " ")
    for (i = 1; i <= 3; i++) { r = order[i]; if (r in t) printf "| %s | %.1f | %.2f× |\n", r, t[r] / 1e6, t[r] / n }
  }' "$results")
echo "$table"
bench_write_section "Runtime start (bench/runtime-start.sh)" "$table"
