#!/usr/bin/env bats
# Rootless means no way to host root, whatever config.json asks for.

load helpers

all_caps() { rt features | jq -c '.linux.capabilities'; }

@test "host / bind-mounted with every capability: /etc/passwd and /etc/shadow stay out of reach" {
  make_bundle "$BATS_TEST_TMPDIR/b" chroot /host sh -c '
    touch /etc/passwd 2>/dev/null && echo TOUCHED || echo touch-denied
    cat /etc/shadow >/dev/null 2>&1 && echo READ-SHADOW || echo shadow-denied
    id -u'
  local before
  before=$(stat -c %Y /etc/passwd)
  jq_config "$BATS_TEST_TMPDIR/b" --argjson caps "$(all_caps)" '
    .mounts += [{destination: "/host", type: "bind", source: "/", options: ["rbind", "rw"]}]
    | .process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps, inheritable: $caps, ambient: $caps}
    | .process.noNewPrivileges = false'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_success
  assert_line --index 0 touch-denied
  assert_line --index 1 shadow-denied
  assert_line --index 2 0
  assert_equal "$(stat -c %Y /etc/passwd)" "$before"
}

@test "capabilities: the default set is small, CAP_SYS_ADMIN absent" {
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'grep -E "^Cap(Eff|Bnd|Amb)" /proc/self/status'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_success
  # runc spec: CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE = bits 29, 5, 10
  assert_line --regexp '^CapEff:[[:space:]]+0000000020000420$'
  assert_line --regexp '^CapBnd:[[:space:]]+0000000020000420$'
}

@test "no_new_privs is set when asked" {
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'grep NoNewPrivs /proc/self/status'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_output --regexp 'NoNewPrivs:[[:space:]]+1'
  jq_config "$BATS_TEST_TMPDIR/b" '.process.noNewPrivileges = false'
  run rt run -b "$BATS_TEST_TMPDIR/b" c2
  assert_output --regexp 'NoNewPrivs:[[:space:]]+0'
}

@test "seccomp: a syscall rule returns its errno; defaultErrnoRet" {
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'mkdir /tmp/x 2>&1; echo rc=$?; hostname >/dev/null; echo ok'
  jq_config "$BATS_TEST_TMPDIR/b" '.linux.seccomp = {
      defaultAction: "SCMP_ACT_ALLOW",
      architectures: ["SCMP_ARCH_X86_64"],
      syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1}]}'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_success
  assert_line --index 0 --partial 'Operation not permitted'
  assert_line --index 2 ok
}

@test "seccomp: an invalid profile is refused before anything starts" {
  make_bundle "$BATS_TEST_TMPDIR/b" true
  jq_config "$BATS_TEST_TMPDIR/b" '.linux.seccomp = {defaultAction: "SCMP_ACT_BOGUS"}'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_failure 1
  assert_output --partial 'linux.seccomp.defaultAction'
  run rt list -q
  assert_output ""
}

@test "rlimits and umask apply to the process" {
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'ulimit -n; umask'
  jq_config "$BATS_TEST_TMPDIR/b" '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 123, hard: 456}] | .process.user.umask = 63'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_success
  assert_line --index 0 123
  assert_line --index 1 0077
}

@test "seccomp notify: the listener fd and the process state reach the agent" {
  local sock=$BATS_TEST_TMPDIR/agent.sock out=$BATS_TEST_TMPDIR/agent.json
  python3 "$NOOK_FIXTURES/seccomp-agent.py" "$sock" "$out" 2>"$BATS_TEST_TMPDIR/agent.err" &
  local agent=$!
  retry 50 0.1 grep -q READY "$BATS_TEST_TMPDIR/agent.err"
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'while [ ! -e /proc/self ]; do :; done; sleep 0.5; mkdir /tmp/notified 2>&1; echo done'
  jq_config "$BATS_TEST_TMPDIR/b" --arg sock "$sock" '.linux.seccomp = {
      defaultAction: "SCMP_ACT_ALLOW", listenerPath: $sock, listenerMetadata: "meta-1",
      syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  wait "$agent"
  assert_success
  # The agent closed the listener without answering: the kernel says ENOSYS.
  assert_line --index 0 --partial 'Function not implemented'
  assert_line --index 1 done
  assert_equal "$(head -1 "$out" | jq -r '.fds[0]')" seccompFd
  assert_equal "$(head -1 "$out" | jq -r '.metadata')" meta-1
  assert_equal "$(head -1 "$out" | jq -r '.state.id')" c1
  [ "$(head -1 "$out" | jq -r '.pid')" -gt 0 ]
  run tail -1 "$out"
  assert_output fd=1
}

@test "errors and warnings also go to --log, as json for conmon" {
  make_bundle "$BATS_TEST_TMPDIR/b" nosuchcmd
  run -127 "$NOOK_RUNTIME" --root "$RUNTIME_ROOT" --log "$BATS_TEST_TMPDIR/log.json" --log-format json run -b "$BATS_TEST_TMPDIR/b" c1
  assert_equal "$(jq -r .level "$BATS_TEST_TMPDIR/log.json")" error
  assert_equal "$(jq -r .msg "$BATS_TEST_TMPDIR/log.json")" 'exec: "nosuchcmd": executable file not found in $PATH'
  make_bundle "$BATS_TEST_TMPDIR/b2" true
  jq_config "$BATS_TEST_TMPDIR/b2" '.hooks = {poststart: [{path: "/bin/false"}]}'
  run "$NOOK_RUNTIME" --root "$RUNTIME_ROOT" --log "$BATS_TEST_TMPDIR/log.txt" run -b "$BATS_TEST_TMPDIR/b2" c2
  assert_success
  assert_output --partial 'WARN: poststart hook'
  run cat "$BATS_TEST_TMPDIR/log.txt"
  assert_output --partial 'level=warning'
}
