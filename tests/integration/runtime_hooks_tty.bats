#!/usr/bin/env bats
# OCI hooks at their lifecycle points, and terminals through --console-socket.

load helpers

@test "hooks: each phase runs, with the state on stdin" {
  local out=$BATS_TEST_TMPDIR/hooks
  mkdir -p "$out"
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'cat /start-hook'
  hook() { jq -n --arg phase "$1" --arg out "$out" '{path: "/bin/sh", args: ["sh", "-c", "cat > \($out)/\($phase).json"]}'; }
  jq_config "$BATS_TEST_TMPDIR/b" \
    --argjson pre "$(hook prestart)" --argjson cr "$(hook createRuntime)" \
    --argjson cc "$(hook createContainer)" --argjson ps "$(hook poststart)" \
    --argjson pst "$(hook poststop)" '
    .hooks = {prestart: [$pre], createRuntime: [$cr], createContainer: [$cc],
              startContainer: [{path: "/bin/sh", args: ["sh", "-c", "echo started-in-container > /start-hook"]}],
              poststart: [$ps], poststop: [$pst]}
    | .root.readonly = false'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_success
  assert_output started-in-container
  for phase in prestart createRuntime createContainer poststart poststop; do
    [ -s "$out/$phase.json" ] || fail "no state for $phase"
    assert_equal "$(jq -r .id "$out/$phase.json")" c1
    assert_equal "$(jq -r .bundle "$out/$phase.json")" "$BATS_TEST_TMPDIR/b"
  done
  assert_equal "$(jq -r .status "$out/createRuntime.json")" creating
  [ "$(jq -r .pid "$out/createRuntime.json")" -gt 0 ]
  assert_equal "$(jq -r .status "$out/poststop.json")" stopped
}

@test "hooks: a failing createRuntime hook aborts create and leaves nothing" {
  make_bundle "$BATS_TEST_TMPDIR/b" true
  jq_config "$BATS_TEST_TMPDIR/b" '.hooks = {createRuntime: [{path: "/bin/sh", args: ["sh", "-c", "exit 3"]}]}'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_failure 1
  assert_output --partial 'createRuntime'
  assert_output --partial 'status 3'
  run rt list -q
  assert_output ""
}

@test "hooks: a hook past its timeout is killed and reported" {
  make_bundle "$BATS_TEST_TMPDIR/b" true
  jq_config "$BATS_TEST_TMPDIR/b" '.hooks = {prestart: [{path: "/bin/sleep", args: ["sleep", "30"], timeout: 1}]}'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_failure 1
  assert_output --partial 'timed out'
}

@test "terminal: the pty master goes to the console socket" {
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'tty; stty size; echo done'
  jq_config "$BATS_TEST_TMPDIR/b" '.process.terminal = true | .process.consoleSize = {height: 33, width: 101}'
  local sock=$BATS_TEST_TMPDIR/console.sock
  python3 "$NOOK_FIXTURES/console-socket.py" "$sock" >"$BATS_TEST_TMPDIR/tty.out" 2>"$BATS_TEST_TMPDIR/tty.err" &
  local recv=$!
  retry 50 0.1 grep -q READY "$BATS_TEST_TMPDIR/tty.err"
  rt create -b "$BATS_TEST_TMPDIR/b" --console-socket "$sock" c1
  rt start c1
  wait "$recv"
  run cat "$BATS_TEST_TMPDIR/tty.out"
  assert_line --index 0 'RECEIVED /dev/ptmx'
  assert_output --partial /dev/pts/0
  assert_output --partial '33 101'
  assert_output --partial done
  retry 50 0.1 bash -c "[ \"\$($NOOK_RUNTIME --root $RUNTIME_ROOT state c1 | jq -r .status)\" = stopped ]"
  rt delete c1
}

@test "exec --tty through a console socket" {
  make_bundle "$BATS_TEST_TMPDIR/b" sleep 1000
  rt run -d -b "$BATS_TEST_TMPDIR/b" c1
  local sock=$BATS_TEST_TMPDIR/exec.sock
  python3 "$NOOK_FIXTURES/console-socket.py" "$sock" >"$BATS_TEST_TMPDIR/tty.out" 2>"$BATS_TEST_TMPDIR/tty.err" &
  local recv=$!
  retry 50 0.1 grep -q READY "$BATS_TEST_TMPDIR/tty.err"
  rt exec --tty --console-socket "$sock" c1 sh -c 'tty; echo exec-tty-ok'
  wait "$recv"
  run cat "$BATS_TEST_TMPDIR/tty.out"
  assert_output --partial /dev/pts/
  assert_output --partial exec-tty-ok
  rt delete -f c1
}

@test "run with a terminal and no console socket proxies it" {
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'tty; echo proxied'
  jq_config "$BATS_TEST_TMPDIR/b" '.process.terminal = true'
  run script -qec "$NOOK_RUNTIME --root $RUNTIME_ROOT run -b $BATS_TEST_TMPDIR/b c1" /dev/null
  assert_success
  assert_output --partial /dev/pts/0
  assert_output --partial proxied
}
