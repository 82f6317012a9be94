# shellcheck shell=bash
# Sourced by every tests/integration/*.bats file:  load helpers
# See tests/integration/README.md for the whole API. In short:
#   $NOOK $NOOK_RUNTIME          the binaries under test
#   rt ARGS...                   nook-runtime --root $RUNTIME_ROOT ARGS (per-test state root)
#   ref_rt ARGS...               the reference runtime ($NOOK_REF_RUNTIME, runc) with its own root
#   busybox_rootfs               path of a busybox rootfs, built once per file
#   busybox_image                path of the busybox OCI image layout, built once per file
#   make_bundle DIR [CMD...]     bundle with a copy of the rootfs and `rt spec --rootless`
#   jq_config DIR FILTER [ARGS]  edit DIR/config.json with jq
#   start_registry / stop_registry / registry ARGS   a local registry on a free port
#   retry N DELAY CMD...         run CMD until it succeeds, at most N times
#   container_status ID          "created", "running", "stopped"... from `rt state`
#   assert_no_leaks              no process started by this test is still alive
#   skip_without_cgroup2         skip unless a delegated cgroup2 subtree was set up
# setup/teardown are defined here; a file that defines its own must call
# nook_setup / nook_teardown from them.

bats_require_minimum_version 1.5.0
for _lib in bats-support bats-assert bats-file; do
  [ -r "/usr/lib/bats/$_lib/load.bash" ] ||
    { echo "helpers.bash: /usr/lib/bats/$_lib missing; run scripts/install-deps.sh" >&2; exit 1; }
  load "/usr/lib/bats/$_lib/load.bash"
done
unset _lib

: "${NOOK_BUILD_DIR:?NOOK_BUILD_DIR is unset: run tests through ctest or tests/integration/run-as-test-user.sh}"
: "${NOOK_SOURCE_DIR:?NOOK_SOURCE_DIR is unset: run tests through ctest or tests/integration/run-as-test-user.sh}"
export NOOK=$NOOK_BUILD_DIR/nook
export NOOK_RUNTIME=$NOOK_BUILD_DIR/nook-runtime
NOOK_FIXTURES=$NOOK_SOURCE_DIR/tests/fixtures
NOOK_SCRIPTS=$NOOK_SOURCE_DIR/scripts
# The reference runtime for comparisons: runc, because crun refuses cgroup v1
# hybrid hosts that have a controller on the v2 hierarchy (our CI machines).
NOOK_REF_RUNTIME=${NOOK_REF_RUNTIME:-runc}
# One hung container must not eat the whole ctest timeout of the file.
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

rt() { "$NOOK_RUNTIME" --root "$RUNTIME_ROOT" "$@"; }
ref_rt() {
  local -a cmd
  read -ra cmd <<<"$NOOK_REF_RUNTIME"
  "${cmd[@]}" --root "$BATS_TEST_TMPDIR/ref-state" "$@"
}

nook_setup() {
  export RUNTIME_ROOT=$BATS_TEST_TMPDIR/state
  # Every process this test starts carries this mark in its environment, and
  # make_bundle puts it into containers' environments too: that is how
  # assert_no_leaks tells this test's processes from everything else.
  export NOOK_TEST_MARK="nook-test:$BATS_TEST_TMPDIR"
  _NOOK_TEST_REGISTRY=
}

nook_teardown() {
  if [ -n "${_NOOK_TEST_REGISTRY:-}" ]; then stop_registry; fi
  assert_no_leaks
}

setup() { nook_setup; }
teardown() { nook_teardown; }

# Prints the cached busybox rootfs of this file, building it on first use.
busybox_rootfs() {
  local dir=$BATS_FILE_TMPDIR/busybox-rootfs
  # flock: tests of one file may run in parallel (bats -j).
  (
    flock 9
    [ -d "$dir" ] || "$NOOK_FIXTURES/make-busybox-rootfs.sh" "$dir" >&2
  ) 9>"$BATS_FILE_TMPDIR/.busybox-rootfs.lock" || return 1
  echo "$dir"
}

# Prints the cached busybox OCI image layout (tag "latest") of this file.
busybox_image() {
  local dir=$BATS_FILE_TMPDIR/busybox-image
  (
    flock 9
    [ -d "$dir" ] || "$NOOK_FIXTURES/make-busybox-image.sh" "$dir" >/dev/null
  ) 9>"$BATS_FILE_TMPDIR/.busybox-image.lock" || return 1
  echo "$dir"
}

# make_bundle DIR [CMD...]: DIR/rootfs is a private copy of the busybox rootfs;
# DIR/config.json comes from `$BUNDLE_SPEC spec --rootless` (BUNDLE_SPEC
# defaults to rt; ref_rt makes a bundle for the reference runtime) with
# process.args = CMD (if given), terminal off and the test's leak mark in env.
make_bundle() {
  local dir=$1 rootfs
  shift
  rootfs=$(busybox_rootfs) || return 1
  mkdir -p "$dir"
  cp -a "$rootfs" "$dir/rootfs"
  (cd "$dir" && "${BUNDLE_SPEC:-rt}" spec --rootless) || {
    echo "make_bundle: ${BUNDLE_SPEC:-rt} spec --rootless failed" >&2
    return 1
  }
  jq -e .ociVersion "$dir/config.json" >/dev/null 2>&1 || {
    echo "make_bundle: ${BUNDLE_SPEC:-rt} spec --rootless wrote no valid $dir/config.json" >&2
    return 1
  }
  local args a
  # One --arg per word: jq 1.6 takes "-c" among `--args` positionals as its own option.
  args='[]'
  for a in "$@"; do args=$(jq -c --arg a "$a" '. + [$a]' <<<"$args"); done
  jq_config "$dir" --argjson args "$args" --arg mark "NOOK_TEST_MARK=$NOOK_TEST_MARK" '
    .root.path = "rootfs"
    | .process.terminal = false
    | if ($args | length) > 0 then .process.args = $args else . end
    | .process.env = ((.process.env // []) + [$mark])'
}

# jq_config DIR [JQ_OPTIONS...] FILTER: rewrites DIR/config.json through jq.
# The filter is the last argument, so jq options (--arg...) go before it.
jq_config() {
  local dir=$1 tmp
  shift
  tmp=$(mktemp "$dir/config.json.XXXXXX")
  if jq "$@" "$dir/config.json" >"$tmp"; then
    mv "$tmp" "$dir/config.json"
  else
    rm -f "$tmp"
    echo "jq_config: jq $* failed" >&2
    return 1
  fi
}

# full_mapping DIR: maps the user's whole subordinate range in DIR/config.json
# (0 → the user, 1.. → the first subuid/subgid range), as nook itself will.
full_mapping() {
  local dir=$1 sub_start sub_count gsub_start gsub_count
  IFS=: read -r _ sub_start sub_count < <(grep "^$(id -un):" /etc/subuid | head -1)
  IFS=: read -r _ gsub_start gsub_count < <(grep "^$(id -un):" /etc/subgid | head -1)
  jq_config "$dir" --argjson u "$(id -u)" --argjson g "$(id -g)" \
    --argjson s "$sub_start" --argjson c "$sub_count" --argjson gs "$gsub_start" --argjson gc "$gsub_count" '
    .linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: $s, size: $c}]
    | .linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}, {containerID: 1, hostID: $gs, size: $gc}]'
}

# retry ATTEMPTS DELAY CMD...: runs CMD until it succeeds; fails after ATTEMPTS tries.
retry() {
  local attempts=$1 delay=$2 i
  shift 2
  for ((i = 1; i <= attempts; i++)); do
    "$@" && return 0
    ((i == attempts)) || sleep "$delay"
  done
  echo "retry: '$*' still failing after $attempts attempts" >&2
  return 1
}

container_status() { rt state "$1" | jq -r .status; }

# The registry of a file (when called from setup_file) or of one test: a free
# port on 127.0.0.1, storage under the bats temp dir. Exports REGISTRY=127.0.0.1:PORT,
# and NOOK_REGISTRY_PORT/NOOK_REGISTRY_DIR so that `registry push ...` talks to it.
start_registry() {
  local base=${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR} i port
  for ((i = 0; i < 10; i++)); do
    port=$((20000 + (RANDOM % 20000)))
    if REGISTRY=$(NOOK_REGISTRY_PORT=$port NOOK_REGISTRY_DIR=$base/registry \
      "$NOOK_SCRIPTS/registry.sh" start); then
      export REGISTRY NOOK_REGISTRY_PORT=$port NOOK_REGISTRY_DIR=$base/registry
      [ -z "${BATS_TEST_TMPDIR:-}" ] || _NOOK_TEST_REGISTRY=1
      return 0
    fi
  done
  echo "start_registry: no free port after 10 tries" >&2
  return 1
}

stop_registry() {
  "$NOOK_SCRIPTS/registry.sh" stop
  _NOOK_TEST_REGISTRY=
}

registry() { "$NOOK_SCRIPTS/registry.sh" "$@"; }

skip_without_cgroup2() {
  [ -n "${NOOK_TEST_CGROUP_DIR:-}" ] && [ -d "$NOOK_TEST_CGROUP_DIR" ] ||
    skip "no delegated cgroup2 subtree (scripts/setup-cgroup-delegation.sh did not provide one)"
}

# Deletes every container the test left in $RUNTIME_ROOT (rt list, plus any
# state directory list does not report).
cleanup_containers() {
  [ -n "${RUNTIME_ROOT:-}" ] && [ -d "$RUNTIME_ROOT" ] || return 0
  local -A ids=()
  local id entry
  for id in $(rt list -q 2>/dev/null); do ids[$id]=listed; done
  for entry in "$RUNTIME_ROOT"/*/; do
    entry=${entry%/}
    [ -d "$entry" ] && [ -z "${ids[${entry##*/}]:-}" ] && ids[${entry##*/}]=dir
  done
  for id in "${!ids[@]}"; do
    # A directory list did not report may be the runtime's own (locks...): no noise for it.
    if ! rt delete --force "$id" >/dev/null 2>&1 && [ "${ids[$id]}" = listed ]; then
      echo "cleanup_containers: rt delete --force $id failed" >&2
    fi
  done
}

# Pid and parent pid of process $1 from /proc/PID/stat, into $_pid_state $_pid_ppid.
# (The command name may hold spaces and parentheses: cut after the last ")".)
_nook_stat() {
  local line
  read -r line 2>/dev/null <"/proc/$1/stat" || return 1
  line=${line##*) }
  _pid_state=${line%% *}
  line=${line#* }
  _pid_ppid=${line%% *}
}

# True when process $1 descends from $NOOK_TEST_REAPER (the catatonit that
# run-as-test-user.sh puts above bats: orphans of this file land there).
_nook_under_reaper() {
  local pid=$1 n
  for ((n = 0; n < 64; n++)); do
    [ "$pid" = "$NOOK_TEST_REAPER" ] && return 0
    [ "$pid" -gt 1 ] 2>/dev/null && _nook_stat "$pid" || return 1
    pid=$_pid_ppid
  done
  return 1
}

# Prints the pids of live (not zombie) processes this test left: those whose
# environment carries its mark, and, under this file's reaper, those running
# as another uid (a subordinate id: the kernel hides their environment from
# us) or in another user namespace (containers whose environment came from an
# image, not from make_bundle).
# Bash builtins only, in a forked subshell: an exec'd helper would carry the
# mark itself (a fork does not: /proc/PID/environ is the environment at exec).
_nook_leaked_pids() {
  local -A mine=()
  local pid=$BASHPID proc entry key uid _pid_state _pid_ppid
  while [ "$pid" -gt 1 ] 2>/dev/null && _nook_stat "$pid"; do
    mine[$pid]=1
    pid=$_pid_ppid
  done
  for proc in /proc/[0-9]*; do
    pid=${proc#/proc/}
    [ -z "${mine[$pid]:-}" ] && _nook_stat "$pid" && [ "$_pid_state" != Z ] || continue
    while IFS= read -r -d '' entry; do
      if [ "$entry" = "NOOK_TEST_MARK=$NOOK_TEST_MARK" ]; then
        echo "$pid"
        continue 2
      fi
    done 2>/dev/null <"$proc/environ"
    [ -n "${NOOK_TEST_REAPER:-}" ] && [ "$pid" != "$NOOK_TEST_REAPER" ] || continue
    uid=
    while read -r key uid _; do [ "$key" != Uid: ] || break; done 2>/dev/null <"$proc/status"
    [ -n "$uid" ] || continue
    if [ "$uid" = "$UID" ]; then
      # Unreadable namespace (a non-dumpable process of ours): cannot tell, leave it.
      [[ -e $proc/ns/user ]] || continue
      [[ ! $proc/ns/user -ef /proc/$BASHPID/ns/user ]] || continue
    fi
    if _nook_under_reaper "$pid"; then echo "$pid"; fi
  done
}

# Deletes the test's containers, then fails (after killing them) if any
# process the test started is still alive a few seconds later.
assert_no_leaks() {
  [ -n "${NOOK_TEST_MARK:-}" ] || return 0
  cleanup_containers
  local i pids=()
  # Processes take a moment to die after delete --force: give them two seconds.
  for ((i = 0; i < 20; i++)); do
    # Without bats' per-command DEBUG trap, which makes the scan take seconds.
    mapfile -t pids < <(
      trap - DEBUG
      set +o functrace
      _nook_leaked_pids
    )
    [ ${#pids[@]} -gt 0 ] || return 0
    sleep 0.1
  done
  {
    echo "assert_no_leaks: processes started by this test are still running:"
    ps -o pid,ppid,user,stat,args -p "$(
      IFS=,
      echo "${pids[*]}"
    )"
  } >&2
  kill -KILL "${pids[@]}" 2>/dev/null
  return 1
}
