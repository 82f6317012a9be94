#!/usr/bin/env bats
# nook-runtime run/create/start/state/kill/delete on a busybox bundle, rootless.

load helpers

@test "run: root inside, two-range uid_map, exit status propagated" {
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'id -u; cat /proc/self/uid_map /proc/self/gid_map; exit 7'
  local sub_start sub_count
  IFS=: read -r _ sub_start sub_count < <(grep "^$(id -un):" /etc/subuid | head -1)
  full_mapping "$BATS_TEST_TMPDIR/b"
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_equal "$status" 7
  assert_line --index 0 "0"
  assert_line --regexp "^ +0 +$(id -u) +1$"
  assert_line --regexp "^ +1 +$sub_start +$sub_count$"
  # run without --keep deletes the container
  run rt state c1
  assert_failure
}

@test "run: single-id mapping works without newuidmap ranges" {
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'id -u; cat /proc/self/uid_map'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_success
  assert_line --index 0 "0"
  assert_line --regexp "^ +0 +$(id -u) +1$"
}

@test "run: a signal-killed process exits 128+N" {
  make_bundle "$BATS_TEST_TMPDIR/b" sleep 1000
  # An init ignores signals sent from inside its namespace: kill from outside.
  "$NOOK_RUNTIME" --root "$RUNTIME_ROOT" run -b "$BATS_TEST_TMPDIR/b" c1 >/dev/null 2>&1 &
  local runtime_pid=$!
  retry 100 0.1 bash -c "[ \"\$($NOOK_RUNTIME --root $RUNTIME_ROOT state c1 2>/dev/null | jq -r .status)\" = running ]"
  rt kill c1 KILL
  local code=0
  wait "$runtime_pid" || code=$?
  assert_equal "$code" 137
}

@test "run: signals to the foreground runtime reach the container" {
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'trap "exit 42" TERM; echo trapped; while :; do sleep 0.1; done'
  "$NOOK_RUNTIME" --root "$RUNTIME_ROOT" run -b "$BATS_TEST_TMPDIR/b" c1 >"$BATS_TEST_TMPDIR/out" &
  local runtime_pid=$!
  # Only once the trap is set: a loaded machine may take a while to get there.
  retry 200 0.1 grep -q trapped "$BATS_TEST_TMPDIR/out"
  kill -TERM "$runtime_pid"
  local code=0
  wait "$runtime_pid" || code=$?
  assert_equal "$code" 42
}

@test "run: command not found is 127 with runc's wording, nothing left behind" {
  make_bundle "$BATS_TEST_TMPDIR/b" /no/such/cmd
  run -127 rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_output --partial 'no such file or directory'
  make_bundle "$BATS_TEST_TMPDIR/b2" nosuchcmd
  run -127 rt run -b "$BATS_TEST_TMPDIR/b2" c2
  assert_output --partial 'executable file not found in $PATH'
  run rt list -q
  assert_output ""
}

@test "create/start/state/kill/delete lifecycle" {
  make_bundle "$BATS_TEST_TMPDIR/b" sleep 1000
  rt create -b "$BATS_TEST_TMPDIR/b" --pid-file "$BATS_TEST_TMPDIR/pid" c1
  assert_equal "$(container_status c1)" created
  pid=$(cat "$BATS_TEST_TMPDIR/pid")
  assert_equal "$(rt state c1 | jq -r .pid)" "$pid"
  # the process waits before execve: still not sleep
  run cat /proc/$pid/comm
  refute_output sleep
  rt start c1
  retry 50 0.1 bash -c "[ \"\$(cat /proc/$pid/comm)\" = sleep ]"
  assert_equal "$(container_status c1)" running
  run rt start c1
  assert_failure
  assert_output --partial 'not created'
  run rt delete c1
  assert_failure
  assert_output --partial 'not stopped'
  rt kill c1 KILL
  retry 50 0.1 bash -c "[ \"\$($NOOK_RUNTIME --root $RUNTIME_ROOT state c1 | jq -r .status)\" = stopped ]"
  rt delete c1
  run rt state c1
  assert_failure
  assert_output --partial 'does not exist'
}

@test "delete --force kills a running container" {
  make_bundle "$BATS_TEST_TMPDIR/b" sleep 1000
  rt run -d -b "$BATS_TEST_TMPDIR/b" c1
  assert_equal "$(container_status c1)" running
  rt delete --force c1
  run rt list -q
  assert_output ""
}

@test "process user maps to the matching subordinate uid on the host" {
  make_bundle "$BATS_TEST_TMPDIR/b" sleep 1000
  local sub_start
  IFS=: read -r _ sub_start _ < <(grep "^$(id -un):" /etc/subuid | head -1)
  full_mapping "$BATS_TEST_TMPDIR/b"
  jq_config "$BATS_TEST_TMPDIR/b" '.process.user = {uid: 27, gid: 27}'
  rt run -d --pid-file "$BATS_TEST_TMPDIR/pid" -b "$BATS_TEST_TMPDIR/b" c1
  pid=$(cat "$BATS_TEST_TMPDIR/pid")
  run awk '/^Uid:/ {print $2}' /proc/$pid/status
  assert_output "$((sub_start + 26))"
  run rt exec c1 id -u
  assert_success
  assert_output 27
  rt delete --force c1
}

@test "exec: runs in the container's namespaces, exit code propagated" {
  make_bundle "$BATS_TEST_TMPDIR/b" sleep 1000
  jq_config "$BATS_TEST_TMPDIR/b" '.hostname = "nooktest-host"'
  rt run -d -b "$BATS_TEST_TMPDIR/b" c1
  run rt exec c1 hostname
  assert_success
  assert_output nooktest-host
  run rt exec c1 sh -c 'exit 3'
  assert_equal "$status" 3
  run rt exec c1 sh -c 'cat /proc/1/cmdline | tr "\0" " "'
  assert_output --partial 'sleep 1000'
  run rt exec --cwd /tmp --env FOO=bar c1 sh -c 'pwd; echo $FOO'
  assert_line --index 0 /tmp
  assert_line --index 1 bar
  run -127 rt exec c1 nosuchcmd
  rt delete --force c1
}

@test "readonly rootfs, masked and readonly paths, hostname" {
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c '
    touch /x 2>/dev/null && echo rootfs-writable || echo rootfs-ro
    cat /proc/keys | wc -c; ls /sys/firmware | wc -l
    (echo 1 > /proc/sys/kernel/domainname) 2>/dev/null && echo sys-writable || echo sys-ro
    hostname'
  jq_config "$BATS_TEST_TMPDIR/b" '.root.readonly = true | .hostname = "h1"'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_success
  assert_line --index 0 rootfs-ro
  # masked: a file reads empty, a directory is an empty tmpfs
  assert_line --index 1 0
  assert_line --index 2 0
  assert_line --index 3 sys-ro
  assert_line --index 4 h1
}

@test "/dev has the standard devices and links" {
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c '
    for d in null zero full random urandom tty; do [ -c /dev/$d ] || echo "missing $d"; done
    echo hi > /dev/null && head -c 4 /dev/zero | wc -c
    ls -l /dev/fd /dev/stdin /dev/ptmx | wc -l
    [ -d /dev/pts ] && [ -d /dev/shm ] && echo ok'
  run rt run -b "$BATS_TEST_TMPDIR/b" c1
  assert_success
  refute_output --partial missing
  assert_line --index 0 4
  assert_line --index 1 3
  assert_line --index 2 ok
}

@test "preserve-fds passes extra descriptors" {
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'cat <&3'
  echo "through fd 3" >"$BATS_TEST_TMPDIR/in"
  run rt run --preserve-fds 1 -b "$BATS_TEST_TMPDIR/b" c1 3<"$BATS_TEST_TMPDIR/in"
  assert_success
  assert_output "through fd 3"
}

@test "list and state output shapes" {
  make_bundle "$BATS_TEST_TMPDIR/b" sleep 1000
  rt run -d -b "$BATS_TEST_TMPDIR/b" c1
  run rt list
  assert_line --index 0 --regexp '^ID +PID +STATUS +BUNDLE +CREATED +OWNER'
  assert_line --index 1 --regexp "^c1 +[0-9]+ +running +$BATS_TEST_TMPDIR/b "
  run rt list --format json
  assert_equal "$(jq -r '.[0].id' <<<"$output")" c1
  run rt state c1
  for key in ociVersion id status pid bundle; do
    jq -e "has(\"$key\")" <<<"$output" >/dev/null
  done
  run rt ps --format json c1
  assert_success
  assert_equal "$(jq length <<<"$output")" 1
  rt delete --force c1
}

@test "joining another container's user, pid and network namespaces by path (a pod)" {
  make_bundle "$BATS_TEST_TMPDIR/a" sleep 1000
  jq_config "$BATS_TEST_TMPDIR/a" '.linux.namespaces += [{type: "network"}]'
  rt run -d --pid-file "$BATS_TEST_TMPDIR/pid" -b "$BATS_TEST_TMPDIR/a" infra
  pid=$(cat "$BATS_TEST_TMPDIR/pid")
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'cat /proc/self/uid_map; ps -o comm | grep -c sleep; readlink /proc/self/ns/net'
  jq_config "$BATS_TEST_TMPDIR/b" --arg p "/proc/$pid/ns" '
    .linux.namespaces = [{type: "user", path: "\($p)/user"}, {type: "pid", path: "\($p)/pid"},
                         {type: "network", path: "\($p)/net"}, {type: "mount"}, {type: "ipc"}, {type: "uts"}]
    | del(.linux.uidMappings) | del(.linux.gidMappings)
    | .mounts |= map(select(.type != "sysfs" and .destination != "/sys"))'
  run rt run -b "$BATS_TEST_TMPDIR/b" member
  assert_success
  assert_line --index 0 --regexp "^ +0 +$(id -u) +1$"
  assert_line --index 1 1
  assert_line --index 2 "$(readlink /proc/$pid/ns/net)"
  rt delete -f infra
}

@test "joining a pid namespace from a new user namespace is refused clearly" {
  make_bundle "$BATS_TEST_TMPDIR/a" sleep 1000
  rt run -d --pid-file "$BATS_TEST_TMPDIR/pid" -b "$BATS_TEST_TMPDIR/a" infra
  pid=$(cat "$BATS_TEST_TMPDIR/pid")
  make_bundle "$BATS_TEST_TMPDIR/b" true
  jq_config "$BATS_TEST_TMPDIR/b" --arg p "/proc/$pid/ns/pid" '.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)'
  run rt run -b "$BATS_TEST_TMPDIR/b" member
  assert_failure 1
  assert_output --partial 'joining a pid namespace'
  rt delete -f infra
}

@test "no pid namespace and no cgroup: delete --force kills the container, nothing else" {
  sleep 1000 &
  local bystander=$!
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'sleep 1000 & sleep 1000'
  # No pid namespace (the host's is shared) and a cgroup the user cannot
  # create: the runtime has only the process tree to go by.
  jq_config "$BATS_TEST_TMPDIR/b" '.linux.namespaces |= map(select(.type != "pid" and .type != "cgroup"))
    | .linux.cgroupsPath = "/nook-not-delegated"
    | .mounts |= map(if .type == "proc" then {destination: "/proc", type: "bind", source: "/proc", options: ["rbind"]} else . end)'
  rt run -d --pid-file "$BATS_TEST_TMPDIR/pid" -b "$BATS_TEST_TMPDIR/b" c1 </dev/null >/dev/null 2>&1 3>&-
  pid=$(cat "$BATS_TEST_TMPDIR/pid")
  retry 50 0.1 bash -c "[ \$(pgrep -c -P $pid) -ge 1 ]"
  child=$(pgrep -P "$pid" | head -1)
  run rt ps --format json c1
  assert_equal "$(jq length <<<"$output")" 2
  rt delete -f c1
  retry 50 0.1 bash -c "! kill -0 $child 2>/dev/null || grep -q '^State:.*Z' /proc/$child/status"
  kill -0 "$bystander"
  kill "$bystander"
}

@test "create/start works when the container mounts no /proc of its own" {
  make_bundle "$BATS_TEST_TMPDIR/b" sh -c 'echo started'
  jq_config "$BATS_TEST_TMPDIR/b" '.mounts |= map(select(.destination != "/proc"))
    | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
  rt create -b "$BATS_TEST_TMPDIR/b" c1 >"$BATS_TEST_TMPDIR/out" 2>&1
  assert_equal "$(container_status c1)" created
  rt start c1
  retry 50 0.1 grep -q started "$BATS_TEST_TMPDIR/out"
  retry 50 0.1 bash -c "[ \"\$($NOOK_RUNTIME --root $RUNTIME_ROOT state c1 | jq -r .status)\" = stopped ]"
  rt delete c1
}
