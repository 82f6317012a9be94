# shellcheck shell=bash
# docker-registry instances with their own configuration (basic auth, TLS,
# client certificates), beside the plain one of start_registry. Load after
# helpers:  load helpers; load registry_helpers
#
#   start_registry_with NAME STORAGE SCHEME CONFIG_TAIL [CURL_ARGS...]
#       scripts/registry.sh start on a free 127.0.0.1 port, storing in STORAGE,
#       with CONFIG_TAIL appended to its config (indented http keys such as
#       tls:, then top-level keys such as auth:); ready once SCHEME://ADDR/v2/
#       answers any HTTP status to curl with CURL_ARGS. Prints 127.0.0.1:PORT.
#   stop_registry_with NAME
#   make_test_ca DIR                  DIR/ca.crt, DIR/ca.key: a throwaway CA
#   make_test_cert CA_DIR OUT_BASE SUBJECT_CN [SAN]
#                                     OUT_BASE.crt/.key signed by that CA (SAN
#                                     e.g. "IP:127.0.0.1,DNS:localhost")

_registry_dir() { echo "$BATS_FILE_TMPDIR/registry-$1"; }

start_registry_with() {
  local name=$1 storage=$2 scheme=$3 tail=$4
  shift 4
  local i
  for ((i = 0; i < 10; i++)); do
    # registry.sh refuses a port something already answers on: try another.
    NOOK_REGISTRY_PORT=$((20000 + (RANDOM % 20000))) NOOK_REGISTRY_DIR=$(_registry_dir "$name") \
      NOOK_REGISTRY_SCHEME=$scheme NOOK_REGISTRY_CONFIG_TAIL=$tail NOOK_REGISTRY_CURL_ARGS="$*" \
      "$NOOK_SCRIPTS/registry.sh" start "$storage" && return 0
  done
  echo "start_registry_with $name: no registry came up after 10 ports" >&2
  return 1
}

stop_registry_with() {
  NOOK_REGISTRY_DIR=$(_registry_dir "$1") "$NOOK_SCRIPTS/registry.sh" stop
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
