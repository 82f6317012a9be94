# shellcheck shell=bash
# Images for tests of `nook pull`, and the checks that a hostile one changed
# nothing outside the store. Load after helpers:  load helpers; load image_helpers
#
#   make_image SPEC|- OUTDIR [ARGS]   tests/fixtures/make-image.py (prints the digest)
#   image_from_json OUTDIR JSON [ARGS]  the same with the spec as a string
#   push_layout LAYOUT REPO:TAG       to $REGISTRY: image manifests, OCI indexes and
#                                     Docker manifest lists with their children
#   serve_layout LAYOUT               a fake registry serving LAYOUT as it lies
#                                     (tests/fixtures/fake-registry.py); exports
#                                     FAKE_REGISTRY=127.0.0.1:PORT; stop_fake_registry
#   image_test_setup                  $STORE, $NOOK_HOME, sentinels (below)
#   npull REF                         nook --root $STORE pull --tls-verify=false REF
#   nook_store ARGS...                nook --root $STORE ARGS... (same environment)
#   assert_pull_refused REGEX         status 125, one "Error: " line matching REGEX,
#                                     no image ID on stdout
#   assert_nothing_stored NAME        no image NAME, no layer, nothing staged
#   assert_outside_unchanged          sentinels, $NOOK_HOME, /tmp and $HOME untouched
#   subid_start                       first subordinate uid of the user
#   layer_dir                         the only layer directory of the store
#   xattr_hex FILE NAME               the xattr's value in hex (fails when absent)
#   host_arch                         this machine's architecture (amd64, arm64...)

make_image() { python3 "$NOOK_FIXTURES/make-image.py" "$@"; }

image_from_json() {
  local out=$1 spec=$2
  shift 2
  make_image - "$out" "$@" <<<"$spec"
}

# _put_blob REPO FILE DIGEST: a monolithic upload (POST, then PUT with the
# bytes); a blob the registry has already is simply stored again.
_put_blob() {
  local repo=$1 file=$2 digest=$3 loc sep code
  loc=$(curl -sS -o /dev/null -D - -X POST "http://$REGISTRY/v2/$repo/blobs/uploads/" |
    sed -n 's/^Location: *//Ip' | tr -d '\r')
  [ -n "$loc" ] || {
    echo "push_layout: no upload location for $repo" >&2
    return 1
  }
  [[ $loc == http* ]] || loc=http://$REGISTRY$loc
  sep='?'
  [[ $loc == *\?* ]] && sep='&'
  code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/octet-stream' \
    --data-binary "@$file" "$loc${sep}digest=${digest/:/%3A}")
  [ "$code" = 201 ] || {
    echo "push_layout: PUT blob $digest to $repo: HTTP $code" >&2
    return 1
  }
}

# _put_manifest REPO REF FILE TYPE
_put_manifest() {
  local code out=$BATS_TEST_TMPDIR/.put-manifest
  code=$(curl -sS -o "$out" -w '%{http_code}' -X PUT \
    -H "Content-Type: $4" --data-binary "@$3" "http://$REGISTRY/v2/$1/manifests/$2")
  [ "$code" = 201 ] || {
    echo "push_layout: PUT manifest $1:$2 ($4): HTTP $code: $(head -c 300 "$out")" >&2
    return 1
  }
  rm -f "$out"
}

# _push_image REPO REF LAYOUT MANIFEST_DIGEST TYPE: blobs, then the manifest.
_push_image() {
  local repo=$1 ref=$2 blobs=$3/blobs/sha256 digest=$4 type=$5 d
  for d in $(jq -r '.config.digest, .layers[].digest' "$blobs/${digest#sha256:}"); do
    _put_blob "$repo" "$blobs/${d#sha256:}" "$d" || return 1
  done
  _put_manifest "$repo" "$ref" "$blobs/${digest#sha256:}" "$type"
}

# push_layout LAYOUT REPO:TAG: the document index.json names, with
# everything it references: an image manifest, or an OCI index / Docker
# manifest list with each child manifest pushed by digest first. Plain curl,
# as registry.sh push (which also reads everything back) takes ten times
# longer and pushes no index. Prints the digest.
push_layout() {
  local layout=$1 repo=${2%:*} tag=${2##*:} top type digest child child_type
  top=$(jq -c '.manifests[0]' "$layout/index.json") || return 1
  type=$(jq -r .mediaType <<<"$top")
  digest=$(jq -r .digest <<<"$top")
  case $type in
    application/vnd.oci.image.index.v1+json | application/vnd.docker.distribution.manifest.list.v2+json)
      while read -r child child_type; do
        _push_image "$repo" "$child" "$layout" "$child" "$child_type" || return 1
      done < <(jq -r '.manifests[] | "\(.digest) \(.mediaType)"' "$layout/blobs/sha256/${digest#sha256:}")
      _put_manifest "$repo" "$tag" "$layout/blobs/sha256/${digest#sha256:}" "$type" || return 1
      ;;
    *) _push_image "$repo" "$tag" "$layout" "$digest" "$type" || return 1 ;;
  esac
  echo "$digest"
}

serve_layout() {
  local layout=$1 dir=$BATS_TEST_TMPDIR/fake i
  mkdir -p "$dir"
  rm -f "$dir/port"
  # fd 3 closed: bats waits for every holder of its fd 3.
  python3 "$NOOK_FIXTURES/fake-registry.py" "$layout" "$dir/port" --log "$dir/requests" \
    </dev/null >"$dir/log" 2>&1 3>&- &
  _FAKE_REGISTRY_PID=$!
  for ((i = 0; i < 100; i++)); do
    if [ -s "$dir/port" ]; then
      FAKE_REGISTRY=127.0.0.1:$(cat "$dir/port")
      export FAKE_REGISTRY
      return 0
    fi
    kill -0 "$_FAKE_REGISTRY_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "serve_layout: fake registry did not start: $(cat "$dir/log")" >&2
  return 1
}

stop_fake_registry() {
  [ -n "${_FAKE_REGISTRY_PID:-}" ] || return 0
  kill "$_FAKE_REGISTRY_PID" 2>/dev/null || true
  wait "$_FAKE_REGISTRY_PID" 2>/dev/null || true
  _FAKE_REGISTRY_PID=
}

# What every test of a hostile image needs: its own store and home, a
# sentinel directory nothing may touch, and $TARGET, a directory on the host
# that hostile entries aim at (by absolute path, through symlinks, ../).
image_test_setup() {
  STORE=$BATS_TEST_TMPDIR/store
  NOOK_HOME=$BATS_TEST_TMPDIR/home
  SENTINEL=$BATS_TEST_TMPDIR/sentinel
  TARGET=$BATS_TEST_TMPDIR/target
  # A name no test could create by accident: found anywhere = an escape.
  PWNED=nook-pwned-$$-$RANDOM
  mkdir -p "$NOOK_HOME" "$SENTINEL/dir" "$TARGET"
  echo keep >"$SENTINEL/file"
  echo keep >"$SENTINEL/dir/file"
  echo victim >"$TARGET/victim"
  chmod 0644 "$TARGET/victim"
  ln -s ../target "$SENTINEL/link"
  export STORE NOOK_HOME SENTINEL TARGET PWNED
}

# Taken after the image is built and pushed, before the pull.
snapshot_outside() {
  _outside_snapshot >"$BATS_TEST_TMPDIR/.outside-before"
}

_outside_snapshot() {
  # Everything in the test's directory but the store, the images built for
  # it, the fake registry's log and bats' own files: names, types, modes,
  # sizes, link counts, mtimes, owners, symlink targets; then the contents.
  find "$BATS_TEST_TMPDIR" -mindepth 1 \( -path "$STORE" -o -path "$BATS_TEST_TMPDIR/img*" \
    -o -path "$BATS_TEST_TMPDIR/fake" -o -name '.outside-*' -o -name 'separate-stderr-*' \) \
    -prune -o -printf '%P %y %m %s %n %T@ %U:%G %l\n' | sort
  cat "$SENTINEL/file" "$SENTINEL/dir/file" "$TARGET/victim"
}

assert_outside_unchanged() {
  _outside_snapshot >"$BATS_TEST_TMPDIR/.outside-after"
  diff -u "$BATS_TEST_TMPDIR/.outside-before" "$BATS_TEST_TMPDIR/.outside-after" ||
    fail "files outside the store changed"
  # Hostile entries aim at /tmp/$PWNED, $TARGET and the test's directory;
  # unreadable directories of others in /tmp are no failure.
  local found
  found=$( (find /tmp /var/tmp "$HOME" -maxdepth 2 -name "$PWNED*" -print
    find "$BATS_TEST_TMPDIR" -path "$STORE" -prune -o -name "$PWNED*" -print) 2>/dev/null || true)
  [ -z "$found" ] || fail "a hostile entry landed outside the store: $found"
}

# nook as the tests run it: its own store, an empty home of its own (so a
# write to $HOME shows up in the snapshot), and a time limit.
nook_store() { HOME=$NOOK_HOME timeout 60 "$NOOK" --root "$STORE" "$@"; }
npull() { nook_store pull --tls-verify=false "$@"; }

# $status, $output and $stderr: set by bats' `run --separate-stderr`.
# shellcheck disable=SC2154
assert_pull_refused() {
  local regex=$1 errors
  [ "$status" -eq 125 ] || fail "expected exit status 125, got $status; stderr: $stderr"
  [ -z "$output" ] || fail "a refused pull printed on stdout: $output"
  errors=$(grep -c '^Error: ' <<<"$stderr" || true)
  [ "$errors" -eq 1 ] || fail "expected one 'Error: ' line, got $errors: $stderr"
  grep '^Error: ' <<<"$stderr" | grep -Eq -- "$regex" ||
    fail "the error does not match /$regex/: $(grep '^Error: ' <<<"$stderr")"
}

assert_pulled() {
  [ "$status" -eq 0 ] || fail "pull failed with status $status: $stderr"
  [[ $output =~ ^[0-9a-f]{64}$ ]] || fail "pull printed no image ID: '$output'"
}

assert_nothing_stored() {
  run nook_store image exists "$1"
  [ "$status" -eq 1 ] || fail "image $1: nook image exists gave $status ($output), expected 1"
  local left
  left=$(ls -A "$STORE/layers" 2>/dev/null)
  [ -z "$left" ] || fail "a refused pull left layers: $left"
  left=$(ls -A "$STORE/tmp" 2>/dev/null)
  [ -z "$left" ] || fail "a refused pull left staging directories: $left"
}

subid_start() {
  local start
  IFS=: read -r _ start _ < <(grep "^$(id -un):" /etc/subuid | head -1)
  echo "$start"
}

layer_dir() {
  local dirs=("$STORE"/layers/*)
  if [ ${#dirs[@]} -ne 1 ] || [ ! -d "${dirs[0]}" ]; then
    echo "layer_dir: expected one layer in $STORE/layers, found: ${dirs[*]}" >&2
    return 1
  fi
  echo "${dirs[0]}"
}

xattr_hex() {
  python3 -c 'import os, sys
print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).hex())' "$1" "$2"
}

# The image-spec (GOARCH) name of this machine's architecture, as
# make-image.py uses by default.
host_arch() {
  case $(uname -m) in
    x86_64) echo amd64 ;;
    aarch64) echo arm64 ;;
    armv7l) echo arm ;;
    i686) echo 386 ;;
    *) uname -m ;;
  esac
}

# The store holds files of subordinate owners: only nook's user namespace
# may delete them, and bats must be able to remove the test's directory.
image_test_teardown() {
  stop_fake_registry
  if [ -d "${STORE:-}" ]; then
    nook_store system reset --force >/dev/null 2>&1 ||
      echo "image_test_teardown: nook system reset failed for $STORE" >&2
  fi
}
