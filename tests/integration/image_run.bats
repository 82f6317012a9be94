#!/usr/bin/env bats
# A pulled image is runnable: its layers, stacked by native overlayfs in a
# user namespace (what the engine will do), make a rootfs that nook-runtime
# runs with the image's entrypoint, cmd, env, user and workdir. Owners on
# disk are the user's subordinate ids; layers shared by two images are
# stored once.

load helpers
load image_helpers

setup_file() {
  start_registry
  local rootfs spec
  rootfs=$(busybox_rootfs)
  tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -cf "$BATS_FILE_TMPDIR/base.tar" .
  base64 -w0 "$BATS_FILE_TMPDIR/base.tar" >"$BATS_FILE_TMPDIR/base.b64"
  # app: base, a layer adding /etc/doomed, a layer deleting it again (a
  # whiteout) and adding files owned by uid 27.
  spec=$(jq -n --rawfile base "$BATS_FILE_TMPDIR/base.b64" '{
    layers: [
      {raw_tar_b64: $base},
      {entries: [{path: "etc/doomed", type: "file", data: "gone soon\n"},
                 {path: "opt/old", type: "dir"},
                 {path: "opt/old/stale", type: "file", data: "stale\n"}]},
      {compression: "zstd",
       entries: [{path: "etc/.wh.doomed", type: "file"},
                 {path: "opt/old/.wh..wh..opq", type: "file"},
                 {path: "opt/old/fresh", type: "file", data: "fresh\n"},
                 {path: "home/test/hello", type: "file", data: "hello file\n", uid: 27, gid: 27},
                 {path: "home/test/run.sh", type: "file", mode: 493, uid: 27, gid: 27,
                  data: "echo \"$GREETING from $(pwd) as $(id -u):$(id -g), file owner $(stat -c %u hello)\"\n"}]}
    ],
    config: {Entrypoint: ["/bin/sh"], Cmd: ["./run.sh"], Env: ["PATH=/bin:/sbin", "GREETING=hello"],
             User: "27:27", WorkingDir: "/home/test", Labels: {purpose: "test"}}
  }')
  image_from_json "$BATS_FILE_TMPDIR/app" "$spec" >/dev/null
  push_layout "$BATS_FILE_TMPDIR/app" app:latest
  spec=$(jq -n --rawfile base "$BATS_FILE_TMPDIR/base.b64" '{
    layers: [{raw_tar_b64: $base}, {entries: [{path: "opt/other", type: "file", data: "b\n"}]}],
    config: {Cmd: ["sh"]}}')
  image_from_json "$BATS_FILE_TMPDIR/other" "$spec" >/dev/null
  push_layout "$BATS_FILE_TMPDIR/other" other:latest
}

teardown_file() { stop_registry; }

setup() {
  nook_setup
  export STORE=$BATS_TEST_TMPDIR/store
}

teardown() {
  [ ! -d "$STORE" ] || "$NOOK" --root "$STORE" system reset --force >/dev/null 2>&1 || true
  nook_teardown
}

n() { "$NOOK" --root "$STORE" "$@"; }

# bundle_from_image IMAGE DIR: DIR/config.json from nook-runtime's rootless
# spec with the image's process (entrypoint + cmd, env, user, cwd), the
# identity mapping of the storage namespace (0 and 1..65536: a range may
# not span two ranges of the parent's map), a read-only rootfs
# at DIR/rootfs, and the lowerdir list of the image in DIR/lower.
bundle_from_image() {
  local image=$1 dir=$2 inspect
  mkdir -p "$dir/rootfs"
  inspect=$(n image inspect "$image")
  jq -r '.[0].RootFS.Layers | reverse | map(sub("^sha256:"; env.STORE + "/layers/")) | join(":")' \
    <<<"$inspect" >"$dir/lower"
  rt spec --rootless --bundle "$dir"
  jq --argjson img "$(jq '.[0].Config' <<<"$inspect")" '
    .process.args = (($img.Entrypoint // []) + ($img.Cmd // []))
    | .process.env = $img.Env
    | .process.cwd = $img.WorkingDir
    | .process.user = {uid: ($img.User | split(":")[0] | tonumber),
                       gid: ($img.User | split(":")[1] | tonumber)}
    | .process.terminal = false
    | .root.readonly = true
    | .linux.uidMappings = [{containerID: 0, hostID: 0, size: 1}, {containerID: 1, hostID: 1, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 0, size: 1}, {containerID: 1, hostID: 1, size: 65536}]' \
    "$dir/config.json" >"$dir/config.json.new"
  mv "$dir/config.json.new" "$dir/config.json"
}

@test "a pulled image runs with its config on its layers stacked by overlayfs" {
  run -0 n pull -q --tls-verify=false "$REGISTRY/app:latest"
  bundle_from_image "$REGISTRY/app" "$BATS_TEST_TMPDIR/bundle"
  # In the storage namespace: mount the layers read-only (no upper dir), run.
  run -0 n unshare unshare -m sh -c '
    set -e
    mount -t overlay overlay -o "ro,userxattr,lowerdir=$(cat "$1/lower")" "$1/rootfs"
    exec "$2" --root "$3" run --bundle "$1" app-test' _ \
    "$BATS_TEST_TMPDIR/bundle" "$NOOK_RUNTIME" "$BATS_TEST_TMPDIR/state"
  assert_output "hello from /home/test as 27:27, file owner 27"
}

@test "whiteouts and opaque directories hide the lower layers' files" {
  run -0 n pull -q --tls-verify=false "$REGISTRY/app:latest"
  bundle_from_image "$REGISTRY/app" "$BATS_TEST_TMPDIR/bundle"
  run -0 n unshare unshare -m sh -c '
    set -e
    mount -t overlay overlay -o "ro,userxattr,lowerdir=$(cat "$1/lower")" "$1/rootfs"
    ls -A "$1/rootfs/opt/old"; test ! -e "$1/rootfs/etc/doomed" && echo doomed-gone' _ \
    "$BATS_TEST_TMPDIR/bundle"
  assert_output "fresh
doomed-gone"
}

@test "uid 27 in the image is the user's subordinate uid + 26 on disk" {
  run -0 n pull -q --tls-verify=false "$REGISTRY/app:latest"
  local start top
  start=$(subid_start)
  top=$(n image inspect --format '{{index .RootFS.Layers 2}}' "$REGISTRY/app")
  run -0 stat -c '%u:%g %a' "$STORE/layers/${top#sha256:}/home/test/hello"
  assert_output "$((start + 26)):$((start + 26)) 644"
  # Root-owned files are the user's own.
  run -0 stat -c %u "$STORE/layers/${top#sha256:}/home/test"
  assert_output "$(id -u)"
}

@test "two images sharing a base layer store it once" {
  n pull -q --tls-verify=false "$REGISTRY/app:latest" >/dev/null
  n pull -q --tls-verify=false "$REGISTRY/other:latest" >/dev/null
  run -0 sh -c 'ls "$1/layers" | wc -l' _ "$STORE"
  # app has three layers, other two, one of them app's base.
  assert_output 4
  run -0 n image inspect --format '{{index .RootFS.Layers 0}}' "$REGISTRY/app"
  local base=$output
  run -0 n image inspect --format '{{index .RootFS.Layers 0}}' "$REGISTRY/other"
  assert_output "$base"
  n rmi "$REGISTRY/app" >/dev/null
  run -0 sh -c 'ls "$1/layers" | wc -l' _ "$STORE"
  assert_output 2
  run -0 test -d "$STORE/layers/${base#sha256:}/bin"
}

@test "image inspect shows the config the image was built with" {
  n pull -q --tls-verify=false "$REGISTRY/app:latest" >/dev/null
  run -0 n image inspect --format '{{.Config.User}} {{.Config.WorkingDir}} {{json .Config.Entrypoint}} {{.Labels.purpose}} {{len .RootFS.Layers}}' "$REGISTRY/app"
  assert_output '27:27 /home/test ["/bin/sh"] test 3'
}

@test "fuse-overlayfs stacks the same layers to the same tree (whiteouts, opaque dirs, owners)" {
  command -v fuse-overlayfs >/dev/null || skip "fuse-overlayfs is not installed"
  [ -r /dev/fuse ] && [ -w /dev/fuse ] || skip "/dev/fuse is not open to users (scripts/setup-test-user.sh opens it)"
  run -0 n pull -q --tls-verify=false "$REGISTRY/app:latest"
  bundle_from_image "$REGISTRY/app" "$BATS_TEST_TMPDIR/bundle"
  mkdir -p "$BATS_TEST_TMPDIR/upper" "$BATS_TEST_TMPDIR/work"
  run -0 n unshare unshare -m sh -c '
    set -e
    # (Debian 12'"'"'s fuse-overlayfs notes an ignored "lazytime" on stderr.)
    fuse-overlayfs -o "lowerdir=$(cat "$1/lower"),upperdir=$2/upper,workdir=$2/work" \
      "$1/rootfs" 2>"$2/fuse.log" || { cat "$2/fuse.log" >&2; exit 1; }
    trap "fusermount3 -u \"$1/rootfs\"" EXIT
    ls -A "$1/rootfs/opt/old"
    test ! -e "$1/rootfs/etc/doomed" && echo doomed-gone
    stat -c "%u:%g" "$1/rootfs/home/test/hello"
    # Writes land in the upper dir; the lower layers stay as stored.
    echo new >"$1/rootfs/etc/added"
    rm "$1/rootfs/opt/old/fresh"
    test -e "$2/upper/etc/added" && echo upper-written' _ \
    "$BATS_TEST_TMPDIR/bundle" "$BATS_TEST_TMPDIR"
  assert_output "fresh
doomed-gone
27:27
upper-written"
  local top
  top=$(n image inspect --format '{{index .RootFS.Layers 2}}' "$REGISTRY/app")
  run -0 test -e "$STORE/layers/${top#sha256:}/opt/old/fresh"
}
