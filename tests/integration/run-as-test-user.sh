#!/usr/bin/env bash
# Runs one bats file as the unprivileged test user (ctest calls this for every
# tests/integration/*.bats). Usage: run-as-test-user.sh FILE.bats [bats options]
#
# As root: switches to $NOOK_TEST_USER (default nooktest, made by
# scripts/setup-test-user.sh) with a clean login-like environment.
# As any other user: runs the tests as that user, in their own environment.
# Either way the tests themselves never run as root or with capabilities.
set -euo pipefail
[ $# -ge 1 ] || {
  echo "usage: $0 FILE.bats [bats options]" >&2
  exit 2
}
file=$(realpath "$1")
shift
here=$(cd "$(dirname "$0")" && pwd)
: "${NOOK_SOURCE_DIR:=$(cd "$here/../.." && pwd)}"
: "${NOOK_BUILD_DIR:?set NOOK_BUILD_DIR to the build directory (ctest sets it)}"
user=${NOOK_TEST_USER:-nooktest}
fail() {
  echo "run-as-test-user: $*" >&2
  exit 1
}

# The guard runs in the process that becomes bats: it checks the credentials
# the tests will really have, not the ones we meant to give them.
# catatonit above it is a subreaper: a container process whose runtime lost
# track of it is re-parented to it (not to init), so helpers.bash can tell it
# came from this file ($NOOK_TEST_REAPER), and it is reaped, not left a zombie.
guard='
  [ "$(id -u)" != 0 ] || { echo "run-as-test-user: refusing to run tests as root" >&2; exit 1; }
  while read -r key value; do
    if [ "$key" = CapEff: ] && [[ ! $value =~ ^0+$ ]]; then
      echo "run-as-test-user: refusing to run tests with capabilities (CapEff $value)" >&2; exit 1
    fi
  done </proc/self/status
  read -r comm </proc/$PPID/comm
  if [ "$comm" = catatonit ]; then export NOOK_TEST_REAPER=$PPID; fi
  exec bats "$@"'
reaper=()
if command -v catatonit >/dev/null; then
  reaper=(catatonit --)
else
  echo "run-as-test-user: catatonit not installed; leaked processes re-parented to init go unnoticed" >&2
fi

if [ "$(id -u)" -ne 0 ]; then
  [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR" ] ||
    fail "XDG_RUNTIME_DIR is unset or missing; log in properly or run the tests as root via ctest"
  export NOOK_BUILD_DIR NOOK_SOURCE_DIR
  exec "${reaper[@]}" bash -c "$guard" bats "$file" "$@"
fi

uid=$(id -u "$user" 2>/dev/null) || fail "test user '$user' does not exist: run scripts/setup-test-user.sh first"
home=$(getent passwd "$user" | cut -d: -f6)
rundir=/run/user/$uid
[ -d "$rundir" ] && [ "$(stat -c %u "$rundir")" = "$uid" ] ||
  fail "$rundir is missing or not owned by $user: run scripts/setup-test-user.sh first"
for path in "$file" "$NOOK_BUILD_DIR" "$NOOK_SOURCE_DIR/tests/integration/helpers.bash"; do
  runuser -u "$user" -- test -r "$path" ||
    fail "$path is not readable by $user; build and test from a readable tree (scripts/test.sh copies one to /var/tmp)"
done

env=(HOME="$home" USER="$user" LOGNAME="$user" SHELL=/bin/bash LANG=C.UTF-8 TERM=dumb
  PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin
  XDG_RUNTIME_DIR="$rundir" NOOK_BUILD_DIR="$NOOK_BUILD_DIR" NOOK_SOURCE_DIR="$NOOK_SOURCE_DIR")

# With a delegated cgroup2 subtree (setup-test-user.sh records it), each file
# gets a child cgroup of its own, owned by the user, and bats starts inside it:
# moving a process between cgroups needs write access to their common
# ancestor, so tests must start inside the subtree (as in a systemd delegated
# scope). Files running in parallel do not share one.
cgroup=
if [ -r "$rundir/nook-test-cgroup" ]; then
  parent=$(cat "$rundir/nook-test-cgroup")
  [ -d "$parent" ] || fail "delegated cgroup $parent is gone: run scripts/setup-test-user.sh again"
  cgroup=$parent/$(basename "$file" .bats).$$
  read -ra controllers <"$parent/cgroup.controllers" || true
  for c in "${controllers[@]}"; do
    grep -qw -- "$c" "$parent/cgroup.subtree_control" ||
      echo "+$c" >"$parent/cgroup.subtree_control" ||
      echo "run-as-test-user: warning: cannot hand the $c controller down in $parent" >&2
  done
  mkdir "$cgroup"
  chown "$uid:$(id -g "$user")" "$cgroup" "$cgroup/cgroup.procs" "$cgroup/cgroup.subtree_control" \
    "$cgroup/cgroup.threads"
  env+=(NOOK_TEST_CGROUP_DIR="$cgroup")
fi
# Knobs for the tests themselves (NOOK_REGISTRY_PORT, ...) pass through.
for name in $(compgen -e); do
  case $name in
    NOOK_BUILD_DIR | NOOK_SOURCE_DIR | NOOK_TEST_CGROUP_DIR | NOOK_TEST_USER) ;;
    NOOK_*) env+=("$name=${!name}") ;;
  esac
done

cd "$home"
run_tests=(runuser -u "$user" -- env -i "${env[@]}" "${reaper[@]}" bash -c "$guard" bats "$file" "$@")
[ -n "$cgroup" ] || exec "${run_tests[@]}"

status=0
(
  echo "$BASHPID" >"$cgroup/cgroup.procs"
  exec "${run_tests[@]}"
) || status=$?
# A process still in the file's cgroup outlived its tests: a failure. Empty
# child cgroups are only reported (a runtime's leaf cgroup, the one it moves
# itself into, stays until its parent is removed). Then everything goes,
# deepest first.
leftover=$(find "$cgroup" -name cgroup.procs -exec cat {} + 2>/dev/null)
children=$(find "$cgroup" -mindepth 1 -type d)
if [ -n "$leftover" ]; then
  echo "run-as-test-user: processes outlived the tests in $cgroup:" >&2
  ps -o pid,user,stat,args -p "$(echo $leftover | tr ' ' ,)" >&2 || true
  if [ -e "$cgroup/cgroup.kill" ]; then echo 1 >"$cgroup/cgroup.kill"; else kill -KILL $leftover; fi
  status=1
fi
if [ -n "$children" ]; then
  echo "run-as-test-user: note: cgroups left behind by the tests:" $children >&2
fi
for ((i = 0; i < 50; i++)); do
  find "$cgroup" -depth -type d -exec rmdir {} + 2>/dev/null || true
  [ -d "$cgroup" ] || break
  sleep 0.1
done
[ ! -d "$cgroup" ] || echo "run-as-test-user: could not remove $cgroup" >&2
exit "$status"
