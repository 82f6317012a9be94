# shellcheck shell=bash
# docker-registry instances with their own configuration (basic auth, TLS,
# client certificates), beside the plain one of start_registry. Load after
# helpers:  load helpers; load registry_helpers
#
#   start_registry_with NAME STORAGE SCHEME CONFIG_TAIL [CURL_ARGS...]
#       a docker-registry on a free 127.0.0.1 port storing in STORAGE; CONFIG_TAIL
#       is YAML appended after "http:\n  addr: ...\n  secret: ..." (so it may
#       add indented http keys such as tls:, then top-level keys such as
#       auth:). It is ready once SCHEME://ADDR/v2/ answers any HTTP status to
#       curl with CURL_ARGS. Prints 127.0.0.1:PORT.
#   stop_registry_with NAME
#   make_test_ca DIR                  DIR/ca.crt, DIR/ca.key: a throwaway CA
#   make_test_cert CA_DIR OUT_BASE SUBJECT_CN [SAN]
#                                     OUT_BASE.crt/.key signed by that CA (SAN
#                                     e.g. "IP:127.0.0.1,DNS:localhost")

_registry_dir() { echo "$BATS_FILE_TMPDIR/registry-$1"; }

start_registry_with() {
  local name=$1 storage=$2 scheme=$3 tail=$4
  shift 4
  local dir port i j pid code
  dir=$(_registry_dir "$name")
  mkdir -p "$dir" "$storage"
  for ((i = 0; i < 10; i++)); do
    port=$((20000 + (RANDOM % 20000)))
    # Something else answers there: try another port.
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then continue; fi
    cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $storage
http:
  addr: 127.0.0.1:$port
  secret: nook-test-secret
$tail
EOF
    # fd 3 closed: bats waits for every holder of its fd 3.
    docker-registry serve "$dir/config.yml" </dev/null >"$dir/registry.log" 2>&1 3>&- &
    pid=$!
    echo "$pid" >"$dir/pid"
    for ((j = 0; j < 100; j++)); do
      kill -0 "$pid" 2>/dev/null || break
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$scheme://127.0.0.1:$port/v2/") || true
      if [ -n "$code" ] && [ "$code" != 000 ]; then
        echo "127.0.0.1:$port"
        return 0
      fi
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  echo "start_registry_with $name: no registry came up: $(tail -n 5 "$dir/registry.log")" >&2
  return 1
}

stop_registry_with() {
  local pid i
  pid=$(cat "$(_registry_dir "$1")/pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

make_test_ca() {
  mkdir -p "$1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=nook test CA" -keyout "$1/ca.key" -out "$1/ca.crt" 2>/dev/null
}

make_test_cert() {
  local ca=$1 out=$2 cn=$3 san=${4:-}
  local ext=$out.ext
  {
    echo "basicConstraints=CA:FALSE"
    [ -z "$san" ] || echo "subjectAltName=$san"
  } >"$ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=$cn" -keyout "$out.key" -out "$out.csr" 2>/dev/null
  openssl x509 -req -in "$out.csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -CAcreateserial \
    -days 2 -extfile "$ext" -out "$out.crt" 2>/dev/null
  rm -f "$out.csr" "$ext"
}
