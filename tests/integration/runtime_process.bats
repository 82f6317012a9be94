#!/usr/bin/env bats
# Process settings through create/run and exec: user, capabilities,
# process.json, sysctls, domainname, oom score, --keep, --no-pivot.

load helpers

@test "additional gids and a non-root user with two-range maps" {
  make_bundle "$BATS_TEST_TMPDIR/b" id
  full_mapping "$BATS_TEST_TMPDIR/b"
  jq_config "$BATS_TEST_TMPDIR/b" '.process.user = {uid: 27, gid: 27, additionalGids: [100, 5]}'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_success
  assert_output --regexp '^uid=27\(test\) gid=27\(test\) groups=.*100\(users\)'
}

@test "additionalGids with a single-id gid map is refused with the reason" {
  make_bundle "$BATS_TEST_TMPDIR/b" id
  jq_config "$BATS_TEST_TMPDIR/b" '.process.user.additionalGids = [0]'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_failure 1
  assert_output --partial 'subgid'
}

@test "exec --process FILE, --user, --cap and --no-new-privs" {
  make_bundle "$BATS_TEST_TMPDIR/b" sleep 1000
  full_mapping "$BATS_TEST_TMPDIR/b"
  rt run -d -b "$BATS_TEST_TMPDIR/b" c1
  jq -n '{terminal: false, user: {uid: 27, gid: 27}, args: ["sh", "-c", "id -u; pwd; echo $X"],
          env: ["PATH=/bin:/usr/bin", "X=from-process-json"], cwd: "/tmp"}' >"$BATS_TEST_TMPDIR/p.json"
  run rt exec --process "$BATS_TEST_TMPDIR/p.json" c1
  assert_success
  assert_output $'27\n/tmp\nfrom-process-json'
  run rt exec --user 27:27 c1 id -g
  assert_output 27
  run rt exec --cap CAP_SYS_ADMIN c1 sh -c 'grep CapEff /proc/self/status'
  assert_output --regexp 'CapEff:[[:space:]]+00000000202004'
  run rt exec --no-new-privs c1 sh -c 'grep NoNewPrivs /proc/self/status'
  assert_output --regexp 'NoNewPrivs:[[:space:]]+1'
  rt delete -f c1
}

@test "exec: malformed --process and --user are refused clearly" {
  make_bundle "$BATS_TEST_TMPDIR/b" sleep 1000
  rt run -d -b "$BATS_TEST_TMPDIR/b" c1
  echo '{"args": "sh"}' >"$BATS_TEST_TMPDIR/p.json"
  run rt exec --process "$BATS_TEST_TMPDIR/p.json" c1
  assert_failure 1
  assert_output --partial 'process.json'
  assert_output --partial 'args'
  run rt exec --user root c1 true
  assert_failure 1
  assert_output --partial 'UID[:GID]'
  run rt exec c1
  assert_failure 1
  run rt exec --cap CAP_NOPE c1 true
  assert_failure 1
  assert_output --partial 'CAP_NOPE'
  assert_equal "$(container_status c1)" running
  rt delete -f c1
}

@test "sysctl in the container's own network namespace, domainname, oom_score_adj" {
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/domainname; cat /proc/self/oom_score_adj'
  jq_config "$BATS_TEST_TMPDIR/b" '.linux.namespaces += [{type: "network"}]
    | .linux.sysctl = {"net.ipv4.ip_forward": "1"} | .domainname = "example.test"
    | .process.oomScoreAdj = 500'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_success
  assert_output $'1\nexample.test\n500'
}

@test "a sysctl the container may not write names the key" {
  make_bundle "$BATS_TEST_TMPDIR/b" true
  jq_config "$BATS_TEST_TMPDIR/b" '.linux.sysctl = {"kernel.panic": "1"}'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_failure 1
  assert_output --partial 'kernel.panic'
  assert_output --partial 'not namespaced'
}

@test "run --keep leaves a stopped container to inspect and delete" {
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'exit 4'
  run rt run --keep -b "$BATS_TEST_TMPDIR/b" c1
  assert_equal "$status" 4
  assert_equal "$(container_status c1)" stopped
  rt delete c1
}

@test "--no-pivot uses MS_MOVE and chroot" {
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'ls / | wc -l; cat /proc/self/mountinfo | wc -l'
  run rt run --no-pivot -b "$BATS_TEST_TMPDIR/b" c1
  assert_success
}

@test "--systemd-cgroup is refused with the reason" {
  make_bundle "$BATS_TEST_TMPDIR/b" true
  run "$NOOK_RUNTIME" --root "$RUNTIME_ROOT" --systemd-cgroup run -b "$BATS_TEST_TMPDIR/b" c1
  assert_failure 1
  assert_output --partial 'systemd'
  run rt list -q
  assert_output ""
}

@test "a read-only bind mount and a tmpfs from config.json" {
  mkdir -p "$BATS_TEST_TMPDIR/data"
  echo payload >"$BATS_TEST_TMPDIR/data/f"
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'cat /data/f; (echo x > /data/g) 2>/dev/null && echo writable || echo ro; echo y > /scratch/y && cat /scratch/y'
  jq_config "$BATS_TEST_TMPDIR/b" --arg src "$BATS_TEST_TMPDIR/data" '.mounts += [
    {destination: "/data", type: "bind", source: $src, options: ["bind", "ro"]},
    {destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["size=1m", "mode=1777"]}]'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_success
  assert_output $'payload\nro\ny'
  [ ! -e "$BATS_TEST_TMPDIR/data/g" ]
}

@test "a symlink in the image cannot redirect a mount onto the host" {
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'ls /escape | head -1'
  mkdir -p "$BATS_TEST_TMPDIR/victim"
  ln -s "$BATS_TEST_TMPDIR/victim" "$BATS_TEST_TMPDIR/b/rootfs/escape"
  jq_config "$BATS_TEST_TMPDIR/b" '.mounts += [{destination: "/escape", type: "tmpfs", source: "tmpfs"}]'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  # The symlink resolves inside the rootfs: the host directory is untouched.
  run grep -c "$BATS_TEST_TMPDIR/victim" /proc/self/mountinfo
  assert_output 0
  [ -z "$(ls -A "$BATS_TEST_TMPDIR/victim")" ]
}
