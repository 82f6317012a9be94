#!/usr/bin/env bats
# The test environment itself: who the tests run as, what the host grants
# them, and whether the fixtures and helpers every other file relies on work.
# When one of these fails, fix the setup before reading any other failure.

load helpers

# Prints "START COUNT" of the first range getsubids (libsubid, as nook reads
# them) reports for the user; $1 is "-g" for gid ranges.
subid_range() {
  getsubids ${1:+"$1"} "$(id -un)" | awk 'NR == 1 { print $3, $4 }'
}

@test "tests run as an ordinary user without capabilities" {
  [ "$(id -u)" -ne 0 ]
  [ "$(id -g)" -ne 0 ]
  run -0 grep -E '^Cap(Eff|Prm|Amb):' /proc/self/status
  [ "${#lines[@]}" -eq 3 ]
  for line in "${lines[@]}"; do
    [[ $line =~ ^Cap...:[[:space:]]+0+$ ]] || fail "capability set not empty: $line"
  done
}

@test "environment is the test user's login environment" {
  [ "$USER" = "$(id -un)" ]
  [ "$LOGNAME" = "$USER" ]
  [ "$HOME" = "$(getent passwd "$USER" | cut -d: -f6)" ]
  [ -x "$NOOK_BUILD_DIR" ]
  [ -r "$NOOK_SOURCE_DIR/tests/integration/helpers.bash" ]
}

@test "the user has subordinate uid and gid ranges of 65536 ids" {
  read -r start count < <(subid_range)
  [ "${count:-0}" -ge 65536 ] || fail "no subuid range of 65536 for $USER: '$start $count'"
  read -r start count < <(subid_range -g)
  [ "${count:-0}" -ge 65536 ] || fail "no subgid range of 65536 for $USER: '$start $count'"
}

@test "XDG_RUNTIME_DIR exists, belongs to the user and is private" {
  [ "$XDG_RUNTIME_DIR" = "/run/user/$(id -u)" ]
  run -0 stat -c '%u %a' "$XDG_RUNTIME_DIR"
  [ "$output" = "$(id -u) 700" ]
  touch "$XDG_RUNTIME_DIR/.harness-write-test"
  rm "$XDG_RUNTIME_DIR/.harness-write-test"
}

@test "newuidmap and newgidmap are installed setuid root" {
  for tool in newuidmap newgidmap; do
    path=$(command -v "$tool") || fail "$tool not installed (package uidmap)"
    run -0 stat -L -c '%u %A' "$path"
    [[ $output =~ ^0\ ...s ]] || fail "$path is not setuid root: $output"
  done
}

@test "the user can create a user namespace" {
  run -0 unshare --user --map-root-user sh -c 'id -u; cat /proc/self/uid_map'
  [ "${lines[0]}" = 0 ]
  read -r inside outside count <<<"${lines[1]}"
  [ "$inside $outside $count" = "0 $(id -u) 1" ]
}

@test "newuidmap/newgidmap map the whole subordinate range into a user namespace" {
  read -r ustart ucount < <(subid_range)
  read -r gstart gcount < <(subid_range -g)
  unshare --user sleep 60 3>&- &
  pid=$!
  # Wait until the child has unshared (its user namespace differs from ours).
  unshared() { [[ ! /proc/$pid/ns/user -ef /proc/self/ns/user ]]; }
  retry 50 0.1 unshared
  newuidmap "$pid" 0 "$(id -u)" 1 1 "$ustart" "$ucount"
  newgidmap "$pid" 0 "$(id -g)" 1 1 "$gstart" "$gcount"
  uid_map=$(awk '{ print $1, $2, $3 }' "/proc/$pid/uid_map")
  gid_map=$(awk '{ print $1, $2, $3 }' "/proc/$pid/gid_map")
  kill "$pid"
  wait "$pid" || true
  [ "$uid_map" = "0 $(id -u) 1
1 $ustart $ucount" ]
  [ "$gid_map" = "0 $(id -g) 1
1 $gstart $gcount" ]
}

@test "the busybox rootfs has busybox, its applets and the test accounts" {
  rootfs=$(busybox_rootfs)
  run -0 "$rootfs/bin/busybox" --list
  assert_line sh
  [ "$(readlink "$rootfs/bin/sh")" = busybox ]
  [ "$(readlink "$rootfs/usr/bin/awk")" = ../../bin/busybox ]
  [ "$(stat -c %a "$rootfs/tmp")" = 1777 ]
  run -0 grep -E '^(root:x:0:0|test:x:27:27|nobody:x:65534:65534):' "$rootfs/etc/passwd"
  [ "${#lines[@]}" -eq 3 ]
  [ "$(cat "$rootfs/etc/hostname")" = nook ]
  [ -f "$rootfs/etc/resolv.conf" ]
  # Every file belongs to the caller, who is root in the container.
  [ -z "$(find "$rootfs" ! -user "$(id -u)" -print -quit)" ]
}

@test "make-busybox-rootfs.sh refuses a non-empty target" {
  mkdir -p "$BATS_TEST_TMPDIR/full"
  touch "$BATS_TEST_TMPDIR/full/keep"
  run -1 "$NOOK_FIXTURES/make-busybox-rootfs.sh" "$BATS_TEST_TMPDIR/full"
  assert_output --partial "not empty"
  [ -f "$BATS_TEST_TMPDIR/full/keep" ]
}

@test "the busybox rootfs runs as a rootless container under the reference runtime" {
  BUNDLE_SPEC=ref_rt make_bundle "$BATS_TEST_TMPDIR/bundle" sh -c 'echo hello; id -u; cat /proc/self/uid_map'
  run -0 ref_rt run --bundle "$BATS_TEST_TMPDIR/bundle" harness-ref
  [ "${lines[0]}" = hello ]
  [ "${lines[1]}" = 0 ]
  read -r inside outside _ <<<"${lines[2]}"
  [ "$inside $outside" = "0 $(id -u)" ]
}

@test "make_bundle sets args, terminal and the leak mark" {
  BUNDLE_SPEC=ref_rt make_bundle "$BATS_TEST_TMPDIR/b" echo 'two words'
  run -0 jq -c '[.process.args, .process.terminal, .root.path]' "$BATS_TEST_TMPDIR/b/config.json"
  [ "$output" = '[["echo","two words"],false,"rootfs"]' ]
  run -0 jq -r '.process.env[]' "$BATS_TEST_TMPDIR/b/config.json"
  assert_line "NOOK_TEST_MARK=$NOOK_TEST_MARK"
  [ -x "$BATS_TEST_TMPDIR/b/rootfs/bin/busybox" ]
}

@test "make_bundle fails clearly when the runtime writes no config.json" {
  BUNDLE_SPEC=true run -1 make_bundle "$BATS_TEST_TMPDIR/b" true
  assert_output --partial "wrote no valid"
}

@test "jq_config edits config.json and leaves it intact on a bad filter" {
  BUNDLE_SPEC=ref_rt make_bundle "$BATS_TEST_TMPDIR/b"
  jq_config "$BATS_TEST_TMPDIR/b" --arg h box '.hostname = $h'
  [ "$(jq -r .hostname "$BATS_TEST_TMPDIR/b/config.json")" = box ]
  before=$(sha256sum <"$BATS_TEST_TMPDIR/b/config.json")
  run -1 jq_config "$BATS_TEST_TMPDIR/b" '.hostname = '
  [ "$(sha256sum <"$BATS_TEST_TMPDIR/b/config.json")" = "$before" ]
  [ -z "$(find "$BATS_TEST_TMPDIR/b" -name 'config.json.*')" ]
}

@test "retry stops at the first success and fails after the last attempt" {
  count=0
  bump() { count=$((count + 1)); [ "$count" -ge 3 ]; }
  retry 5 0 bump
  [ "$count" -eq 3 ]
  run -1 retry 2 0 false
  assert_output --partial "after 2 attempts"
}

@test "the busybox OCI image is deterministic and valid for skopeo" {
  run -0 "$NOOK_FIXTURES/make-busybox-image.sh" "$BATS_TEST_TMPDIR/a"
  first=$output
  run -0 "$NOOK_FIXTURES/make-busybox-image.sh" "$BATS_TEST_TMPDIR/b" v2
  [ "$output" = "$first" ]
  [[ $first =~ ^sha256:[0-9a-f]{64}$ ]]
  run -0 skopeo inspect "oci:$BATS_TEST_TMPDIR/a:latest"
  [ "$(jq -r .Digest <<<"$output")" = "$first" ]
  [ "$(jq -c .Env <<<"$output")" = '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]' ]
  run -0 skopeo inspect --config "oci:$BATS_TEST_TMPDIR/b:v2"
  [ "$(jq -c .config.Cmd <<<"$output")" = '["sh"]' ]
  # Every blob is named by its content.
  for blob in "$BATS_TEST_TMPDIR"/a/blobs/sha256/*; do
    [ "$(sha256sum "$blob" | cut -d' ' -f1)" = "$(basename "$blob")" ]
  done
}

@test "the image layer holds the rootfs owned by root" {
  image=$(busybox_image)
  layer=$(jq -r '.layers[0].digest' "$image/blobs/$(jq -r '.manifests[0].digest' "$image/index.json" | tr : /)")
  run -0 tar -tvzf "$image/blobs/${layer/://}"
  assert_line --regexp '^-rwxr-xr-x 0/0 .* \./bin/busybox$'
  assert_line --regexp '^drwxrwxrwt 0/0 .* \./tmp/$'
  refute_line --regexp '^[^ ]+ [1-9]'
}

@test "the local registry runs as the user and serves a pushed image back" {
  start_registry
  run -0 registry status
  [ "$output" = "$REGISTRY" ]
  pid=$(cat "$NOOK_REGISTRY_DIR/registry.pid")
  [ "$(stat -c %u "/proc/$pid")" = "$(id -u)" ]

  image=$(busybox_image)
  want=$(jq -r '.manifests[0].digest' "$image/index.json")
  run -0 registry push "$image" harness/busybox:1.0
  [ "$output" = "$want" ]

  # Read back with curl: the bytes under the tag hash to the digest.
  curl -sSf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    -o "$BATS_TEST_TMPDIR/manifest" "http://$REGISTRY/v2/harness/busybox/manifests/1.0"
  [ "sha256:$(sha256sum "$BATS_TEST_TMPDIR/manifest" | cut -d' ' -f1)" = "$want" ]
  # And with an independent client.
  run -0 skopeo inspect --tls-verify=false "docker://$REGISTRY/harness/busybox:1.0"
  [ "$(jq -r .Digest <<<"$output")" = "$want" ]
}

@test "registry.sh pull brings back the pushed blobs byte for byte" {
  start_registry
  image=$(busybox_image)
  registry push "$image" harness/busybox:rt
  run -0 registry pull harness/busybox:rt "$BATS_TEST_TMPDIR/pulled"
  [ "$output" = "$(jq -r '.manifests[0].digest' "$image/index.json")" ]
  diff -r "$image/blobs" "$BATS_TEST_TMPDIR/pulled/blobs"
  run -0 registry pull "harness/busybox@$output" "$BATS_TEST_TMPDIR/by-digest"
  run -1 registry pull harness/busybox:missing "$BATS_TEST_TMPDIR/missing"
  assert_output --partial 404
  [ ! -e "$BATS_TEST_TMPDIR/missing" ]
}

@test "registry.sh push refuses a corrupted layout and bad names" {
  start_registry
  cp -a "$(busybox_image)" "$BATS_TEST_TMPDIR/img"
  layer=$(ls -S "$BATS_TEST_TMPDIR"/img/blobs/sha256/ | head -n 1)
  chmod u+w "$BATS_TEST_TMPDIR/img/blobs/sha256/$layer"
  printf 'x' >>"$BATS_TEST_TMPDIR/img/blobs/sha256/$layer"
  run -1 registry push "$BATS_TEST_TMPDIR/img" harness/busybox:bad
  assert_output --partial "does not match its digest"
  run -1 registry push "$(busybox_image)" 'Harness/BusyBox:1'
  assert_output --partial "bad repository name"
  run -1 registry push "$(busybox_image)" 'harness/busybox:-bad-tag'
  assert_output --partial "bad tag"
  run -1 registry push "$BATS_TEST_TMPDIR" harness/busybox:1
  assert_output --partial "not an OCI image layout"
}

@test "registry.sh start refuses a port that is already taken" {
  start_registry
  run -1 env NOOK_REGISTRY_DIR="$BATS_TEST_TMPDIR/second" "$NOOK_SCRIPTS/registry.sh" start
  assert_output --partial "already listens"
}

@test "assert_no_leaks reports and kills a process the test left behind" {
  sleep 300 3>&- &
  leaked=$!
  run -1 assert_no_leaks
  assert_output --partial "still running"
  assert_output --partial "sleep 300"
  # Killed by SIGKILL: 128 + 9.
  wait "$leaked" || status=$?
  [ "$status" -eq 137 ]
}

@test "assert_no_leaks finds a leaked container process running as a subordinate id" {
  BUNDLE_SPEC=ref_rt make_bundle "$BATS_TEST_TMPDIR/bundle" sleep 300
  read -r ustart _ < <(subid_range)
  read -r gstart _ < <(subid_range -g)
  jq_config "$BATS_TEST_TMPDIR/bundle" --argjson u "$ustart" --argjson g "$gstart" --argjson me "$(id -u)" --argjson mg "$(id -g)" '
    .linux.uidMappings = [{containerID: 0, hostID: $me, size: 1}, {containerID: 1, hostID: $u, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: $mg, size: 1}, {containerID: 1, hostID: $g, size: 65536}]
    | .process.user = {uid: 27, gid: 27}'
  # stdio to files of our own: runc chowns a detached container's stdio to the
  # container's user, and bats' own output file would become unwritable.
  ref_rt run --detach --bundle "$BATS_TEST_TMPDIR/bundle" harness-leak \
    </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 3>&-
  pid=$(ref_rt state harness-leak | jq -r .pid)
  [ "$(stat -c %u "/proc/$pid")" = $((ustart + 26)) ]
  run -1 assert_no_leaks
  assert_output --partial "sleep 300"
  ref_rt delete --force harness-leak
}

@test "assert_no_leaks finds an orphaned process in another user namespace without the mark" {
  [ -n "${NOOK_TEST_REAPER:-}" ] || skip "not run under run-as-test-user.sh's catatonit"
  # Double fork: the process is re-parented to the file's reaper, as a container
  # whose runtime exited would be; its environment has no mark, as an image's would not.
  (env -u NOOK_TEST_MARK unshare --user --map-root-user sleep 300 </dev/null >/dev/null 2>&1 3>&- &)
  retry 50 0.1 pgrep -u "$(id -u)" -f '^sleep 300$' -P "$NOOK_TEST_REAPER"
  run -1 assert_no_leaks
  assert_output --partial "sleep 300"
  # Killed, then reaped by catatonit (pgrep still lists a zombie for a moment).
  retry 50 0.1 eval "! pgrep -u $(id -u) -f '^sleep 300\$' -P $NOOK_TEST_REAPER >/dev/null"
}

@test "with a delegated cgroup2 subtree, the file runs inside a cgroup of its own" {
  skip_without_cgroup2
  mount=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
  own=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
  [ "$mount$own" = "$NOOK_TEST_CGROUP_DIR" ]
  [ -O "$NOOK_TEST_CGROUP_DIR" ]
  # Delegated: we can make a child and move a process into it and back out.
  mkdir "$NOOK_TEST_CGROUP_DIR/harness-child"
  (
    echo "$BASHPID" >"$NOOK_TEST_CGROUP_DIR/harness-child/cgroup.procs"
    grep -qx "0::$own/harness-child" /proc/self/cgroup
    echo "$BASHPID" >"$NOOK_TEST_CGROUP_DIR/cgroup.procs"
  )
  rmdir "$NOOK_TEST_CGROUP_DIR/harness-child"
}
