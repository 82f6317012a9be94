#!/usr/bin/env bats
# shellcheck disable=SC2154  # bats sets $output, $lines and $stderr
# nook save / load / import as the unprivileged user: every format through a
# store and back (same image ID, names, layer owners on disk), archives
# exchanged with podman both ways, import with --change, and malformed or
# hostile input failing with exit 125 and one "Error:" line, leaving no image.

load helpers

setup_file() {
  start_registry
  registry push "$(busybox_image)" busybox:latest >/dev/null
}

teardown_file() { stop_registry; }

setup() {
  nook_setup
  export STORE=$BATS_TEST_TMPDIR/store
  export PODMAN_DIR=$BATS_TEST_TMPDIR/podman
}

teardown() {
  [ -z "${FILE_SERVER_PID:-}" ] || kill "$FILE_SERVER_PID" 2>/dev/null || true
  # Layers hold files of subordinate ids: only the namespaces can delete them.
  local s
  for s in "$STORE" "$BATS_TEST_TMPDIR/store2" "$BATS_TEST_TMPDIR/store3"; do
    [ ! -d "$s" ] || "$NOOK" --root "$s" system reset --force >/dev/null 2>&1 || true
  done
  [ ! -d "$PODMAN_DIR" ] || p system reset --force >/dev/null 2>&1 || true
  nook_teardown
}

n() { "$NOOK" --root "$STORE" "$@"; }
n2() { "$NOOK" --root "$BATS_TEST_TMPDIR/store2" "$@"; }
n3() { "$NOOK" --root "$BATS_TEST_TMPDIR/store3" "$@"; }
npull() { n pull -q --tls-verify=false "$@"; }
# podman with a store of this test's own (never the user's).
p() {
  podman --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/run" --storage-driver vfs \
    --tmpdir "$PODMAN_DIR/tmp" --events-backend file --cgroup-manager cgroupfs "$@"
}

# The error contract: exit 125 and exactly one line, "Error: ...".
assert_one_error() {
  [ "$status" -eq 125 ] || {
    echo "exit $status, expected 125: $output" >&2
    return 1
  }
  [ "${#lines[@]}" -eq 1 ] || {
    echo "expected one line: $output" >&2
    return 1
  }
  assert_output --regexp "^Error: $1"
}

# A rootfs tarball with a file owned by uid/gid 27 and one by root.
make_rootfs_tar() {
  local dir=$BATS_TEST_TMPDIR/rootfs
  mkdir -p "$dir/etc" "$dir/home/test"
  echo imported >"$dir/etc/hostname"
  echo mine >"$dir/home/test/file"
  cp "$(busybox_rootfs)/bin/busybox" "$dir/etc/busybox"
  tar -C "$dir" --numeric-owner --owner=0 --group=0 -cf "$1" etc
  tar -C "$dir" --numeric-owner --owner=27 --group=27 -rf "$1" home
}

subid_base() { grep "^$(id -un):" "$1" | head -1 | cut -d: -f2; }

@test "pull, then each format: save, rmi, load gives the same ID and names back" {
  run -0 npull "$REGISTRY/busybox:latest"
  local id=$output fmt out
  for fmt in docker-archive oci-archive oci-dir docker-dir; do
    out=$BATS_TEST_TMPDIR/saved-$fmt
    run -0 --separate-stderr n save --format "$fmt" -o "$out" "$REGISTRY/busybox"
    [[ "$stderr" == *"Copying config sha256:$id"* ]]
    [[ "$stderr" == *"Writing manifest to image destination"* ]]
    run -0 n rmi "$REGISTRY/busybox"
    run -0 n images -q
    assert_output ""
    run -0 --separate-stderr n load -i "$out"
    if [ "$fmt" = docker-dir ]; then
      assert_output "Loaded image: sha256:$id"
      n tag "$id" "$REGISTRY/busybox:latest"
    else
      assert_output "Loaded image: $REGISTRY/busybox:latest"
    fi
    [[ "$stderr" == "Getting image source signatures"$'\n'"Copying blob sha256:"* ]]
    run -0 n image inspect --format '{{.Id}} {{index .RepoTags 0}} {{.Config.Cmd}}' "$REGISTRY/busybox"
    assert_output "$id $REGISTRY/busybox:latest [sh]"
    # The layer came back whole, owned by the user (root in the image).
    run -0 n unshare sh -c 'stat -c %u "$NOOK_STORE"/layers/*/bin/busybox'
    assert_output 0
    run -0 stat -c %u "$STORE"/layers/*/bin/busybox
    assert_output "$(id -u)"
  done
  # docker-archive to stdout, loaded from stdin, quietly.
  n save "$REGISTRY/busybox" >"$BATS_TEST_TMPDIR/stdout.tar"
  n rmi -a >/dev/null
  run -0 --separate-stderr n load -q <"$BATS_TEST_TMPDIR/stdout.tar"
  assert_output "Loaded image: $REGISTRY/busybox:latest"
  [ -z "$stderr" ]
  run -0 n images -q --no-trunc
  assert_output "sha256:$id"
}

@test "save to and load or import from a terminal are refused; -q is silent; image save|load|import work too" {
  npull "$REGISTRY/busybox:latest" >/dev/null
  run script -qec "$NOOK --root $STORE save $REGISTRY/busybox" /dev/null
  assert_output --partial "Error: refusing to save to terminal. Use -o flag or redirect"
  run script -qec "$NOOK --root $STORE load" /dev/null
  assert_output --partial "Error: cannot read from terminal"
  run script -qec "$NOOK --root $STORE import -" /dev/null
  assert_output --partial "Error: cannot read from terminal"
  run -0 --separate-stderr n image save -q -o "$BATS_TEST_TMPDIR/x.tar" "$REGISTRY/busybox"
  [ -z "$stderr" ] && [ -z "$output" ]
  run -0 tar -tf "$BATS_TEST_TMPDIR/x.tar"
  assert_line manifest.json
  assert_line repositories
  run -0 n image load -q -i "$BATS_TEST_TMPDIR/x.tar"
  assert_output "Loaded image: $REGISTRY/busybox:latest"
  make_rootfs_tar "$BATS_TEST_TMPDIR/root.tar"
  run -0 n image import -q "$BATS_TEST_TMPDIR/root.tar" grouped
  assert_output --regexp '^sha256:[0-9a-f]{64}$'
  # gzip-compressed archives load too (docker save | gzip).
  gzip -c "$BATS_TEST_TMPDIR/x.tar" >"$BATS_TEST_TMPDIR/x.tar.gz"
  run -0 n load -q -i "$BATS_TEST_TMPDIR/x.tar.gz"
  assert_output "Loaded image: $REGISTRY/busybox:latest"
}

@test "multi-image docker-archive: -m keeps every image; without -m more names" {
  run -0 npull "$REGISTRY/busybox:latest"
  local bb=$output
  make_rootfs_tar "$BATS_TEST_TMPDIR/root.tar"
  run -0 n import -q "$BATS_TEST_TMPDIR/root.tar" mine:1
  local mine=${output#sha256:}
  n save -q -m -o "$BATS_TEST_TMPDIR/m.tar" "$REGISTRY/busybox" mine:1
  n save -q -o "$BATS_TEST_TMPDIR/t.tar" mine:1 extra:2
  n rmi -a >/dev/null
  run -0 n load -q -i "$BATS_TEST_TMPDIR/m.tar"
  assert_line "Loaded image: $REGISTRY/busybox:latest"
  assert_line "Loaded image: localhost/mine:1"
  run -0 n images --format '{{.ID}} {{.Repository}}:{{.Tag}}'
  assert_line "${bb:0:12} $REGISTRY/busybox:latest"
  assert_line "${mine:0:12} localhost/mine:1"
  run -0 n load -q -i "$BATS_TEST_TMPDIR/t.tar"
  assert_output "Loaded image: localhost/mine:1
Loaded image: localhost/extra:2"
  run -125 n save -m --format oci-archive -o "$BATS_TEST_TMPDIR/o.tar" mine:1 extra:2
  assert_one_error 'unsupported format "oci-archive" for saving multiple images'
}

@test "import: --change, -m, --arch; files of other ids land on the user's subordinate ids" {
  make_rootfs_tar "$BATS_TEST_TMPDIR/root.tar"
  run -0 --separate-stderr n import -c 'CMD ["/etc/busybox", "sh"]' -c 'ENV A=1 B="x y"' \
    --change 'EXPOSE 8080 53/udp' -c 'LABEL team=nook' -c 'USER 27' -c 'WORKDIR /home/test' \
    -c 'VOLUME /data' -c 'STOPSIGNAL SIGINT' -c 'ENTRYPOINT /etc/busybox' -m 'my import' \
    "$BATS_TEST_TMPDIR/root.tar" myimg:v1
  assert_output --regexp '^sha256:[0-9a-f]{64}$'
  local id=${output#sha256:}
  [[ "$stderr" == "Getting image source signatures"$'\n'"Copying blob sha256:"* ]]
  [[ "$stderr" == *"Copying config sha256:$id"* ]]
  [[ "$stderr" == *"Writing manifest to image destination"* ]]
  run -0 n image inspect localhost/myimg:v1
  run jq -c '.[0] | [.Id, .RepoTags, .Comment, .Config, .History[0].comment, .Os, (.RootFS.Layers | length)]' <<<"$output"
  assert_output "[\"$id\",[\"localhost/myimg:v1\"],\"my import\",{\"User\":\"27\",\"ExposedPorts\":{\"53/udp\":{},\"8080/tcp\":{}},\"Env\":[\"A=1\",\"B=x y\"],\"Entrypoint\":[\"/bin/sh\",\"-c\",\"/etc/busybox\"],\"Cmd\":[\"/etc/busybox\",\"sh\"],\"Volumes\":{\"/data\":{}},\"WorkingDir\":\"/home/test\",\"Labels\":{\"team\":\"nook\"},\"StopSignal\":\"SIGINT\"},\"my import\",\"linux\",1]"
  # uid 27 in the image is the user's subordinate uid base + 26 on disk.
  local layer
  layer=$(n image inspect --format '{{index .RootFS.Layers 0}}' myimg:v1)
  run -0 stat -c '%u:%g' "$STORE/layers/${layer#sha256:}/home/test/file"
  assert_output "$(($(subid_base /etc/subuid) + 26)):$(($(subid_base /etc/subgid) + 26))"
  run -0 stat -c %u "$STORE/layers/${layer#sha256:}/etc/hostname"
  assert_output "$(id -u)"
  run -0 n unshare sh -c "stat -c '%u:%g' \"\$NOOK_STORE/layers/${layer#sha256:}/home/test/file\""
  assert_output "27:27"

  # Through save/load the owners stay.
  n save -q -o "$BATS_TEST_TMPDIR/mine.tar" myimg:v1
  n rmi -a >/dev/null
  run -0 n load -q -i "$BATS_TEST_TMPDIR/mine.tar"
  assert_output "Loaded image: localhost/myimg:v1"
  run -0 stat -c '%u:%g' "$STORE/layers/${layer#sha256:}/home/test/file"
  assert_output "$(($(subid_base /etc/subuid) + 26)):$(($(subid_base /etc/subgid) + 26))"

  # From stdin, gzip'd, untagged, another architecture; -q prints only the ID.
  run -0 --separate-stderr n import -q --arch arm64 - < <(gzip -c "$BATS_TEST_TMPDIR/root.tar")
  assert_output --regexp '^sha256:[0-9a-f]{64}$'
  [ -z "$stderr" ]
  local other=${output#sha256:}
  run -0 n images --format '{{.ID}} {{.Repository}} {{.Tag}}'
  assert_line "${other:0:12} <none> <none>"
  run -0 n image inspect --format '{{.Architecture}} {{.Comment}} {{(index .History 0).comment}}' "$other"
  assert_output "arm64  imported from tarball"
}

@test "import from an http URL: redirects followed, a 404 or a cut download stores nothing" {
  local dir=$BATS_TEST_TMPDIR/served port
  mkdir -p "$dir"
  make_rootfs_tar "$dir/root.tar"
  gzip -c "$dir/root.tar" >"$dir/root.tar.gz"
  # fd 3 closed: bats waits for every holder of its fd 3.
  python3 "$NOOK_FIXTURES/file-server.py" "$dir" "$BATS_TEST_TMPDIR/port" </dev/null \
    >"$BATS_TEST_TMPDIR/server.log" 2>&1 3>&- &
  FILE_SERVER_PID=$!
  retry 100 0.1 test -s "$BATS_TEST_TMPDIR/port"
  port=$(cat "$BATS_TEST_TMPDIR/port")
  local url=http://127.0.0.1:$port

  run -0 --separate-stderr n import -c 'CMD ["/etc/busybox", "sh"]' "$url/root.tar" fromurl:1
  assert_output --regexp '^sha256:[0-9a-f]{64}$'
  local id=$output
  [[ "$stderr" == "Downloading from \"$url/root.tar\""* ]]
  # The same bytes from a file make the same layer.
  run -0 n import -q "$dir/root.tar"
  local layer
  layer=$(n image inspect --format '{{index .RootFS.Layers 0}}' fromurl:1)
  run -0 n image inspect --format '{{index .RootFS.Layers 0}}' "$output"
  assert_output "$layer"
  run -0 cat "$STORE/layers/${layer#sha256:}/etc/hostname"
  assert_output imported
  run -0 n image inspect --format '{{.Config.Cmd}}' "$id"
  assert_output '[/etc/busybox sh]'
  # A password in the URL is never shown.
  run -0 --separate-stderr n import "http://me:s3cret@127.0.0.1:$port/root.tar"
  [[ "$stderr" == "Downloading from \"http://me:xxxxx@127.0.0.1:$port/root.tar\""* ]]
  run -125 n import -q "http://me:s3cret@127.0.0.1:$port/nosuch.tar"
  assert_output "Error: import: GET http://me:xxxxx@127.0.0.1:$port/nosuch.tar: HTTP 404"
  # gzip'd, behind a redirect, -q: only the ID.
  run -0 --separate-stderr n import -q "$url/moved/root.tar.gz" fromurl:2
  assert_output --regexp '^sha256:[0-9a-f]{64}$'
  [ -z "$stderr" ]

  local before
  before=$(n images -q --no-trunc | sort)
  run n import -q "$url/nosuch.tar" nope:1
  assert_one_error "import: GET $url/nosuch.tar: HTTP 404"
  run n import -q "$url/broken/root.tar" nope:2
  assert_one_error "import: GET $url/broken/root.tar: .*"
  [ "$(n images -q --no-trunc | sort)" = "$before" ]
  run -1 n image exists nope:1
  run -1 n image exists nope:2
  run -0 find "$STORE/tmp" -mindepth 1 -maxdepth 1
  assert_output ""
}

@test "save --format oci-dir into an existing OCI layout adds the image, as podman does; podman adds to nook's" {
  run -0 npull "$REGISTRY/busybox:latest"
  local bb=$output layout=$BATS_TEST_TMPDIR/layout
  make_rootfs_tar "$BATS_TEST_TMPDIR/root.tar"
  run -0 n import -q "$BATS_TEST_TMPDIR/root.tar" mine:1
  local mine=${output#sha256:}
  n save -q --format oci-dir -o "$layout" "$REGISTRY/busybox"
  run -0 --separate-stderr n save --format oci-dir -o "$layout" mine:1
  [[ "$stderr" == *"Writing manifest to image destination"* ]]
  run -0 jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' "$layout/index.json"
  assert_output "$REGISTRY/busybox:latest
localhost/mine:1"
  local bbm minem inode
  bbm=$(jq -r '.manifests[0].digest' "$layout/index.json")
  minem=$(jq -r '.manifests[1].digest' "$layout/index.json")
  # containers/image's rules: a name saved again moves to the new image and
  # the old entry stays without it; an unnamed entry of the same image is
  # replaced in place. Blobs already there are kept, not rewritten.
  inode=$(stat -c %i "$layout/blobs/sha256/${bb#sha256:}")
  n tag "$REGISTRY/busybox" mine:1
  n save -q --format oci-dir -o "$layout" mine:1
  run -0 jq -r '.manifests[] | (.annotations["org.opencontainers.image.ref.name"] // "-") + " " + .digest' "$layout/index.json"
  assert_output "$REGISTRY/busybox:latest $bbm
- $minem
localhost/mine:1 $bbm"
  assert_equal "$(stat -c %i "$layout/blobs/sha256/${bb#sha256:}")" "$inode"
  n tag "$mine" mine:1
  n save -q --format oci-dir -o "$layout" mine:1
  run -0 jq -r '.manifests[] | (.annotations["org.opencontainers.image.ref.name"] // "-") + " " + .digest' "$layout/index.json"
  assert_output "$REGISTRY/busybox:latest $bbm
localhost/mine:1 $minem
- $bbm"
  [ -z "$(find "$layout" -name '*.nook-*')" ]

  # Both images load back from the one layout, by name.
  run -0 n2 load -q -i "$layout"
  run -0 n2 image inspect --format '{{.Id}}' "$REGISTRY/busybox:latest" localhost/mine:1
  assert_output "${bb#sha256:}
$mine"

  # podman adds its image to nook's layout, and loads it from there.
  run -0 p import -q "$BATS_TEST_TMPDIR/root.tar" localhost/frompodman:1
  run -0 p save -q --format oci-dir -o "$layout" localhost/frompodman:1
  run -0 jq -r '.manifests | length' "$layout/index.json"
  assert_output 4
  # nook adds to podman's layout in turn.
  p save -q --format oci-dir -o "$BATS_TEST_TMPDIR/p-layout" localhost/frompodman:1
  n save -q --format oci-dir -o "$BATS_TEST_TMPDIR/p-layout" "$REGISTRY/busybox"
  run -0 jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' "$BATS_TEST_TMPDIR/p-layout/index.json"
  assert_output "localhost/frompodman:1
$REGISTRY/busybox:latest"
  run -0 n3 load -q -i "$BATS_TEST_TMPDIR/p-layout"
  run -0 n3 image exists localhost/frompodman:1
  run -0 n3 image exists "$REGISTRY/busybox:latest"
}

@test "save --format oci-dir into a broken or foreign directory changes nothing there" {
  run -0 npull "$REGISTRY/busybox:latest"
  local layout=$BATS_TEST_TMPDIR/layout
  mkdir -p "$layout"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
  echo 'not json' >"$layout/index.json"
  run n save --format oci-dir -o "$layout" "$REGISTRY/busybox"
  assert_one_error "$layout/index.json: not a JSON document"
  echo '{"manifests": {}}' >"$layout/index.json"
  run n save --format oci-dir -o "$layout" "$REGISTRY/busybox"
  assert_one_error '.*"manifests" must be an array'
  echo '{"imageLayoutVersion":"2.0.0"}' >"$layout/oci-layout"
  echo '{"manifests": []}' >"$layout/index.json"
  run n save --format oci-dir -o "$layout" "$REGISTRY/busybox"
  assert_one_error ".*layout/oci-layout: unsupported OCI layout version \"2.0.0\""
  rm "$layout/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
  run n save --format oci-dir -o "$layout" "$REGISTRY/busybox"
  assert_one_error ".*$layout/index.json"
  run -0 ls -A "$layout"
  assert_output "oci-layout"
  # Not a layout: refused (podman would write into it); docker-dir never adds.
  mkdir -p "$BATS_TEST_TMPDIR/other" && touch "$BATS_TEST_TMPDIR/other/notes"
  run n save --format oci-dir -o "$BATS_TEST_TMPDIR/other" "$REGISTRY/busybox"
  assert_one_error ".*other exists and is not empty \(and is not an OCI layout\)"
  n save -q --format docker-dir -o "$BATS_TEST_TMPDIR/dd" "$REGISTRY/busybox"
  run n save --format docker-dir -o "$BATS_TEST_TMPDIR/dd" "$REGISTRY/busybox"
  assert_one_error ".*dd exists and is not empty"
  run -0 ls -A "$BATS_TEST_TMPDIR/other"
  assert_output notes
}

@test "load: blobs land whole in the store; a directory's files are copied, never linked" {
  run -0 npull "$REGISTRY/busybox:latest"
  n save -q --format docker-archive -o "$BATS_TEST_TMPDIR/a.tar" "$REGISTRY/busybox"
  n save -q --format oci-dir -o "$BATS_TEST_TMPDIR/dir" "$REGISTRY/busybox"
  local f blob
  for src in "$BATS_TEST_TMPDIR/a.tar" "$BATS_TEST_TMPDIR/dir"; do
    n rmi -a >/dev/null
    run -0 n load -q -i "$src"
    # Every stored blob is what its name says, and the store's alone.
    for blob in "$STORE"/blobs/sha256/*; do
      assert_equal "$(sha256sum "$blob" | cut -d' ' -f1)" "$(basename "$blob")"
      assert_equal "$(stat -c %h "$blob")" 1
    done
  done
  # The user's layout was read, not linked: editing it later cannot reach the store.
  for f in "$BATS_TEST_TMPDIR"/dir/blobs/sha256/*; do
    assert_equal "$(stat -c %h "$f")" 1
  done
}

@test "podman loads nook's archives and nook loads podman's, with the same image ID" {
  run -0 npull "$REGISTRY/busybox:latest"
  local id=$output fmt
  for fmt in docker-archive oci-archive; do
    n save -q --format "$fmt" -o "$BATS_TEST_TMPDIR/nook-$fmt.tar" "$REGISTRY/busybox"
    run -0 p load -q -i "$BATS_TEST_TMPDIR/nook-$fmt.tar"
    assert_output --partial "Loaded image"
    assert_output --partial "$REGISTRY/busybox:latest"
    run -0 p images --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}'
    assert_output --partial "$id $REGISTRY/busybox:latest"
    p rmi -a -f >/dev/null
  done
  # podman's own image (imported there) through both of podman's archive formats.
  make_rootfs_tar "$BATS_TEST_TMPDIR/root.tar"
  run -0 p import -q -c 'CMD ["sh"]' "$BATS_TEST_TMPDIR/root.tar" localhost/frompodman:1
  local pid=${output#sha256:}
  for fmt in docker-archive oci-archive; do
    p save -q --format "$fmt" -o "$BATS_TEST_TMPDIR/podman-$fmt.tar" localhost/frompodman:1
    run -0 n load -q -i "$BATS_TEST_TMPDIR/podman-$fmt.tar"
    assert_output "Loaded image: localhost/frompodman:1"
    run -0 n image inspect --format '{{.Id}} {{.Config.Cmd}}' localhost/frompodman:1
    assert_output "$pid [sh]"
    run -0 n rmi localhost/frompodman:1
  done
  # podman save -m of two images, stdin.
  p pull -q docker-archive:"$BATS_TEST_TMPDIR/nook-docker-archive.tar" >/dev/null
  p save -q -m localhost/frompodman:1 "$REGISTRY/busybox:latest" >"$BATS_TEST_TMPDIR/pm.tar"
  run -0 n load -q <"$BATS_TEST_TMPDIR/pm.tar"
  assert_line "Loaded image: localhost/frompodman:1"
  assert_line "Loaded image: $REGISTRY/busybox:latest"
  # nook's import runs as podman's too: podman reads its config.
  n import -q -c 'CMD ["echo", "hi"]' "$BATS_TEST_TMPDIR/root.tar" nookimport:1 >/dev/null
  n save -q -o "$BATS_TEST_TMPDIR/ni.tar" nookimport:1
  run -0 p load -q -i "$BATS_TEST_TMPDIR/ni.tar"
  run -0 p image inspect --format '{{.Config.Cmd}}' localhost/nookimport:1
  assert_output "[echo hi]"
}

@test "load: malformed and hostile archives fail with one error line and leave no image" {
  run -0 npull "$REGISTRY/busybox:latest"
  local id=$output work=$BATS_TEST_TMPDIR/work
  n save -q -o "$BATS_TEST_TMPDIR/good.tar" "$REGISTRY/busybox"
  n rmi -a >/dev/null
  mkdir -p "$work"
  tar -C "$work" -xf "$BATS_TEST_TMPDIR/good.tar"
  local layer
  layer=$(jq -r '.[0].Layers[0]' "$work/manifest.json")
  # variant NAME: a copy of the good archive's files to spoil, packed by pack NAME.
  variant() {
    cp -a "$work" "$BATS_TEST_TMPDIR/v-$1"
    echo "$BATS_TEST_TMPDIR/v-$1"
  }
  pack() { tar -C "$BATS_TEST_TMPDIR/v-$1" -cf "$BATS_TEST_TMPDIR/$1.tar" .; }
  local v

  # ../ in manifest.json's Layers.
  v=$(variant dotdot)
  jq -c '.[0].Layers[0] = "../../../etc/passwd"' "$work/manifest.json" >"$v/manifest.json"
  pack dotdot
  run n load -q -i "$BATS_TEST_TMPDIR/dotdot.tar"
  assert_one_error '.*contains "\.\."'

  # A layer file missing.
  v=$(variant missing)
  rm "$v/$layer"
  find "$v" -type l -delete
  pack missing
  run n load -q -i "$BATS_TEST_TMPDIR/missing.tar"
  assert_one_error ".*no file \"$layer\""

  # Layer bytes that are not what the config's diff ID says.
  v=$(variant tampered)
  printf 'tampered' >>"$v/$layer"
  pack tampered
  run n load -q -i "$BATS_TEST_TMPDIR/tampered.tar"
  assert_one_error '.*diff ID'

  # The layer replaced by a symlink out of the archive.
  v=$(variant symlink)
  rm "$v/$layer"
  ln -s /etc/passwd "$v/$layer"
  pack symlink
  run n load -q -i "$BATS_TEST_TMPDIR/symlink.tar"
  assert_one_error '.*points out of the archive'

  # Huge manifest.json; not an archive; an empty input; no such file.
  v=$(variant huge)
  head -c 5000000 /dev/zero | tr '\0' ' ' >"$v/manifest.json"
  pack huge
  run n load -q -i "$BATS_TEST_TMPDIR/huge.tar"
  assert_one_error '.*larger than'
  head -c 10000 /dev/urandom >"$BATS_TEST_TMPDIR/junk"
  run n load -q -i "$BATS_TEST_TMPDIR/junk"
  assert_one_error 'read archive'
  run n load -q </dev/null
  assert_one_error 'read archive: the archive is empty'
  run n load -q -i "$BATS_TEST_TMPDIR/nosuch.tar"
  assert_one_error '.*nosuch.tar'

  run -0 n images -q
  assert_output ""
  run -0 n unshare sh -c 'ls -A "$NOOK_STORE/layers" | wc -l; ls -A "$NOOK_STORE/tmp" | wc -l'
  assert_output "0
0"
  # The good archive still loads.
  run -0 n load -q -i "$BATS_TEST_TMPDIR/good.tar"
  run -0 n images -q --no-trunc
  assert_output "sha256:$id"
}

@test "save and import: bad arguments fail with one error line" {
  npull "$REGISTRY/busybox:latest" >/dev/null
  run n save -o "$BATS_TEST_TMPDIR/x.tar" nosuchimage
  assert_one_error 'nosuchimage: image not known'
  run n save --format bogus -o "$BATS_TEST_TMPDIR/x.tar" "$REGISTRY/busybox"
  assert_one_error 'format value must be one of oci-dir oci-archive docker-dir docker-archive'
  run n save --format oci-dir "$REGISTRY/busybox"
  assert_one_error '.*-o DIR'
  mkdir -p "$BATS_TEST_TMPDIR/full" && touch "$BATS_TEST_TMPDIR/full/x"
  run n save --format oci-dir -o "$BATS_TEST_TMPDIR/full" "$REGISTRY/busybox"
  assert_one_error '.*exists and is not empty'
  [ ! -e "$BATS_TEST_TMPDIR/x.tar" ]

  make_rootfs_tar "$BATS_TEST_TMPDIR/root.tar"
  run n import -q -c 'BOGUS x' "$BATS_TEST_TMPDIR/root.tar"
  assert_one_error 'invalid change "BOGUS x" - invalid instruction BOGUS'
  run n import -q -c 'EXPOSE notaport' "$BATS_TEST_TMPDIR/root.tar"
  assert_one_error 'invalid change "EXPOSE notaport" - EXPOSE: invalid port'
  run n import -q "$BATS_TEST_TMPDIR/root.tar" 'Bad Name'
  assert_one_error '.*invalid reference format'
  run n import -q http://127.0.0.1:1/root.tar
  assert_one_error 'import: GET http://127.0.0.1:1/root.tar: .*'
  run n import -q ftp://127.0.0.1/root.tar
  assert_one_error 'import: ftp://127.0.0.1/root.tar: only http:// and https:// URLs can be imported'
  run n import -q "$BATS_TEST_TMPDIR/nosuch.tar"
  assert_one_error '.*nosuch.tar'
  head -c 3000 /dev/urandom >"$BATS_TEST_TMPDIR/junk"
  run n import -q "$BATS_TEST_TMPDIR/junk"
  assert_one_error '.*'
  run -0 n images --format '{{.Repository}}'
  assert_output "$REGISTRY/busybox"
}
