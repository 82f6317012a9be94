#!/usr/bin/env bats
# cgroup v2 through a delegated subtree (run-as-test-user.sh starts each file
# inside one, as systemd's Delegate=yes would): placement, pause/resume,
# kill --all, ps, update, and removal with the container.

load helpers

setup() {
  nook_setup
  skip_without_cgroup2
}

@test "the container gets its own cgroup below ours, removed on delete" {
  make_bundle "$BATS_TEST_TMPDIR/b" sleep 1000
  rt run -d --pid-file "$BATS_TEST_TMPDIR/pid" -b "$BATS_TEST_TMPDIR/b" c1
  pid=$(cat "$BATS_TEST_TMPDIR/pid")
  local own cg
  own=$(sed -n 's/^0:://p' /proc/self/cgroup)
  cg=$(sed -n 's/^0:://p' /proc/$pid/cgroup)
  [[ $cg == "$own/nook-c1" || $cg == "${own%/nook.leaf}/nook-c1" ]] || fail "container cgroup $cg not under $own"
  local dir
  dir=$(ls -d "$NOOK_TEST_CGROUP_DIR"/*nook-c1 "$NOOK_TEST_CGROUP_DIR"/nook-c1 2>/dev/null | head -1)
  [ -d "$dir" ]
  rt delete -f c1
  [ ! -d "$dir" ]
}

@test "an absolute cgroupsPath is placed below the cgroup2 mount" {
  local rel=${NOOK_TEST_CGROUP_DIR#/sys/fs/cgroup/unified}
  rel=${rel#/sys/fs/cgroup}
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'cat /proc/self/cgroup'
  jq_config "$BATS_TEST_TMPDIR/b" --arg p "$rel/abs-c1" '.linux.cgroupsPath = $p | .linux.namespaces |= map(select(.type != "cgroup"))'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_success
  assert_output --partial "0::$rel/abs-c1"
  [ ! -d "$NOOK_TEST_CGROUP_DIR/abs-c1" ]
}

@test "pause freezes every process, resume thaws them" {
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'while :; do echo tick >/dev/null; done'
  rt run -d --pid-file "$BATS_TEST_TMPDIR/pid" -b "$BATS_TEST_TMPDIR/b" c1
  pid=$(cat "$BATS_TEST_TMPDIR/pid")
  rt pause c1
  assert_equal "$(container_status c1)" paused
  local t1 t2
  t1=$(awk '{print $14+$15}' /proc/$pid/stat)
  sleep 0.5
  t2=$(awk '{print $14+$15}' /proc/$pid/stat)
  assert_equal "$t1" "$t2"
  run rt pause c1
  assert_failure
  rt resume c1
  assert_equal "$(container_status c1)" running
  run rt resume c1
  assert_failure
  assert_output --partial 'not paused'
  rt delete -f c1
}

@test "a paused container can be deleted with --force" {
  make_bundle "$BATS_TEST_TMPDIR/b" sleep 1000
  rt run -d -b "$BATS_TEST_TMPDIR/b" c1
  rt pause c1
  rt delete -f c1
  run rt list -q
  assert_output ""
}

@test "ps lists the cgroup's processes; kill --all reaches exec'd ones" {
  make_bundle "$BATS_TEST_TMPDIR/b" sleep 1000
  rt run -d -b "$BATS_TEST_TMPDIR/b" c1
  rt exec -d --pid-file "$BATS_TEST_TMPDIR/epid" c1 sleep 999
  epid=$(cat "$BATS_TEST_TMPDIR/epid")
  run rt ps --format json c1
  assert_equal "$(jq length <<<"$output")" 2
  jq -e --argjson p "$epid" 'index($p) != null' <<<"$output"
  run rt ps c1
  assert_line --index 0 --regexp 'PID'
  assert_output --partial 'sleep 999'
  rt kill --all c1 KILL
  retry 50 0.1 bash -c "! kill -0 $epid 2>/dev/null || grep -q '^State:.*Z' /proc/$epid/status"
  rt delete -f c1
}

@test "update writes limits to the cgroup (hugetlb is what this host delegates)" {
  local size
  # The smallest page size, and a limit of two pages (limits round down to pages).
  size=$(ls "$NOOK_TEST_CGROUP_DIR" | sed -n 's/^hugetlb\.\([0-9]*[KMG]B\)\.max$/\1/p' | sort -h | head -1)
  [ -n "$size" ] || skip "hugetlb controller not delegated here"
  make_bundle "$BATS_TEST_TMPDIR/b" sleep 1000
  rt run -d -b "$BATS_TEST_TMPDIR/b" c1
  local dir
  dir=$(dirname "$(grep -l . "$NOOK_TEST_CGROUP_DIR"/*nook-c1/cgroup.procs "$NOOK_TEST_CGROUP_DIR"/*/nook-c1/cgroup.procs 2>/dev/null | head -1)")
  [ -n "$dir" ] && [ -d "$dir" ] || fail "no cgroup dir for c1"
  local bytes
  bytes=$(numfmt --from=iec "${size%B}")
  jq -n --arg s "$size" --argjson l $((2 * bytes)) '{hugepageLimits: [{pageSize: $s, limit: $l}]}' >"$BATS_TEST_TMPDIR/r.json"
  rt update --resources "$BATS_TEST_TMPDIR/r.json" c1
  assert_equal "$(cat "$dir/hugetlb.$size.max")" $((2 * bytes))
  run rt update --resources - c1 <<<'{"hugepageLimits": [{"pageSize": 7}]}'
  assert_failure
  assert_output --partial 'linux.resources.hugepageLimits[0].pageSize'
  rt delete -f c1
}

@test "memory limits on this host are refused with the reason" {
  make_bundle "$BATS_TEST_TMPDIR/b" true
  jq_config "$BATS_TEST_TMPDIR/b" '.linux.resources = {memory: {limit: 104857600}}'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_failure 1
  assert_output --partial 'memory'
  run rt list -q
  assert_output ""
}
