#!/usr/bin/env bats
# nook push / login / logout, as the unprivileged user, against real
# docker-registry instances on 127.0.0.1: an open one (start_registry) and
# one with htpasswd basic auth started here. podman 4.3 reads and writes the
# same auth.json and pulls what nook pushed.

load helpers
load image_helpers
load registry_helpers
# shellcheck disable=SC2016 # jq programs and a bcrypt hash belong in single quotes

# bcrypt (the only hash docker-registry's htpasswd accepts) of "s3cret" for
# user "tester", cost 4 so checking it on every request stays fast. The same
# entry as tests/unit/registry_client_test.cpp.
HTPASSWD_ENTRY='tester:$2b$04$op56dJuNwy2f8FpBpWjU6u0QkgVqj6AE4MxN7ipOy2MEOVdcv1MC2'

# A docker-registry with basic auth on a free port; exports AUTH_REGISTRY.
start_auth_registry() {
  local dir=$BATS_FILE_TMPDIR/auth-registry
  mkdir -p "$dir"
  printf '%s\n' "$HTPASSWD_ENTRY" >"$dir/htpasswd"
  AUTH_REGISTRY=$(start_registry_with auth "$dir/storage" http "auth:
  htpasswd:
    realm: nook-test
    path: $dir/htpasswd")
  export AUTH_REGISTRY
}

setup_file() {
  start_registry
  start_auth_registry
  local img
  img=$(busybox_image)
  registry push "$img" busybox:latest >"$BATS_FILE_TMPDIR/busybox.digest"
  export PODMAN_STORE=$BATS_FILE_TMPDIR/podman
}

teardown_file() {
  stop_registry
  stop_registry_with auth
  # podman's store holds files owned by subordinate ids.
  [ ! -d "$PODMAN_STORE" ] || p system reset --force >/dev/null 2>&1 || true
}

setup() {
  nook_setup
  export STORE=$BATS_TEST_TMPDIR/store
  export AUTHFILE=$BATS_TEST_TMPDIR/auth.json
  BUSYBOX_DIGEST=$(cat "$BATS_FILE_TMPDIR/busybox.digest")
}

teardown() {
  local s
  # Layers hold files of subordinate ids: only the namespace can delete them.
  for s in "$STORE" "$BATS_TEST_TMPDIR/store2"; do
    [ ! -d "$s" ] || "$NOOK" --root "$s" system reset --force >/dev/null 2>&1 || true
  done
  nook_teardown
}

n() { "$NOOK" --root "$STORE" "$@"; }
n2() { "$NOOK" --root "$BATS_TEST_TMPDIR/store2" "$@"; }
npull() { n pull -q --tls-verify=false "$@"; }
npush() { n push --tls-verify=false "$@"; }
p() {
  podman --root "$PODMAN_STORE/root" --runroot "$PODMAN_STORE/run" --storage-driver vfs \
    --tmpdir "$PODMAN_STORE/tmp" --events-backend file --cgroup-manager cgroupfs "$@"
}

# The "auth" member auth.json holds for KEY.
stored_auth() { jq -r --arg k "$1" '.auths[$k].auth' "$AUTHFILE"; }

# The Docker-Content-Digest the registry serves for REPO:TAG.
served_digest() {
  curl -sSf -I -u "${3:-:}" \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
    "http://$1/v2/${2%:*}/manifests/${2##*:}" | sed -n 's/^docker-content-digest: *//Ip' | tr -d '\r'
}

@test "push to another repository, pull back into a fresh store: same image ID and manifest digest" {
  run -0 npull "$REGISTRY/busybox"
  local id=$output layer
  layer=$(jq -r '.layers[0].digest' "$(busybox_image)/blobs/sha256/${BUSYBOX_DIGEST#sha256:}")
  run -0 n tag "$REGISTRY/busybox" "$REGISTRY/copies/bb:v1"
  # No DESTINATION: the image's name.
  run --separate-stderr npush --digestfile "$BATS_TEST_TMPDIR/digest" "$REGISTRY/copies/bb:v1"
  assert_success
  assert_output ""
  # A new repository on the same registry: the layer and config are mounted
  # from busybox, where the image came from, so nothing is uploaded.
  [ "$stderr" = "Getting image source signatures
Copying blob ${layer:7:12} skipped: already exists
Copying config ${id:0:12} skipped: already exists
Writing manifest to image destination" ]
  # The manifest bytes are the pulled ones: same digest, in the file and at the registry.
  run -0 cat "$BATS_TEST_TMPDIR/digest"
  assert_output "$BUSYBOX_DIGEST"
  run -0 served_digest "$REGISTRY" copies/bb:v1
  assert_output "$BUSYBOX_DIGEST"

  run -0 n2 pull -q --tls-verify=false "$REGISTRY/copies/bb:v1"
  assert_output "$id"
  run -0 n2 image inspect --format '{{.Digest}}' "$REGISTRY/copies/bb:v1"
  assert_output "$BUSYBOX_DIGEST"
}

@test "pushing again: every blob skipped: already exists; -q prints nothing; docker:// and an explicit destination" {
  run -0 npull "$REGISTRY/busybox"
  local id=$output
  run -0 --separate-stderr npush "$REGISTRY/busybox" "docker://$REGISTRY/again/bb:1"
  run -0 --separate-stderr npush "$REGISTRY/busybox" "docker://$REGISTRY/again/bb:1"
  assert_output ""
  [[ "$stderr" == *"Copying blob "*" skipped: already exists"* ]]
  [[ "$stderr" == *"Copying config ${id:0:12} skipped: already exists"* ]]
  [[ "$stderr" != *" done"* ]]
  run -0 --separate-stderr npush -q "${id:0:12}" "$REGISTRY/again/bb:2"
  assert_output ""
  [ -z "$stderr" ]
  run -0 served_digest "$REGISTRY" again/bb:2
  assert_output "$BUSYBOX_DIGEST"
  # By digest: accepted when it is the manifest's.
  run -0 npush "$id" "$REGISTRY/again/bb@$BUSYBOX_DIGEST"
}

@test "a several-layer image pushed to another registry: every layer uploaded, pulled back identical" {
  # Four layers of random bytes, so nothing is shared with busybox.
  local spec='{"layers":[' i
  for i in 1 2 3 4; do
    [ "$i" = 1 ] || spec+=','
    spec+="{\"entries\":[{\"path\":\"l$i\",\"size\":$((200000 * i)),\"fill\":\"random\"}]}"
  done
  spec+=']}'
  image_from_json "$BATS_TEST_TMPDIR/multi" "$spec" >/dev/null
  registry push "$BATS_TEST_TMPDIR/multi" multi:1 >/dev/null
  run -0 npull "$REGISTRY/multi:1"
  local id=$output
  # No mount across registries: all four are uploaded (3 at a time).
  run --separate-stderr npush --creds tester:s3cret "$REGISTRY/multi:1" "$AUTH_REGISTRY/multi/app:1"
  assert_success
  [ "$(grep -c '^Copying blob [0-9a-f]\{12\} done$' <<<"$stderr")" = 4 ]
  [ "$(grep -c '^Copying config' <<<"$stderr")" = 1 ]
  [ "$(tail -1 <<<"$stderr")" = "Writing manifest to image destination" ]
  run -0 n2 pull -q --tls-verify=false --creds tester:s3cret "$AUTH_REGISTRY/multi/app:1"
  assert_output "$id"
  run -0 n2 image inspect --format '{{len .RootFS.Layers}}' "$id"
  assert_output 4
}

@test "push --format v2s2: a Docker manifest of the same blobs, pulled back as the same image" {
  run -0 npull "$REGISTRY/busybox"
  local id=$output
  run -0 npush --format v2s2 --digestfile "$BATS_TEST_TMPDIR/digest" "$id" "$REGISTRY/docker/bb:1"
  local digest
  digest=$(cat "$BATS_TEST_TMPDIR/digest")
  [ "$digest" != "$BUSYBOX_DIGEST" ]
  run -0 curl -sSf -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY/v2/docker/bb/manifests/1"
  run -0 jq -r '.mediaType, .config.mediaType, .layers[0].mediaType' <<<"$output"
  assert_output "application/vnd.docker.distribution.manifest.v2+json
application/vnd.docker.container.image.v1+json
application/vnd.docker.image.rootfs.diff.tar.gzip"
  run -0 served_digest "$REGISTRY" docker/bb:1
  assert_output "$digest"
  run -0 n2 pull -q --tls-verify=false "$REGISTRY/docker/bb:1"
  assert_output "$id"
  run -0 n2 image inspect --format '{{.Digest}} {{.ManifestType}}' "$id"
  assert_output "$digest application/vnd.docker.distribution.manifest.v2+json"
}

@test "an htpasswd registry: push fails without login, works after nook login; podman shares the auth.json; logout removes it" {
  run -0 npull "$REGISTRY/busybox"
  local id=$output
  run -125 --separate-stderr npush --authfile "$AUTHFILE" "$id" "$AUTH_REGISTRY/private/bb:1"
  # podman refuses an --authfile that does not exist (login creates it).
  assert_equal "$stderr" "Error: checking authfile: stat $AUTHFILE: no such file or directory"
  echo '{}' >"$AUTHFILE"
  run -125 --separate-stderr npush --authfile "$AUTHFILE" "$id" "$AUTH_REGISTRY/private/bb:1"
  [ "$(grep -c '^Error: ' <<<"$stderr")" = 1 ]
  [[ "$stderr" == *"Error: "*"authentication required"* ]]

  run -125 --separate-stderr n login --authfile "$AUTHFILE" --tls-verify=false -u tester -p wrong "$AUTH_REGISTRY"
  assert_equal "$stderr" "Error: logging into \"$AUTH_REGISTRY\": invalid username/password"
  run -0 jq -c . "$AUTHFILE"
  assert_output '{}'

  run -0 --separate-stderr n login --authfile "$AUTHFILE" --tls-verify=false -u tester --password-stdin "$AUTH_REGISTRY" <<<"s3cret"
  assert_output "Login Succeeded!"
  # podman's auth.json: base64 of user:password under the registry's key, mode 0600.
  run -0 stored_auth "$AUTH_REGISTRY"
  assert_output "$(printf tester:s3cret | base64)"
  run -0 stat -c %a "$AUTHFILE"
  assert_output 600
  run -0 --separate-stderr p login --authfile "$AUTHFILE" --get-login "$AUTH_REGISTRY"
  assert_output tester
  run -0 n login --authfile "$AUTHFILE" --get-login "$AUTH_REGISTRY"
  assert_output tester

  run -0 --separate-stderr npush --authfile "$AUTHFILE" "$id" "$AUTH_REGISTRY/private/bb:1"
  # Another registry: nothing to mount from, everything is uploaded.
  [[ "$stderr" == *"Copying blob "*" done"* ]]
  [[ "$stderr" == *"Copying config ${id:0:12} done"* ]]
  run -0 served_digest "$AUTH_REGISTRY" private/bb:1 tester:s3cret
  assert_output "$BUSYBOX_DIGEST"
  # podman pulls it with nook's credentials.
  run -0 --separate-stderr p pull -q --authfile "$AUTHFILE" --tls-verify=false "$AUTH_REGISTRY/private/bb:1"
  assert_output "$id"

  # Without a user name, the stored login is checked again.
  run -0 n login --authfile "$AUTHFILE" --tls-verify=false "$AUTH_REGISTRY" </dev/null
  assert_output "Authenticating with existing credentials for $AUTH_REGISTRY
Existing credentials are valid. Already logged in to $AUTH_REGISTRY"

  run -0 n logout --authfile "$AUTHFILE" "$AUTH_REGISTRY"
  assert_output "Removed login credentials for $AUTH_REGISTRY"
  run -0 jq -c . "$AUTHFILE"
  assert_output '{"auths":{}}'
  run -125 --separate-stderr npush --authfile "$AUTHFILE" "$id" "$AUTH_REGISTRY/private/bb:2"
  [[ "$stderr" == *"authentication required"* ]]
  run -125 n logout --authfile "$AUTHFILE" "$AUTH_REGISTRY"
  assert_output "Error: not logged into $AUTH_REGISTRY"
  run -125 n login --authfile "$AUTHFILE" --get-login "$AUTH_REGISTRY"
  assert_output "Error: not logged into $AUTH_REGISTRY"
}

@test "credentials podman login wrote work for nook push; --creds works without any login; logout --all" {
  run -0 npull "$REGISTRY/busybox"
  local id=$output
  run -0 p login --authfile "$AUTHFILE" --tls-verify=false -u tester -p s3cret "$AUTH_REGISTRY"
  run -0 npush -q --authfile "$AUTHFILE" "$id" "$AUTH_REGISTRY/frompodman/bb:1"
  run -0 served_digest "$AUTH_REGISTRY" frompodman/bb:1 tester:s3cret
  assert_output "$BUSYBOX_DIGEST"

  echo '{}' >"$BATS_TEST_TMPDIR/empty.json"
  run -0 npush -q --authfile "$BATS_TEST_TMPDIR/empty.json" --creds tester:s3cret "$id" "$AUTH_REGISTRY/creds/bb:1"
  run -125 npush -q --authfile "$BATS_TEST_TMPDIR/empty.json" --creds tester:nope "$id" "$AUTH_REGISTRY/creds/bb:2"
  assert_output --partial "Error: "

  # A login for a repository path is its own key; --all removes every key.
  run -0 n login --authfile "$AUTHFILE" --tls-verify=false -u tester -p s3cret "$AUTH_REGISTRY/ns"
  run -0 jq -r '.auths | keys | join(" ")' "$AUTHFILE"
  assert_output "$AUTH_REGISTRY $AUTH_REGISTRY/ns"
  run -0 n logout --authfile "$AUTHFILE" --all
  assert_output "Removed login credentials for all registries"
  run -0 jq -c .auths "$AUTHFILE"
  assert_output '{}'
}

@test "a docker credential helper named in ~/.docker/config.json serves push and pull" {
  run -0 npull "$REGISTRY/busybox"
  local id=$output home=$BATS_TEST_TMPDIR/home bin=$BATS_TEST_TMPDIR/bin
  mkdir -p "$home/.docker" "$bin" "$BATS_TEST_TMPDIR/run"
  # The helper docker or podman would run: the registry on stdin, JSON out.
  cat >"$bin/docker-credential-nooktest" <<EOF
#!/bin/sh
[ "\$1" = get ] || exit 2
read -r server
[ "\$server" = "$AUTH_REGISTRY" ] || { echo "credentials not found in native keychain"; exit 1; }
printf '{"ServerURL":"%s","Username":"tester","Secret":"s3cret"}' "\$server"
EOF
  chmod +x "$bin/docker-credential-nooktest"
  printf '{"credHelpers": {"%s": "nooktest"}}\n' "$AUTH_REGISTRY" >"$home/.docker/config.json"
  local env=(env HOME="$home" XDG_CONFIG_HOME= XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/run"
    DOCKER_CONFIG= REGISTRY_AUTH_FILE= PATH="$bin:$PATH")
  run -0 "${env[@]}" "$NOOK" --root "$STORE" push -q --tls-verify=false "$id" "$AUTH_REGISTRY/helper/bb:1"
  run -0 served_digest "$AUTH_REGISTRY" helper/bb:1 tester:s3cret
  assert_output "$BUSYBOX_DIGEST"
  run -0 "${env[@]}" "$NOOK" --root "$BATS_TEST_TMPDIR/store2" pull -q --tls-verify=false \
    "$AUTH_REGISTRY/helper/bb:1"
  assert_output "$id"
  # A helper that fails says so in one line; nothing is pushed.
  printf '#!/bin/sh\necho "the keyring is locked" >&2\nexit 3\n' >"$bin/docker-credential-nooktest"
  run -125 --separate-stderr "${env[@]}" "$NOOK" --root "$STORE" push -q --tls-verify=false "$id" \
    "$AUTH_REGISTRY/helper/bb:2"
  [ "$stderr" = "Error: docker-credential-nooktest get $AUTH_REGISTRY failed (exit 3): the keyring is locked" ]
}

# Puts the test credential helper (docker-credential-filestore) on $PATH,
# keeping its logins under $NOOK_CRED_STORE.
use_filestore_helper() {
  local bin=$BATS_TEST_TMPDIR/bin
  mkdir -p "$bin"
  cp "$NOOK_FIXTURES/docker-credential-filestore" "$bin/"
  export PATH="$bin:$PATH" NOOK_CRED_STORE=$BATS_TEST_TMPDIR/creds
}

@test "credential-helpers in registries.conf: login, push, pull and logout go through the helper, as podman's do" {
  run -0 npull "$REGISTRY/busybox"
  local id=$output conf=$BATS_TEST_TMPDIR/registries.conf
  use_filestore_helper
  printf 'credential-helpers = ["filestore"]\n' >"$conf"
  export CONTAINERS_REGISTRIES_CONF=$conf
  # The auth file is not among the stores: it stays as it is.
  echo '{}' >"$AUTHFILE"
  run -0 n login --authfile "$AUTHFILE" --tls-verify=false -v -u tester -p s3cret "$AUTH_REGISTRY"
  assert_output "Used:  credential helper: filestore
Login Succeeded!"
  run -0 jq -c . "$AUTHFILE"
  assert_output '{}'
  run -0 jq -r '.Username + ":" + .Secret' "$NOOK_CRED_STORE/$AUTH_REGISTRY"
  assert_output tester:s3cret
  run -0 n login --authfile "$AUTHFILE" --get-login "$AUTH_REGISTRY"
  assert_output tester
  run -0 npush -q --authfile "$AUTHFILE" "$id" "$AUTH_REGISTRY/viahelper/bb:1"
  run -0 served_digest "$AUTH_REGISTRY" viahelper/bb:1 tester:s3cret
  assert_output "$BUSYBOX_DIGEST"
  run -0 n2 pull -q --tls-verify=false "$AUTH_REGISTRY/viahelper/bb:1"
  assert_output "$id"
  # podman finds nook's login in the same helper.
  run -0 --separate-stderr p pull -q --authfile "$AUTHFILE" --tls-verify=false "$AUTH_REGISTRY/viahelper/bb:1"
  assert_output "$id"
  # A helper keeps logins per registry, not per repository.
  run -125 n login --authfile "$AUTHFILE" --tls-verify=false -u tester -p s3cret "$AUTH_REGISTRY/ns"
  assert_output "Error: credential helper filestore does not take a namespaced key like $AUTH_REGISTRY/ns"

  run -0 n logout --authfile "$AUTHFILE" "$AUTH_REGISTRY"
  assert_output "Removed login credentials for $AUTH_REGISTRY"
  [ ! -e "$NOOK_CRED_STORE/$AUTH_REGISTRY" ]
  run -125 n logout --authfile "$AUTHFILE" "$AUTH_REGISTRY"
  assert_output "Error: not logged into $AUTH_REGISTRY"
  run -125 --separate-stderr npush -q --authfile "$AUTHFILE" "$id" "$AUTH_REGISTRY/viahelper/bb:2"
  [[ "$stderr" == *"authentication required"* ]]

  # --all asks the helper what it holds and erases each login.
  run -0 n login --authfile "$AUTHFILE" --tls-verify=false -u tester -p s3cret "$AUTH_REGISTRY"
  run -0 n login --authfile "$AUTHFILE" --tls-verify=false -u someone -p any "$REGISTRY"
  run -0 n logout --authfile "$AUTHFILE" --all
  assert_output "Removed login credentials for all registries"
  run -0 ls -A "$NOOK_CRED_STORE"
  assert_output ""
  run -0 grep -c '^list$' "$NOOK_CRED_STORE.log"
  assert_output 1
}

@test "a credHelpers entry in the auth file: nook login stores through it and podman logs out through it" {
  use_filestore_helper
  printf '{"credHelpers": {"%s": "filestore"}}\n' "$AUTH_REGISTRY" >"$AUTHFILE"
  run -0 n login --authfile "$AUTHFILE" --tls-verify=false -v -u tester -p s3cret "$AUTH_REGISTRY"
  assert_output "Used:  $AUTHFILE
Login Succeeded!"
  run -0 jq -r '.Username + ":" + .Secret' "$NOOK_CRED_STORE/$AUTH_REGISTRY"
  assert_output tester:s3cret
  # Only the helper holds the secret; the file keeps its entry and nothing more.
  run -0 jq -c . "$AUTHFILE"
  assert_output "{\"credHelpers\":{\"$AUTH_REGISTRY\":\"filestore\"}}"
  run -0 p login --authfile "$AUTHFILE" --get-login "$AUTH_REGISTRY"
  assert_output tester
  run -0 p logout --authfile "$AUTHFILE" "$AUTH_REGISTRY"
  [ ! -e "$NOOK_CRED_STORE/$AUTH_REGISTRY" ]

  # And the other way round; another registry's login goes to the file.
  run -0 p login --authfile "$AUTHFILE" --tls-verify=false -u tester -p s3cret "$AUTH_REGISTRY"
  run -0 n login --authfile "$AUTHFILE" --get-login "$AUTH_REGISTRY"
  assert_output tester
  run -0 n login --authfile "$AUTHFILE" --tls-verify=false -u someone -p any "$REGISTRY"
  run -0 stored_auth "$REGISTRY"
  assert_output "$(printf someone:any | base64)"
  run -0 n logout --authfile "$AUTHFILE" "$AUTH_REGISTRY"
  [ ! -e "$NOOK_CRED_STORE/$AUTH_REGISTRY" ]
  run -125 n logout --authfile "$AUTHFILE" "$AUTH_REGISTRY"
  assert_output "Error: not logged into $AUTH_REGISTRY"

  # --all: the helpers the file names are emptied, then the file.
  run -0 n login --authfile "$AUTHFILE" --tls-verify=false -u tester -p s3cret "$AUTH_REGISTRY"
  run -0 n logout --authfile "$AUTHFILE" --all
  run -0 ls -A "$NOOK_CRED_STORE"
  assert_output ""
  run -0 jq -c . "$AUTHFILE"
  assert_output '{"auths":{},"credHelpers":{}}'
}

@test "a credential helper that fails to store or erase is named in one line; the auth file is untouched" {
  use_filestore_helper
  printf '#!/bin/sh\necho "the keyring is locked" >&2\nexit 3\n' >"$BATS_TEST_TMPDIR/bin/docker-credential-filestore"
  printf '{"credHelpers": {"%s": "filestore"}}\n' "$AUTH_REGISTRY" >"$AUTHFILE"
  cp "$AUTHFILE" "$BATS_TEST_TMPDIR/before.json"
  run -125 n login --authfile "$AUTHFILE" --tls-verify=false -u tester -p s3cret "$AUTH_REGISTRY"
  assert_output "Error: docker-credential-filestore store $AUTH_REGISTRY failed (exit 3): the keyring is locked"
  run -125 n logout --authfile "$AUTHFILE" "$AUTH_REGISTRY"
  assert_output "Error: docker-credential-filestore erase $AUTH_REGISTRY failed (exit 3): the keyring is locked"
  run -125 n logout --authfile "$AUTHFILE" --all
  assert_output "Error: docker-credential-filestore erase $AUTH_REGISTRY failed (exit 3): the keyring is locked"
  cmp "$AUTHFILE" "$BATS_TEST_TMPDIR/before.json"
  # Not installed at all: named too.
  printf 'credential-helpers = ["nosuchhelper"]\n' >"$BATS_TEST_TMPDIR/registries.conf"
  run -125 env CONTAINERS_REGISTRIES_CONF="$BATS_TEST_TMPDIR/registries.conf" \
    "$NOOK" --root "$STORE" login --authfile "$AUTHFILE" --tls-verify=false -u tester -p s3cret "$AUTH_REGISTRY"
  assert_output --partial "docker-credential-nosuchhelper"
  # logout --all passes over a helper that is not installed, as podman.
  run -0 env CONTAINERS_REGISTRIES_CONF="$BATS_TEST_TMPDIR/registries.conf" \
    "$NOOK" --root "$STORE" logout --authfile "$AUTHFILE" --all
}

@test "login: the password is read from a terminal without echo" {
  run -0 script -qec "$NOOK login --authfile $AUTHFILE --tls-verify=false $AUTH_REGISTRY" /dev/null \
    < <(sleep 1; printf 'tester\n'; sleep 1; printf 's3cret\n'; sleep 2)
  [[ "$output" == *"Username: "* ]]
  [[ "$output" == *"Password: "* ]]
  [[ "$output" == *"Login Succeeded!"* ]]
  [[ "$output" != *"s3cret"* ]]
  run -0 stored_auth "$AUTH_REGISTRY"
  assert_output "$(printf tester:s3cret | base64)"
}

@test "push: unknown images, malformed destinations and flags are refused with one Error line" {
  run -0 npull "$REGISTRY/busybox"
  local id=$output
  run -125 npush nonexist "$REGISTRY/x:1"
  assert_output "Error: nonexist: image not known"
  run -125 npush "$id" "$REGISTRY/Upper/x:1"
  assert_output --regexp "^Error: invalid destination \"$REGISTRY/Upper/x:1\": .*lowercase"
  run -125 npush "$id" "oci:$BATS_TEST_TMPDIR/layout"
  assert_output "Error: invalid destination \"oci:$BATS_TEST_TMPDIR/layout\": transport \"oci\" is not supported by nook push (only docker://)"
  run -125 npush "$id" "docker://"
  assert_output --partial 'Error: invalid destination "docker://"'
  run -125 npush "$id" "$REGISTRY/x@sha256:$(printf '0%.0s' {1..64})"
  assert_output "Error: Digest of source image's manifest would not match destination reference"
  run -125 npush "$id"
  assert_output --partial "is an image ID, which names no repository"
  run -125 npush --format v2s1 "$id" "$REGISTRY/x:1"
  assert_output --partial "not supported"
  run -125 npush --format foo "$id" "$REGISTRY/x:1"
  assert_output "Error: unknown format \"foo\". Choose one of the supported formats: 'oci' or 'v2s2'"
  run -125 npush --creds ":pw" "$id" "$REGISTRY/x:1"
  assert_output --partial "Error: --creds"
  run -125 npush --creds "user" "$id" "$REGISTRY/x:1"
  assert_output --partial "Error: --creds"
  run -125 n push
  assert_output --partial "Error: "
  # A registry that is not there: the reason, exit 125, nothing pushed.
  run -125 npush "$id" "127.0.0.1:1/x:1"
  [ "${#lines[@]}" -le 2 ]
  assert_line --regexp '^Error: .*127\.0\.0\.1'
}

@test "login/logout: conflicting or missing inputs are refused" {
  run -125 n login --authfile "$AUTHFILE" -u tester -p s3cret --password-stdin "$AUTH_REGISTRY" </dev/null
  assert_output "Error: Can't specify both --password-stdin and --password"
  run -125 n login --authfile "$AUTHFILE" --password-stdin "$AUTH_REGISTRY" <<<"s3cret"
  assert_output "Error: Must provide --username with --password-stdin"
  # No terminal to ask on.
  run -125 n login --authfile "$AUTHFILE" --tls-verify=false "$AUTH_REGISTRY" </dev/null
  assert_output --partial "Error: getting username and password: reading username: stdin is not a terminal"
  run -125 n login --authfile "$AUTHFILE" --tls-verify=false -u tester "$AUTH_REGISTRY" </dev/null
  assert_output --partial "Error: getting username and password: reading password: stdin is not a terminal"
  run -125 n login --authfile "$AUTHFILE" --tls-verify=false -u 'a:b' -p x "$AUTH_REGISTRY"
  assert_output --partial "must not contain ':'"
  run -125 n login --authfile "$AUTHFILE" --tls-verify=false -u tester -p s3cret "docker://$AUTH_REGISTRY"
  assert_output "Error: invalid registry \"docker://$AUTH_REGISTRY\""
  run -125 n login --authfile "$AUTHFILE" --tls-verify=false -u tester -p s3cret 127.0.0.1:1
  assert_output --partial 'Error: authenticating creds for "127.0.0.1:1": '
  assert [ ! -e "$AUTHFILE" ]
  run -125 n logout --authfile "$AUTHFILE" "$AUTH_REGISTRY"
  assert_output "Error: checking authfile: stat $AUTHFILE: no such file or directory"
  echo '{}' >"$AUTHFILE"
  run -125 n logout --authfile "$AUTHFILE" "$AUTH_REGISTRY"
  assert_output "Error: not logged into $AUTH_REGISTRY"
  run -125 n logout --authfile "$AUTHFILE" --all "$AUTH_REGISTRY"
  assert_output "Error: --all takes no arguments"
  run -125 n logout --authfile "$AUTHFILE" "bad reg!"
  assert_output --partial 'Error: invalid registry "bad reg!"'
}
