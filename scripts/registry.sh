#!/usr/bin/env bash
# A throwaway local image registry (Debian's docker-registry, the CNCF
# distribution server) on 127.0.0.1, runnable as any unprivileged user, plus a
# curl client for it: push an OCI image layout, pull one back.
#
#   registry.sh start [STORAGE_DIR]       start; prints 127.0.0.1:PORT
#   registry.sh stop                      stop and remove its state (and default storage)
#   registry.sh status                    prints 127.0.0.1:PORT if running, else exits 1
#   registry.sh push OCI_DIR REPO:TAG     upload blobs and manifest; prints the manifest digest
#   registry.sh pull REPO[:TAG|@DIGEST] OUTDIR
#                                         download into an OCI image layout, every digest
#                                         checked; prints the manifest digest
#
# NOOK_REGISTRY_PORT   port (default 5000)
# NOOK_REGISTRY_DIR    config, pid, log and default storage (default
#                      $XDG_RUNTIME_DIR/nook-registry-PORT, or /tmp/nook-registry-UID-PORT)
# For a registry with auth or TLS (start only):
# NOOK_REGISTRY_CONFIG_TAIL  YAML appended after "http:\n  addr:\n  secret:" (indented
#                      http keys such as tls:, then top-level keys such as auth:)
# NOOK_REGISTRY_SCHEME https for a TLS registry (default http)
# NOOK_REGISTRY_CURL_ARGS    curl options for the readiness probe (--cacert ...);
#                      with a config tail any HTTP answer counts as ready (auth: 401)
set -euo pipefail

port=${NOOK_REGISTRY_PORT:-5000}
host=127.0.0.1:$port
if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -w "${XDG_RUNTIME_DIR:-}" ]; then
  default_dir=$XDG_RUNTIME_DIR/nook-registry-$port
else
  default_dir=${TMPDIR:-/tmp}/nook-registry-$(id -u)-$port
fi
dir=${NOOK_REGISTRY_DIR:-$default_dir}
manifest_type=application/vnd.oci.image.manifest.v1+json
index_type=application/vnd.oci.image.index.v1+json
docker_manifest_type=application/vnd.docker.distribution.manifest.v2+json
docker_list_type=application/vnd.docker.distribution.manifest.list.v2+json

die() {
  echo "registry.sh: $*" >&2
  exit 1
}
usage() {
  sed -n '/^#   registry.sh start/,/^#$/p' "$0" | sed 's/^#//' >&2
  exit 2
}

# Prints the registry's pid if the process recorded in $dir is alive and is a registry.
running_pid() {
  local pid
  pid=$(cat "$dir/registry.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q docker-registry || return 1
  echo "$pid"
}

cmd_start() {
  local storage=${1:-$dir/storage} pid i
  command -v docker-registry >/dev/null || die "docker-registry not found (apt-get install docker-registry)"
  if running_pid >/dev/null; then
    echo "$host"
    return
  fi
  # Another server on the port would answer our readiness probe; refuse instead.
  if curl -s -o /dev/null --max-time 2 "http://$host/"; then
    die "something already listens on $host (set NOOK_REGISTRY_PORT)"
  fi
  mkdir -p "$dir" "$storage"
  storage=$(cd "$storage" && pwd)
  local config_tail=${NOOK_REGISTRY_CONFIG_TAIL:-} scheme=${NOOK_REGISTRY_SCHEME:-http} want=200 code
  local -a probe
  read -ra probe <<<"${NOOK_REGISTRY_CURL_ARGS:-}"
  [ -z "$config_tail" ] || want=any
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $storage
  delete:
    enabled: true
http:
  addr: $host
  secret: $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
$config_tail
EOF
  # fd 3 closed: bats waits for every holder of its fd 3 before finishing a test.
  docker-registry serve "$dir/config.yml" </dev/null >"$dir/registry.log" 2>&1 3>&- &
  pid=$!
  echo "$pid" >"$dir/registry.pid"
  for ((i = 0; i < 100; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$dir/registry.pid"
      die "docker-registry exited at start: $(tail -n 5 "$dir/registry.log")"
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${probe[@]}" "$scheme://$host/v2/") || true
    if [ "$code" = 200 ] || { [ "$want" = any ] && [ -n "$code" ] && [ "$code" != 000 ]; }; then
      echo "$host"
      return
    fi
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  die "docker-registry did not answer on $scheme://$host/v2/ within 10s: $(tail -n 5 "$dir/registry.log")"
}

cmd_stop() {
  local pid i
  if pid=$(running_pid); then
    kill "$pid"
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}

cmd_status() {
  running_pid >/dev/null || die "not running (state in $dir)"
  echo "$host"
}

# http METHOD URL EXPECTED_CODE [curl args...]: the response body lands in
# $tmp/body and its headers in $tmp/headers; any other status code is fatal.
http() {
  local method=$1 url=$2 expect=$3 code
  shift 3
  code=$(curl -sS -X "$method" -D "$tmp/headers" -o "$tmp/body" -w '%{http_code}' "$@" "$url") ||
    die "$method $url: curl failed"
  [ "$code" = "$expect" ] || die "$method $url: HTTP $code (expected $expect): $(head -c 500 "$tmp/body")"
}
header() { sed -n "s/^$1: *//Ip" "$tmp/headers" | tr -d '\r' | tail -n 1; }
sha256_of() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }

# Splits REPO:TAG or REPO@DIGEST into $repo and $ref, validating both.
parse_reference() {
  local arg=$1
  if [[ $arg == *@* ]]; then
    repo=${arg%%@*} ref=${arg#*@}
    [[ $ref =~ ^sha256:[0-9a-f]{64}$ ]] || die "bad digest in '$arg'"
  elif [[ ${arg##*/} == *:* ]]; then
    repo=${arg%:*} ref=${arg##*:}
  else
    repo=$arg ref=latest
  fi
  [[ $repo =~ ^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$ ]] ||
    die "bad repository name '$repo' (lower-case path components, no host)"
  [[ $ref == sha256:* || $ref =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "bad tag '$ref'"
}

cmd_push() {
  [ $# -eq 2 ] || usage
  local layout=$1 repo ref desc manifest mtype digest loc sep got
  parse_reference "$2"
  [[ $ref != sha256:* ]] || die "push needs REPO:TAG, not a digest"
  [ -f "$layout/oci-layout" ] && [ -f "$layout/index.json" ] || die "$layout is not an OCI image layout"
  # The manifest named TAG in the index, or the only one there is.
  desc=$(jq -ce --arg t "$ref" '.manifests as $m
    | ([$m[] | select(.annotations["org.opencontainers.image.ref.name"] == $t)] | first)
      // (if ($m | length) == 1 then $m[0] else empty end)' "$layout/index.json") ||
    die "$layout/index.json has no manifest named '$ref' and more than one manifest"
  digest=$(jq -r .digest <<<"$desc")
  mtype=$(jq -r '.mediaType // empty' <<<"$desc")
  manifest=$layout/blobs/${digest/://}
  [ -f "$manifest" ] || die "missing blob $manifest"
  [ "$(sha256_of "$manifest")" = "$digest" ] || die "$manifest does not match its digest"
  mtype=${mtype:-$(jq -r '.mediaType // empty' "$manifest")}
  mtype=${mtype:-$manifest_type}
  [ "$mtype" = "$manifest_type" ] || [ "$mtype" = "$docker_manifest_type" ] ||
    die "push handles image manifests only, not $mtype"

  local blob_digest blob
  for blob_digest in $(jq -r '.config.digest, .layers[].digest' "$manifest"); do
    blob=$layout/blobs/${blob_digest/://}
    [ -f "$blob" ] || die "missing blob $blob"
    [ "$(sha256_of "$blob")" = "$blob_digest" ] || die "$blob does not match its digest"
    code=$(curl -s -o /dev/null -w '%{http_code}' -I "http://$host/v2/$repo/blobs/$blob_digest")
    [ "$code" = 200 ] && continue
    http POST "http://$host/v2/$repo/blobs/uploads/" 202
    loc=$(header Location)
    [ -n "$loc" ] || die "registry gave no upload Location"
    [[ $loc == http* ]] || loc=http://$host$loc
    sep='?'
    [[ $loc == *\?* ]] && sep='&'
    http PUT "$loc${sep}digest=${blob_digest/:/%3A}" 201 \
      -H 'Content-Type: application/octet-stream' --data-binary "@$blob"
  done
  http PUT "http://$host/v2/$repo/manifests/$ref" 201 -H "Content-Type: $mtype" --data-binary "@$manifest"
  got=$(header Docker-Content-Digest)
  [ "$got" = "$digest" ] || die "registry stored the manifest as '$got', expected $digest"
  # Read it back: the registry must now serve exactly these bytes under the tag.
  http GET "http://$host/v2/$repo/manifests/$ref" 200 -H "Accept: $mtype"
  [ "$(sha256_of "$tmp/body")" = "$digest" ] || die "GET $repo:$ref returned different bytes"
  echo "$digest"
}

# The manifest just fetched hashes to the digest asked for (by digest) or to
# the one the registry says it served (by tag).
check_served_manifest() {
  local digest served
  digest=$(sha256_of "$tmp/body")
  if [[ $ref == sha256:* ]]; then
    [ "$digest" = "$ref" ] || die "manifest $ref: content hashes to $digest"
  fi
  served=$(header Docker-Content-Digest)
  [ -z "$served" ] || [ "$served" = "$digest" ] || die "manifest hashes to $digest, registry says $served"
}

cmd_pull() {
  [ $# -eq 2 ] || usage
  local repo ref out=$2 accept digest mtype arch work blob_digest name
  parse_reference "$1"
  name=$ref
  [[ $name != sha256:* ]] || name=
  if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then die "$out exists and is not empty"; fi
  accept="Accept: $manifest_type, $docker_manifest_type, $index_type, $docker_list_type"
  http GET "http://$host/v2/$repo/manifests/$ref" 200 -H "$accept"
  check_served_manifest
  mtype=$(header Content-Type)
  if [ "$mtype" = "$index_type" ] || [ "$mtype" = "$docker_list_type" ]; then
    arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
    ref=$(jq -r --arg a "$arch" \
      '[.manifests[] | select(.platform.os == "linux" and .platform.architecture == $a)][0].digest // empty' "$tmp/body")
    [ -n "$ref" ] || die "$1 has no linux/$arch image"
    http GET "http://$host/v2/$repo/manifests/$ref" 200 -H "$accept"
    check_served_manifest
    mtype=$(header Content-Type)
  fi
  digest=$(sha256_of "$tmp/body")
  mkdir -p "$(dirname "$out")"
  work=$(mktemp -d "$out.tmp.XXXXXX")
  mkdir -p "$work/blobs/sha256"
  cp "$tmp/body" "$work/blobs/${digest/://}"
  for blob_digest in $(jq -r '.config.digest, .layers[].digest' "$tmp/body"); do
    # Blobs may redirect to a storage backend.
    curl -sSfL -o "$work/blobs/${blob_digest/://}" "http://$host/v2/$repo/blobs/$blob_digest" ||
      { rm -rf "$work"; die "GET blob $blob_digest failed"; }
    [ "$(sha256_of "$work/blobs/${blob_digest/://}")" = "$blob_digest" ] ||
      { rm -rf "$work"; die "blob $blob_digest: content does not match its digest"; }
  done
  jq -n -c --arg d "$digest" --arg t "$mtype" --argjson s "$(stat -c %s "$tmp/body")" \
    --arg name "$name" '{
    schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{mediaType: $t, digest: $d, size: $s}
      + (if $name == "" then {} else {annotations: {"org.opencontainers.image.ref.name": $name}} end)]
  }' >"$work/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$work/oci-layout"
  mv -T "$work" "$out"
  echo "$digest"
}

[ $# -ge 1 ] || usage
command=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case $command in
  start) cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  push) cmd_push "$@" ;;
  pull) cmd_pull "$@" ;;
  *) usage ;;
esac
