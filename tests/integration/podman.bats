#!/usr/bin/env bats
# podman 4.3 (Debian) drives nook-runtime as its OCI runtime, rootless.

load helpers

setup_file() {
  export PODMAN_STORE=$BATS_FILE_TMPDIR/podman
  local rootfs
  rootfs=$(busybox_rootfs)
  tar -C "$rootfs" -cf "$BATS_FILE_TMPDIR/busybox.tar" .
  p import "$BATS_FILE_TMPDIR/busybox.tar" localhost/nook-busybox:latest >/dev/null
}

teardown_file() {
  # podman's overlay store holds files owned by subordinate ids.
  podman --root "$PODMAN_STORE/root" --runroot "$PODMAN_STORE/run" --storage-driver overlay \
    system reset --force >/dev/null 2>&1 || true
}

# podman with its own store for this file, nook-runtime as the runtime.
p() {
  podman --root "$PODMAN_STORE/root" --runroot "$PODMAN_STORE/run" --storage-driver overlay \
    --tmpdir "$PODMAN_STORE/tmp" --events-backend file --cgroup-manager cgroupfs \
    --runtime "$NOOK_RUNTIME" "$@"
}

@test "podman run --rm: root inside, the user's ranges in uid_map" {
  run p run --rm localhost/nook-busybox:latest sh -c 'id -u; cat /proc/self/uid_map'
  assert_success
  assert_line --index 0 0
  assert_line --regexp "^ +0 +$(id -u) +1$"
  assert_line --regexp "^ +1 +[0-9]+ +[0-9]+$"
}

@test "podman run: the container's exit code comes back" {
  run p run --rm localhost/nook-busybox:latest sh -c 'exit 9'
  assert_equal "$status" 9
}

@test "podman run: command not found is 127" {
  run -127 p run --rm localhost/nook-busybox:latest nosuchcmd
  assert_output --partial 'executable file not found'
}

@test "podman run -it: a terminal through the console socket" {
  # stdin stays open (a terminal user types nothing): with an immediate EOF
  # script(1) may tear the terminal down before podman has attached.
  run script -qec "podman --root $PODMAN_STORE/root --runroot $PODMAN_STORE/run --storage-driver overlay --tmpdir $PODMAN_STORE/tmp --events-backend file --cgroup-manager cgroupfs --runtime $NOOK_RUNTIME run --rm -it localhost/nook-busybox:latest sh -c 'tty; echo tty-ok'" /dev/null < <(sleep 20)
  assert_success
  assert_output --partial /dev/pts/0
  assert_output --partial tty-ok
}

@test "podman run -d, exec, stop, rm" {
  p run -d --name c1 localhost/nook-busybox:latest sleep 1000
  run p exec c1 sh -c 'echo in-c1; exit 4'
  assert_equal "$status" 4
  assert_output in-c1
  run p inspect -f '{{.State.Status}}' c1
  assert_output running
  # busybox sleep as PID 1 ignores SIGTERM: stop falls back to SIGKILL.
  p stop -t 1 c1
  run p inspect -f '{{.State.Status}}' c1
  assert_output exited
  p rm c1
  run p ps -a -q
  assert_output ""
}

@test "podman run --userns=keep-id: the user's uid inside" {
  run p run --rm --userns=keep-id localhost/nook-busybox:latest id -u
  assert_success
  assert_output "$(id -u)"
}
