#!/usr/bin/env bats
# shellcheck disable=SC2154  # bats sets $output, $lines and $stderr
# nook pull / push / login over TLS, as the unprivileged user, against real
# docker-registry instances on 127.0.0.1 serving https with certificates the
# test makes: a CA the system does not know, a server certificate for
# 127.0.0.1 and localhost, and a registry that also wants a client
# certificate. Certificates are found where podman looks: --cert-dir, or
# ~/.config/containers/certs.d/HOST:PORT/ (ca.crt, client.cert, client.key).

load helpers
load image_helpers
load registry_helpers

setup_file() {
  start_registry
  registry push "$(busybox_image)" busybox:latest >"$BATS_FILE_TMPDIR/busybox.digest"
  local pki=$BATS_FILE_TMPDIR/pki
  make_test_ca "$pki"
  make_test_cert "$pki" "$pki/server" 127.0.0.1 "IP:127.0.0.1,DNS:localhost"
  make_test_cert "$pki" "$pki/client" nooktest
  # Another CA, for a client certificate the registry must not accept.
  make_test_ca "$pki/other"
  make_test_cert "$pki/other" "$pki/other/client" intruder
  # Both serve the plain registry's storage: what it holds, they hold.
  local storage=$NOOK_REGISTRY_DIR/storage
  TLS_REGISTRY=$(start_registry_with tls "$storage" https "  tls:
    certificate: $pki/server.crt
    key: $pki/server.key" --cacert "$pki/ca.crt")
  MTLS_REGISTRY=$(start_registry_with mtls "$storage" https "  tls:
    certificate: $pki/server.crt
    key: $pki/server.key
    clientcas:
      - $pki/ca.crt" --cacert "$pki/ca.crt" --cert "$pki/client.crt" --key "$pki/client.key")
  export TLS_REGISTRY MTLS_REGISTRY PKI=$pki
}

teardown_file() {
  stop_registry_with tls
  stop_registry_with mtls
  stop_registry
}

setup() {
  nook_setup
  export STORE=$BATS_TEST_TMPDIR/store
  # A home of the test's own: certs.d and registries.conf are read from it.
  export TEST_HOME=$BATS_TEST_TMPDIR/home
  mkdir -p "$TEST_HOME"
  BUSYBOX_DIGEST=$(cat "$BATS_FILE_TMPDIR/busybox.digest")
}

teardown() {
  [ ! -d "$STORE" ] || n system reset --force >/dev/null 2>&1 || true
  nook_teardown
}

n() {
  env HOME="$TEST_HOME" XDG_CONFIG_HOME= CONTAINERS_REGISTRIES_CONF= \
    "$NOOK" --root "$STORE" "$@"
}

# A directory holding what FILES name, as podman's certs.d wants them.
cert_dir() {
  local dir=$1
  shift
  mkdir -p "$dir"
  while [ $# -gt 0 ]; do
    cp "$1" "$dir/$2"
    shift 2
  done
}

# assert_pull_refused (exit 125, nothing on stdout, one "Error: " line
# matching REGEX), and with -q that line is all of stderr.
assert_refused() {
  assert_pull_refused "$1"
  [ "$(grep -c . <<<"$stderr")" = 1 ] || fail "expected one line on stderr, got: $stderr"
}

@test "an https registry with an unknown CA is refused: a clear certificate error, nothing stored" {
  run --separate-stderr n pull -q "$TLS_REGISTRY/busybox"
  assert_refused "certificate"
  [[ $stderr == *"$TLS_REGISTRY"* ]]
  run -1 n image exists "$TLS_REGISTRY/busybox"
}

@test "pull --cert-dir with the CA: the image, digest as served" {
  cert_dir "$BATS_TEST_TMPDIR/certs" "$PKI/ca.crt" ca.crt
  run -0 n pull -q --cert-dir "$BATS_TEST_TMPDIR/certs" "$TLS_REGISTRY/busybox"
  run -0 n image inspect --format '{{.Digest}}' "$TLS_REGISTRY/busybox"
  assert_output "$BUSYBOX_DIGEST"
}

@test "the CA in ~/.config/containers/certs.d/HOST:PORT/ is used without flags, for that registry only" {
  cert_dir "$TEST_HOME/.config/containers/certs.d/$TLS_REGISTRY" "$PKI/ca.crt" ca.crt
  run -0 n pull -q "$TLS_REGISTRY/busybox"
  # The same server under its other name (localhost:PORT) is another
  # registry to certs.d: no CA there.
  local other=localhost:${TLS_REGISTRY##*:}
  run --separate-stderr n pull -q "$other/busybox"
  assert_refused "certificate"
  # $XDG_CONFIG_HOME moves the directory, as for podman.
  mkdir -p "$TEST_HOME/xdg/containers"
  mv "$TEST_HOME/.config/containers/certs.d" "$TEST_HOME/xdg/containers/"
  run -0 env HOME="$TEST_HOME" XDG_CONFIG_HOME="$TEST_HOME/xdg" "$NOOK" --root "$STORE" \
    pull -q "$TLS_REGISTRY/busybox"
}

@test "a certificate for another host is refused even with the CA" {
  local pki=$BATS_TEST_TMPDIR/pki
  cp -r "$PKI" "$pki"
  make_test_cert "$pki" "$pki/wrong" registry.example "DNS:registry.example"
  local addr
  addr=$(start_registry_with wrong "$BATS_TEST_TMPDIR/wrong-storage" https "  tls:
    certificate: $pki/wrong.crt
    key: $pki/wrong.key" -k)
  cert_dir "$BATS_TEST_TMPDIR/certs" "$PKI/ca.crt" ca.crt
  run --separate-stderr n pull -q --cert-dir "$BATS_TEST_TMPDIR/certs" "$addr/busybox"
  stop_registry_with wrong
  assert_refused "$addr"
  [[ $stderr =~ certificate|host ]]
}

@test "--tls-verify=false pulls over https without the CA (no fallback to plain http needed)" {
  run -0 n pull -q --tls-verify=false "$TLS_REGISTRY/busybox"
  run -0 n image inspect --format '{{.Digest}}' "$TLS_REGISTRY/busybox"
  assert_output "$BUSYBOX_DIGEST"
}

@test "insecure = true in registries.conf pulls over https without the CA" {
  mkdir -p "$TEST_HOME/.config/containers"
  cat >"$TEST_HOME/.config/containers/registries.conf" <<EOF
[[registry]]
location = "$TLS_REGISTRY"
insecure = true
EOF
  run -0 n pull -q "$TLS_REGISTRY/busybox"
  # Not for the other name of the same server.
  run --separate-stderr n pull -q "localhost:${TLS_REGISTRY##*:}/busybox"
  assert_refused "certificate"
}

@test "a registry wanting a client certificate: refused without, pulled with client.cert/client.key" {
  cert_dir "$BATS_TEST_TMPDIR/ca-only" "$PKI/ca.crt" ca.crt
  run --separate-stderr n pull -q --cert-dir "$BATS_TEST_TMPDIR/ca-only" "$MTLS_REGISTRY/busybox"
  assert_refused "$MTLS_REGISTRY.*refused the client certificate, or wants one: NAME.cert and NAME.key in"
  # A client certificate from a CA the registry does not trust.
  cert_dir "$BATS_TEST_TMPDIR/intruder" "$PKI/ca.crt" ca.crt \
    "$PKI/other/client.crt" client.cert "$PKI/other/client.key" client.key
  run --separate-stderr n pull -q --cert-dir "$BATS_TEST_TMPDIR/intruder" "$MTLS_REGISTRY/busybox"
  assert_refused "$MTLS_REGISTRY.*refused the client certificate, or wants one: NAME.cert and NAME.key in"
  cert_dir "$BATS_TEST_TMPDIR/client" "$PKI/ca.crt" ca.crt \
    "$PKI/client.crt" client.cert "$PKI/client.key" client.key
  run -0 n pull -q --cert-dir "$BATS_TEST_TMPDIR/client" "$MTLS_REGISTRY/busybox"
  run -0 n image inspect --format '{{.Digest}}' "$MTLS_REGISTRY/busybox"
  assert_output "$BUSYBOX_DIGEST"
}

@test "a client certificate without its key is a clear error" {
  cert_dir "$BATS_TEST_TMPDIR/client" "$PKI/ca.crt" ca.crt "$PKI/client.crt" client.cert
  run --separate-stderr n pull -q --cert-dir "$BATS_TEST_TMPDIR/client" "$MTLS_REGISTRY/busybox"
  assert_refused "client.cert.*client.key"
}

@test "a --cert-dir that does not exist is an error naming it" {
  run --separate-stderr n pull -q --cert-dir "$BATS_TEST_TMPDIR/missing" "$TLS_REGISTRY/busybox"
  assert_refused "--cert-dir $BATS_TEST_TMPDIR/missing: No such file or directory"
}

@test "a malformed ca.crt is an error naming the file, not a silent fallback" {
  mkdir -p "$BATS_TEST_TMPDIR/bad"
  echo "not a certificate" >"$BATS_TEST_TMPDIR/bad/ca.crt"
  run --separate-stderr n pull -q --cert-dir "$BATS_TEST_TMPDIR/bad" "$TLS_REGISTRY/busybox"
  assert_refused "$BATS_TEST_TMPDIR/bad/ca.crt: no CA certificate could be read from it"
}

@test "push and login over TLS with the CA in certs.d" {
  cert_dir "$TEST_HOME/.config/containers/certs.d/$TLS_REGISTRY" "$PKI/ca.crt" ca.crt
  run -0 n pull -q "$TLS_REGISTRY/busybox"
  run -0 n tag "$TLS_REGISTRY/busybox" "$TLS_REGISTRY/tls/copy:1"
  run -0 n push -q "$TLS_REGISTRY/tls/copy:1"
  # It landed: the plain registry shares the storage.
  run -0 curl -sSf -o /dev/null "http://$REGISTRY/v2/tls/copy/manifests/1" \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json'
  # The open registry takes any login; nook checks it against /v2/ over TLS.
  run -0 n login --authfile "$BATS_TEST_TMPDIR/auth.json" -u anyone -p anything "$TLS_REGISTRY"
  assert_output "Login Succeeded!"
  run --separate-stderr n login --authfile "$BATS_TEST_TMPDIR/auth2.json" -u anyone -p anything \
    "localhost:${TLS_REGISTRY##*:}"
  assert_refused "certificate"
  [ ! -e "$BATS_TEST_TMPDIR/auth2.json" ]
}

@test "the certificate error says where the CA goes, and is not retried" {
  local log before
  log=$(_registry_dir tls)/registry.log
  before=$(grep -c "TLS handshake error" "$log" || true)
  run --separate-stderr n pull -q "$TLS_REGISTRY/busybox"
  assert_refused "certs.d/$TLS_REGISTRY/ca.crt or use --cert-dir"
  # One handshake: retrying cannot make the certificate verify.
  [ "$(grep -c "TLS handshake error" "$log")" = $((before + 1)) ]
}
