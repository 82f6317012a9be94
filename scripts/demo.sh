#!/usr/bin/env bash
# nook's main job in one command, from a fresh Debian 12, as root:
#   sudo ./scripts/demo.sh
# Installs the packages, prepares the unprivileged user "nooktest", builds
# nook, then as that user (never as root): builds a busybox OCI image, pushes
# it to a local registry on 127.0.0.1, `nook pull`s it into the user's home,
# stacks its layers with overlayfs in the user namespace and runs it with
# nook-runtime in a rootless container.
# NOOK_REGISTRY_PORT (default 5000) and NOOK_BUILD_DIR (default
# /var/tmp/nook-build) may be set.
set -euo pipefail

# The part that runs as the test user: demo.sh --as-user
as_user() {
  : "${NOOK_BUILD_DIR:?}" "${NOOK_SOURCE_DIR:?}"
  local runtime=$NOOK_BUILD_DIR/nook-runtime registry=$NOOK_SOURCE_DIR/scripts/registry.sh
  local nook=$NOOK_BUILD_DIR/nook work=$HOME/nook-demo image=busybox-demo/busybox:latest
  local registry_host=127.0.0.1:${NOOK_REGISTRY_PORT:-5000}
  step() { printf '\n--- %s\n' "$*"; }

  step "as $(id -un) (uid $(id -u)), subordinate uids: $(getsubids "$(id -un)" | awk '{ print $3 "+" $4 }')"
  rm -rf "$work"
  mkdir -p "$work"

  step "building a busybox OCI image"
  "$NOOK_SOURCE_DIR/tests/fixtures/make-busybox-image.sh" "$work/image"

  step "starting a local registry"
  export NOOK_REGISTRY_PORT=${NOOK_REGISTRY_PORT:-5000}
  "$registry" start "$work/registry-storage"
  # shellcheck disable=SC2064 # expanded now: $registry is local to this function
  trap "$(printf '%q' "$registry") stop" EXIT

  step "pushing $image"
  "$registry" push "$work/image" "$image"

  step "nook pull $registry_host/$image (into ~/.local/share/nook, unpacked in a user namespace)"
  "$nook" pull --tls-verify=false "$registry_host/$image"

  step "nook images"
  "$nook" images

  step "the image's layers stacked by overlayfs in the user namespace, run by nook-runtime"
  rm -rf "$work/bundle"
  mkdir -p "$work/bundle/rootfs"
  (cd "$work/bundle" && "$runtime" spec --rootless)
  local inspect
  inspect=$("$nook" image inspect "$registry_host/$image")
  jq -r '.[0].GraphDriver.Data | [.UpperDir] + ((.LowerDir // "") | split(":") | map(select(. != ""))) | join(":")' \
    <<<"$inspect" >"$work/bundle/lower"
  # Root in the container is the user; 1..65536 their subordinate ids,
  # which are 1..65536 in the storage namespace the layers were made in.
  jq --argjson cfg "$(jq '.[0].Config' <<<"$inspect")" '
      .process.args = ["sh", "-c", "echo hello from nook; id; cat /proc/self/uid_map; ls -ln /home"]
      | .process.env = $cfg.Env | .process.terminal = false | .root.readonly = true
      | .linux.uidMappings = [{containerID: 0, hostID: 0, size: 1}, {containerID: 1, hostID: 1, size: 65536}]
      | .linux.gidMappings = [{containerID: 0, hostID: 0, size: 1}, {containerID: 1, hostID: 1, size: 65536}]' \
    "$work/bundle/config.json" >"$work/bundle/config.json.new"
  mv "$work/bundle/config.json.new" "$work/bundle/config.json"
  "$nook" unshare unshare -m sh -c '
    set -e
    lower=$(cat "$1/lower")
    # overlayfs wants two lower layers when there is no upper one.
    case $lower in
      *:*) mount -t overlay overlay -o "ro,userxattr,lowerdir=$lower" "$1/rootfs" ;;
      *) mount --bind "$lower" "$1/rootfs" ;;
    esac
    "$2" delete --force demo >/dev/null 2>&1 || true
    exec "$2" run --bundle "$1" demo' _ "$work/bundle" "$runtime"
}

if [ "${1:-}" = --as-user ]; then
  as_user
  exit
fi

. "$(dirname "$0")/lib.sh"
nook_prepare_all
nook_log "running the demo as $NOOK_TEST_USER"
status=0
nook_as_test_user NOOK_BUILD_DIR="$NOOK_BUILD" NOOK_SOURCE_DIR="$NOOK_SRC" \
  NOOK_REGISTRY_PORT="${NOOK_REGISTRY_PORT:-5000}" \
  bash "$NOOK_SRC/scripts/demo.sh" --as-user || status=$?
if [ "$status" -ne 0 ]; then nook_log "demo failed (exit status $status)"; fi
exit "$status"
