#!/usr/bin/env bash
# Gives USER a delegated cgroup2 subtree the way systemd's Delegate=yes does
# for user@.service (the directory and its cgroup.procs, cgroup.subtree_control
# and cgroup.threads belong to the user), so that nook's rootless cgroup code
# can be exercised on hosts without a systemd user session.
#
#   setup-cgroup-delegation.sh USER
#       creates <cgroup2 mount>/nook-test-USER and prints its path
#   setup-cgroup-delegation.sh USER --run COMMAND [ARGS...]
#       then runs COMMAND as USER from inside that cgroup, with
#       NOOK_TEST_CGROUP_DIR set to it (moving a process between cgroups needs
#       write access to both ends' common ancestor, so the tests must start
#       inside the subtree, as a systemd delegated scope would)
#
# Run as root. Idempotent: when nothing runs in the subtree, leftovers of an
# earlier run (empty child cgroups, controllers enabled below) are cleared so
# every run starts from what systemd would hand over.
set -euo pipefail

me=${0##*/}
usage() {
  echo "usage: $me USER [--run COMMAND [ARGS...]]" >&2
  exit 2
}
die() {
  echo "$me: $*" >&2
  exit 1
}

[ $# -ge 1 ] || usage
user=$1
shift
run=()
if [ $# -gt 0 ]; then
  if [ "$1" != --run ] || [ $# -lt 2 ]; then usage; fi
  shift
  run=("$@")
fi
[ "$(id -u)" -eq 0 ] || die "run as root (it creates and chowns a cgroup)"
uid=$(id -u -- "$user") || die "no such user: $user"
gid=$(id -g -- "$user")

# cgroup2 lives at /sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified on
# hybrid ones.
mnt=
for m in /sys/fs/cgroup /sys/fs/cgroup/unified; do
  if [ "$(stat -f -c %T "$m" 2>/dev/null)" = cgroup2fs ]; then
    mnt=$m
    break
  fi
done
[ -n "$mnt" ] || die "no cgroup2 filesystem at /sys/fs/cgroup or /sys/fs/cgroup/unified"
dir=$mnt/nook-test-$user

# Hand every controller the root has down to its children, so the delegated
# cgroup offers them (on a hybrid host only what v1 has not taken, if any).
read -ra offered <"$mnt/cgroup.controllers" || true  # empty file: no newline
for c in "${offered[@]}"; do
  if ! grep -qw -- "$c" "$mnt/cgroup.subtree_control"; then
    echo "+$c" >"$mnt/cgroup.subtree_control" 2>/dev/null ||
      echo "$me: warning: cannot enable the $c controller in $mnt" >&2
  fi
done

mkdir -p "$dir"

if grep -qx 'populated 0' "$dir/cgroup.events"; then
  # Nothing runs below: remove empty leftovers deepest first, then give back
  # the controllers a previous run enabled, so processes may enter $dir again
  # (cgroup v2 admits none into a cgroup that hands controllers down).
  find "$dir" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
  read -ra enabled <"$dir/cgroup.subtree_control" || true
  for c in "${enabled[@]}"; do
    echo "-$c" >"$dir/cgroup.subtree_control"
  done
fi

chown "$uid:$gid" "$dir" "$dir/cgroup.procs" "$dir/cgroup.subtree_control" "$dir/cgroup.threads"

if [ ${#run[@]} -eq 0 ]; then
  echo "$dir"
  exit 0
fi

[ -z "$(cat "$dir/cgroup.subtree_control")" ] ||
  die "$dir is in use and hands controllers down; cannot start a process in it"
echo "$me: running as $user in $dir" >&2
echo $$ >"$dir/cgroup.procs"
exec runuser -u "$user" -- env NOOK_TEST_CGROUP_DIR="$dir" "${run[@]}"
