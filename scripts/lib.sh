# shellcheck shell=bash
# Shared by scripts/test.sh, scripts/demo.sh and scripts/setup-test-user.sh.
# Source it; it defines functions and a few variables and runs nothing.

# The unprivileged account every test and the demo run as.
NOOK_TEST_USER=${NOOK_TEST_USER:-nooktest}
NOOK_SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NOOK_REPO_DIR=$(cd "$NOOK_SCRIPTS_DIR/.." && pwd)

nook_log() { printf '==> %s\n' "$*" >&2; }
nook_die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

nook_require_root() {
  [ "$(id -u)" -eq 0 ] || nook_die "$(basename "$0") must run as root (try: sudo $0)"
}

# Runs a command as the test user with nothing of root's environment.
nook_as_test_user() {
  local uid home
  uid=$(id -u "$NOOK_TEST_USER") || nook_die "user $NOOK_TEST_USER missing: run scripts/setup-test-user.sh first"
  home=$(getent passwd "$NOOK_TEST_USER" | cut -d: -f6)
  (cd / && runuser -u "$NOOK_TEST_USER" -- env -i HOME="$home" USER="$NOOK_TEST_USER" \
    LOGNAME="$NOOK_TEST_USER" SHELL=/bin/bash LANG=C.UTF-8 \
    PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin \
    XDG_RUNTIME_DIR="/run/user/$uid" "$@")
}

# True when the test user can read every file of the tree (a checkout under
# /root or made with umask 077 is not).
nook_readable_by_test_user() {
  local dir=$1 unreadable
  unreadable=$(nook_as_test_user find "$dir" \( -name .git -o -name 'build*' \) -prune \
    -o ! -readable -print -quit 2>&1) || return 1
  [ -z "$unreadable" ]
}

# Prints a source directory the test user can read: the checkout itself, or a
# copy of its files in $NOOK_SOURCE_COPY (default /var/tmp/nook-src).
nook_prepare_source() {
  local src=$1 dst=${NOOK_SOURCE_COPY:-/var/tmp/nook-src}
  if nook_readable_by_test_user "$src"; then
    printf '%s\n' "$src"
    return
  fi
  nook_log "source tree $src is not readable by $NOOK_TEST_USER; copying it to $dst"
  if [ -e "$dst" ]; then
    # Only ever delete a directory this function made.
    [ -e "$dst/.nook-source-copy" ] || nook_die "$dst exists and is not a nook source copy; remove it or set NOOK_SOURCE_COPY"
    rm -rf "$dst"
  fi
  mkdir -p "$dst"
  if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked plus untracked-but-not-ignored files: what a developer is working on, without build trees.
    git -C "$src" ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' f; do
        if [ -e "$src/$f" ] || [ -L "$src/$f" ]; then printf '%s\0' "$f"; fi
      done |
      tar -C "$src" --null -T - -cf - | tar -C "$dst" -xf -
  else
    tar -C "$src" --exclude=./.git --exclude='./build*' -cf - . | tar -C "$dst" -xf -
  fi
  touch "$dst/.nook-source-copy"
  chmod -R a+rX "$dst"
  printf '%s\n' "$dst"
}

# Configures and builds SRC into BUILD and makes the result readable by the test user.
nook_build() {
  local src=$1 build=$2 cached
  if [ -f "$build/CMakeCache.txt" ]; then
    cached=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")
    if [ "$cached" != "$src" ]; then
      nook_log "build dir $build was configured for $cached; starting it afresh for $src"
      rm -rf "$build"
    fi
  fi
  mkdir -p "$build"
  nook_log "configuring $src into $build"
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  nook_log "building"
  cmake --build "$build"
  chmod -R a+rX "$build"
  nook_as_test_user test -r "$build/CTestTestfile.cmake" ||
    nook_die "build dir $build is not readable by $NOOK_TEST_USER (is a parent directory private?); set NOOK_BUILD_DIR elsewhere"
}

# install-deps, test user, readable source, build. Sets NOOK_SRC and NOOK_BUILD.
nook_prepare_all() {
  nook_require_root
  umask 022
  nook_log "installing packages"
  "$NOOK_SCRIPTS_DIR/install-deps.sh"
  nook_log "setting up test user $NOOK_TEST_USER"
  "$NOOK_SCRIPTS_DIR/setup-test-user.sh"
  NOOK_SRC=$(nook_prepare_source "$NOOK_REPO_DIR")
  NOOK_BUILD=${NOOK_BUILD_DIR:-/var/tmp/nook-build}
  nook_build "$NOOK_SRC" "$NOOK_BUILD"
}
