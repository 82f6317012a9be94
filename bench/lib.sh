# shellcheck shell=bash
# shellcheck disable=SC2154 # $here, $build, $user and $results are the caller's
# Shared by the bench scripts (source it; `set -euo pipefail` is theirs):
# the checks they start with, the scratch file system the image benches
# measure on, measuring a command, and writing a table into
# docs/PERFORMANCE.md. Expects $here (the checkout), $build and $user.

# bench_require NAME BINARY: run as root, the test user exists, BINARY is built.
bench_require() {
  local name=$1 binary=$2
  [ "$(id -u)" -eq 0 ] || { echo "$name: run as root (see the header)" >&2; exit 1; }
  id "$user" >/dev/null 2>&1 || { echo "$name: run scripts/setup-test-user.sh first" >&2; exit 1; }
  [ -x "$build/$binary" ] || { echo "$name: no $build/$binary: build first" >&2; exit 1; }
}

# bench_scratch TAG: sets $work, a directory of root's under /var/tmp
# (sticky: root mounts and copies there, and a path in the test user's home
# could be swapped for a symlink under it), holding nook, scripts/ and this
# file, given to the test user; the EXIT trap takes it away.
#
# On a journaled ext4 of its own (a loop device), as a user's home usually
# is. This machine's root ext4 has no journal, and then ext4's inode
# allocator skips every inode deleted in the last 60-360 s: each round,
# creating files right after the previous tool's tree was deleted got slower
# (tar -xf of the 4,600-file layer: 0.2 s on a fresh journaled ext4, 2.7 s on
# the root fs), and the tools that create the most files paid the most.
# The loop device does direct I/O, as a disk does: a buffered loop device
# caches every block twice and writes it back twice, and a syncfs on it
# cost what no disk costs (300 MB written, then syncfs: 0.09-0.11 s on this
# machine's own disk, 0.06-0.08 s on a direct-I/O loop, 0.37-0.71 s on a
# buffered one), which charged a tool that syncs for the loop device.
# NOOK_BENCH_DIRECT_IO=off gives the buffered one; NOOK_BENCH_OWN_FS=0 no
# file system of its own.
bench_scratch() {
  work=/var/tmp/nook-bench-$1-work
  local fs_image=/var/tmp/nook-bench-$1.ext4
  rm -rf "$work"
  mkdir -p "$work"
  if [ "${NOOK_BENCH_OWN_FS:-1}" = 1 ]; then
    truncate -s 8G "$fs_image"
    mkfs.ext4 -q -F "$fs_image"
    local dev
    dev=$(losetup --direct-io="${NOOK_BENCH_DIRECT_IO:-on}" --find --show "$fs_image")
    # shellcheck disable=SC2064 # expanded now: all three are this function's
    trap "umount '$work' 2>/dev/null; losetup -d '$dev' 2>/dev/null; rm -f '$fs_image'; rmdir '$work' 2>/dev/null || true" EXIT
    mount "$dev" "$work"
  fi
  # podman's rootless pause process (catatonit) keeps the mount namespace it
  # was started in: one older than the mount above would hide it from
  # podman, which then fails or writes to the directory underneath. Podman
  # starts a new one.
  pkill -u "$user" -x catatonit 2>/dev/null || true
  cp "$build/nook" "$work/nook"
  cp -r "$here/scripts" "$work/scripts"
  cp "$here/bench/lib.sh" "$work/bench-lib.sh"
  chown -R "$user:" "$work"
}

# bench_measure NAME CMD...: as the test user, inside $work; appends
# "NAME seconds maxrss_kb" to $results. A failing command ends the bench
# with its output ($bench names the script in the message).
bench_measure() {
  local name=$1
  shift
  sync
  if ! /usr/bin/time -o "$work/time.out" -f '%e %M' "$@" >/dev/null 2>"$work/err.out"; then
    echo "${bench:-bench}: $name failed:" >&2
    cat "$work/err.out" >&2
    exit 1
  fi
  echo "$name $(tail -1 "$work/time.out")" >>"$results"
}

# bench_write_section TITLE TABLE: "## TITLE" in docs/PERFORMANCE.md gets
# TABLE, replacing what it held up to the next "## " heading, or is appended.
bench_write_section() {
  local doc=$here/docs/PERFORMANCE.md
  mkdir -p "$here/docs"
  # shellcheck disable=SC2016 # backquotes are Markdown
  [ -f "$doc" ] || printf '# Performance\n\nBenchmarks live in `bench/`; each writes its own section here. Ratios, not absolute times, are what to compare across machines.\n' >"$doc"
  python3 - "$doc" "$1" "$2" <<'PY'
import re, sys
path, title, table = sys.argv[1:4]
text = open(path).read()
section = "## " + title + "\n\n" + table + "\n"
pattern = re.compile(r"## " + re.escape(title) + r"\n.*?(?=\n## |\Z)", re.S)
# The section keeps its final newline: the blank line before the next
# heading stays.
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text.rstrip("\n") + "\n")
PY
}

# bench_image_scratch TAG: the bench image (bench/make-pull-image.sh, built
# once under /var/tmp, or $NOOK_BENCH_IMAGE) readable by the test user, a
# scratch file system (bench_scratch TAG), and $results in it.
bench_image_scratch() {
  image=${NOOK_BENCH_IMAGE:-/var/tmp/nook-bench-pull-image}
  [ -f "$image/index.json" ] || "$here/bench/make-pull-image.sh" "$image"
  bench_scratch "$1"
  chmod -R a+rX "$image"
  results=$work/results.txt
}

# bench_as_user ARGS...: the script on stdin, run by bash as the test user
# in a clean environment (its own home and runtime dir), with ARGS.
bench_as_user() {
  local uid home
  uid=$(id -u "$user")
  home=$(getent passwd "$user" | cut -d: -f6)
  runuser -u "$user" -- env -i HOME="$home" XDG_RUNTIME_DIR="/run/user/$uid" \
    PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin bash -s "$@"
}

# The two below run inside that script, as the test user, in $work.

# bench_serve_image: a docker-registry on 127.0.0.1 holding $image as
# bench/big:latest, stopped on exit; sets $ref to it.
bench_serve_image() {
  export NOOK_REGISTRY_PORT=$((21000 + RANDOM % 9000)) NOOK_REGISTRY_DIR=$work/registry
  local reg
  reg=$(./scripts/registry.sh start)
  trap './scripts/registry.sh stop >/dev/null 2>&1 || true' EXIT
  ./scripts/registry.sh push "$image" bench/big:latest >/dev/null
  # shellcheck disable=SC2034 # the caller's
  ref=$reg/bench/big:latest
}

# bench_podman VAR DIR: the array VAR becomes a podman command with a store
# of its own under $work/DIR, on native overlay (Debian's podman falls back
# to vfs otherwise), without systemd or journald, which this machine lacks.
bench_podman() {
  local -n cmd=$1
  # shellcheck disable=SC2034 # a name for the caller's array
  cmd=(podman --root "$work/$2/root" --runroot "$work/$2/run" --storage-driver overlay
    --tmpdir "$work/podman-tmp" --events-backend file --cgroup-manager cgroupfs)
}
