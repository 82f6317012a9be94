#!/usr/bin/env bash
# Builds nook and runs every test, from a fresh Debian 12, as root:
#   sudo ./scripts/test.sh [ctest arguments...]
# Installs the packages, prepares the unprivileged test user (the integration
# tests run as it, never as root), builds into $NOOK_BUILD_DIR (default
# /var/tmp/nook-build, which the test user can read) and runs ctest there.
# Examples:  sudo ./scripts/test.sh -L unit
#            sudo ./scripts/test.sh -R integration.harness -V
# Exits with ctest's status.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
nook_prepare_all
cd "$NOOK_BUILD"
nook_log "running ctest in $NOOK_BUILD"
status=0
ctest --output-on-failure "$@" || status=$?
exit "$status"
