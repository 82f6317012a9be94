#!/usr/bin/env bash
# nook's main job in one command, from a fresh Debian 12, as root:
#   sudo ./scripts/demo.sh
# Installs the packages, prepares the unprivileged user "nooktest", builds
# nook, then as that user (never as root): builds a busybox OCI image, pushes
# it to a local registry on 127.0.0.1, pulls it back, unpacks it into an OCI
# bundle and runs it with nook-runtime in a rootless container.
# NOOK_REGISTRY_PORT (default 5000) and NOOK_BUILD_DIR (default
# /var/tmp/nook-build) may be set.
set -euo pipefail

# The part that runs as the test user: demo.sh --as-user
as_user() {
  : "${NOOK_BUILD_DIR:?}" "${NOOK_SOURCE_DIR:?}"
  local runtime=$NOOK_BUILD_DIR/nook-runtime registry=$NOOK_SOURCE_DIR/scripts/registry.sh
  local work=$HOME/nook-demo image=busybox-demo/busybox:latest
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

  # Interim: until `nook pull` exists this is registry.sh's curl client
  # (manifest, then config, then layer, each checked with sha256sum).
  step "pulling $image back"
  "$registry" pull "$image" "$work/pulled"
  local manifest config layer diff_id
  manifest=$work/pulled/blobs/$(jq -r '.manifests[0].digest' "$work/pulled/index.json" | tr : /)
  config=$work/pulled/blobs/$(jq -r .config.digest "$manifest" | tr : /)
  layer=$work/pulled/blobs/$(jq -r '.layers[0].digest' "$manifest" | tr : /)
  diff_id=sha256:$(gzip -dc "$layer" | sha256sum | cut -d' ' -f1)
  [ "$diff_id" = "$(jq -r '.rootfs.diff_ids[0]' "$config")" ] ||
    { echo "demo: uncompressed layer does not match the config's diff_id" >&2; exit 1; }
  echo "layer $(basename "$layer"), diff_id $diff_id (matches the config)"

  step "unpacking the layer into an OCI bundle"
  mkdir -p "$work/bundle/rootfs"
  tar -xzpf "$layer" -C "$work/bundle/rootfs"
  (cd "$work/bundle" && "$runtime" spec --rootless)
  [ -s "$work/bundle/config.json" ] || { echo "demo: nook-runtime spec --rootless wrote no config.json" >&2; exit 1; }
  jq '.process.args = ["sh", "-c", "echo hello from nook; id; cat /proc/self/uid_map"]
      | .process.terminal = false | .root.path = "rootfs"' \
    "$work/bundle/config.json" >"$work/bundle/config.json.new"
  mv "$work/bundle/config.json.new" "$work/bundle/config.json"
  echo "$work/bundle"

  step "nook-runtime run demo"
  "$runtime" delete --force demo >/dev/null 2>&1 || true
  "$runtime" run --bundle "$work/bundle" demo
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
