#!/usr/bin/env bash
# Prepares the unprivileged account the integration tests and the demo run as
# (default "nooktest"; NOOK_TEST_USER overrides) the way a desktop distribution
# prepares a login user: subordinate id ranges, $XDG_RUNTIME_DIR, world-usable
# /dev/net/tun and /dev/fuse, user namespaces on, and (when the host can) a
# delegated cgroup2 subtree. Idempotent; prints one line per step.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
nook_require_root
user=$NOOK_TEST_USER
say() { printf 'setup-test-user: %s\n' "$*"; }

if id -u "$user" >/dev/null 2>&1; then
  say "user $user exists (uid $(id -u "$user"))"
else
  useradd -m -s /bin/bash "$user"
  say "created user $user (uid $(id -u "$user"))"
fi
uid=$(id -u "$user")

# Picks the first 65536-id block above 100000 that no entry of FILE overlaps.
free_range_start() {
  local file=$1 start=100000 s n
  while IFS=: read -r _ s n; do
    [[ $s =~ ^[0-9]+$ && $n =~ ^[0-9]+$ ]] || continue
    if ((s + n > start && s < start + 65536)); then start=$((s + n)); fi
  done < <(sort -t: -k2,2n "$file")
  echo "$start"
}

# An entry may name the user or their uid (both are valid in subuid(5)).
for file in /etc/subuid /etc/subgid; do
  touch "$file"
  if grep -Eq "^($user|$uid):[0-9]+:[0-9]+$" "$file"; then
    say "$file: $(grep -E "^($user|$uid):" "$file" | head -1)"
  else
    start=$(free_range_start "$file")
    echo "$user:$start:65536" >>"$file"
    say "$file: added $user:$start:65536"
  fi
done

rundir=/run/user/$uid
mkdir -p /run/user
install -d -m 0700 -o "$user" -g "$(id -g "$user")" "$rundir"
say "XDG_RUNTIME_DIR $rundir (0700, owned by $user)"

# Distributions ship these 0666; pasta/slirp4netns need tun, fuse-overlayfs needs fuse.
for dev in /dev/net/tun /dev/fuse; do
  if [ -c "$dev" ]; then
    chmod 0666 "$dev"
    say "$dev mode 0666"
  else
    say "$dev missing (networking or fuse-overlayfs tests will fail)"
  fi
done

clone=/proc/sys/kernel/unprivileged_userns_clone
if [ -e "$clone" ] && [ "$(cat "$clone")" != 1 ]; then
  echo "setup-test-user: unprivileged user namespaces are disabled; enable them with: sysctl -w kernel.unprivileged_userns_clone=1" >&2
  exit 1
fi
max=$(cat /proc/sys/user/max_user_namespaces)
if [ "$max" -lt 1 ]; then
  echo "setup-test-user: user.max_user_namespaces is $max; enable user namespaces with: sysctl -w user.max_user_namespaces=15000" >&2
  exit 1
fi
apparmor=/proc/sys/kernel/apparmor_restrict_unprivileged_userns
if [ -e "$apparmor" ] && [ "$(cat "$apparmor")" != 0 ]; then
  echo "setup-test-user: AppArmor restricts unprivileged user namespaces; allow them with: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0" >&2
  exit 1
fi
if ! err=$(nook_as_test_user unshare --user --map-root-user true 2>&1); then
  echo "setup-test-user: $user cannot create a user namespace: $err" >&2
  exit 1
fi
say "user namespaces enabled (user.max_user_namespaces=$max)"

cgroup_file=$rundir/nook-test-cgroup
delegate=$NOOK_SCRIPTS_DIR/setup-cgroup-delegation.sh
if [ -x "$delegate" ]; then
  if path=$("$delegate" "$user" | tail -n 1) && [ -d "$path" ]; then
    printf '%s\n' "$path" >"$cgroup_file"
    chown "$user" "$cgroup_file"
    chmod 0644 "$cgroup_file"
    say "delegated cgroup2 subtree $path (recorded in $cgroup_file)"
  else
    rm -f "$cgroup_file"
    say "WARNING: $delegate $user failed; cgroup v2 tests will skip"
  fi
else
  rm -f "$cgroup_file"
  say "no scripts/setup-cgroup-delegation.sh; no delegated cgroup2 subtree"
fi
