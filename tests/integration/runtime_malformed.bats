#!/usr/bin/env bats
# Malformed config.json and bad command lines: one clear error naming the
# JSON path, exit status 1, and nothing left behind.

load helpers

# Runs `rt run` on a bundle whose config went through FILTER; expects failure
# with MESSAGE in the output and no state, mount or process left.
expect_rejected() {
  local filter=$1 message=$2
  make_bundle "$BATS_TEST_TMPDIR/b" true
  jq_config "$BATS_TEST_TMPDIR/b" "$filter"
  run rt run -b "$BATS_TEST_TMPDIR/b" bad1
  assert_failure 1
  assert_output --partial "$message"
  assert_equal "${#lines[@]}" 1
  run rt list -q
  assert_output ""
  [ ! -e "$RUNTIME_ROOT/bad1" ]
  run grep -c "$BATS_TEST_TMPDIR" /proc/self/mountinfo
  assert_output 0
}

@test "config.json that is not JSON" {
  make_bundle "$BATS_TEST_TMPDIR/b" true
  echo '{"ociVersion": "1.0.2", "process": ' >"$BATS_TEST_TMPDIR/b/config.json"
  run rt run -b "$BATS_TEST_TMPDIR/b" bad1
  assert_failure 1
  assert_output --partial "invalid config.json"
  [ ! -e "$RUNTIME_ROOT/bad1" ]
}

@test "missing config.json names the path" {
  mkdir -p "$BATS_TEST_TMPDIR/empty"
  run rt run -b "$BATS_TEST_TMPDIR/empty" bad1
  assert_failure 1
  assert_output --partial "$BATS_TEST_TMPDIR/empty/config.json"
  [ ! -e "$RUNTIME_ROOT/bad1" ]
}

@test "wrong type: process.args is a string" {
  expect_rejected '.process.args = "sh"' 'process.args'
}

@test "wrong type: process.user.uid is a string" {
  expect_rejected '.process.user.uid = "0"' 'process.user.uid'
}

@test "unknown namespace type" {
  expect_rejected '.linux.namespaces += [{type: "bogus"}]' 'linux.namespaces[5].type'
}

@test "bad mapping: size 0" {
  expect_rejected '.linux.uidMappings[0].size = 0' 'linux.uidMappings[0]'
}

@test "bad mapping: a range the user does not own" {
  expect_rejected '.linux.uidMappings = [{containerID: 0, hostID: 0, size: 1}]' 'newuidmap'
}

@test "process user not mapped" {
  expect_rejected '.process.user.uid = 5' 'process.user.uid'
}

@test "missing rootfs" {
  expect_rejected '.root.path = "nope"' 'nope'
}

@test "relative cwd" {
  expect_rejected '.process.cwd = "tmp"' 'process.cwd'
}

@test "joining a namespace path that does not exist" {
  expect_rejected '.linux.namespaces |= map(if .type == "network" then .path = "/nonexistent/ns" else . end) | .linux.namespaces += (if any(.linux.namespaces[]; .type == "network") then [] else [{type: "network", path: "/nonexistent/ns"}] end)' '/nonexistent/ns'
}

@test "terminal without console socket on create" {
  make_bundle "$BATS_TEST_TMPDIR/b" true
  jq_config "$BATS_TEST_TMPDIR/b" '.process.terminal = true'
  run rt create -b "$BATS_TEST_TMPDIR/b" bad1
  assert_failure 1
  assert_output --partial 'console-socket'
  [ ! -e "$RUNTIME_ROOT/bad1" ]
}

@test "bad container ids and unknown containers" {
  make_bundle "$BATS_TEST_TMPDIR/b" true
  run rt run -b "$BATS_TEST_TMPDIR/b" '../x'
  assert_failure 1
  assert_output --partial 'invalid container id'
  for verb in state start kill delete pause resume ps; do
    run rt $verb nosuch
    assert_failure
    assert_output --partial 'does not exist'
  done
}

@test "duplicate container id is refused and the first survives" {
  make_bundle "$BATS_TEST_TMPDIR/b" sleep 1000
  rt run -d -b "$BATS_TEST_TMPDIR/b" c1
  run rt run -d -b "$BATS_TEST_TMPDIR/b" c1
  assert_failure 1
  assert_output --partial 'already exists'
  assert_equal "$(container_status c1)" running
  rt delete -f c1
}

@test "unknown command, flag and signal" {
  run rt frobnicate
  assert_failure
  run rt run --no-such-flag x
  assert_failure
  make_bundle "$BATS_TEST_TMPDIR/b" sleep 1000
  rt run -d -b "$BATS_TEST_TMPDIR/b" c1
  run rt kill c1 SIGBOGUS
  assert_failure
  assert_output --partial 'invalid signal'
  assert_equal "$(container_status c1)" running
  rt delete -f c1
}

@test "spec refuses to overwrite config.json" {
  mkdir -p "$BATS_TEST_TMPDIR/s"
  (cd "$BATS_TEST_TMPDIR/s" && rt spec --rootless)
  run bash -c "cd '$BATS_TEST_TMPDIR/s' && '$NOOK_RUNTIME' spec"
  assert_failure
  assert_output --partial 'already exists'
}

@test "rlimit above the hard limit is refused with the reason" {
  expect_rejected '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 1048576000, hard: 1048576000}]' 'RLIMIT_NOFILE'
}

@test "resources asked on a host without delegated cgroups" {
  if [ -n "${NOOK_TEST_CGROUP_DIR:-}" ]; then
    # the default cgroupsPath lands under our own cgroup, which is not delegated
    :
  fi
  expect_rejected '.linux.resources = {memory: {limit: 100000000}}' 'cgroup'
}

@test "idmapped mounts are refused clearly" {
  expect_rejected '.mounts += [{destination: "/m", type: "bind", source: "/tmp", options: ["bind"], uidMappings: [{containerID: 0, hostID: 1000, size: 1}], gidMappings: [{containerID: 0, hostID: 1000, size: 1}]}]' 'idmapped mounts'
}

@test "joining a mount namespace by path is refused clearly" {
  expect_rejected '.linux.namespaces |= map(if .type == "mount" then .path = "/proc/self/ns/mnt" else . end)' 'mount namespace by path'
}
