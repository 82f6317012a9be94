#!/usr/bin/env bash
# Installs everything nook needs to build, run and be tested on Debian 12.
# Idempotent: packages already present are skipped by apt.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: run as root (it uses apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
build=(build-essential cmake g++ pkg-config ninja-build clang clang-format
  libseccomp-dev libcap-dev libarchive-dev libcurl4-openssl-dev libssl-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libtomlplusplus-dev libsqlite3-dev
  libsubid-dev libzstd-dev libisal-dev libgtest-dev googletest)
run=(uidmap passt slirp4netns fuse-overlayfs catatonit)
# skopeo: an independent OCI client to check our fixtures and registry pushes.
test=(python3 docker-registry busybox-static podman crun runc jq curl procps util-linux
  iproute2 hyperfine bats bats-assert bats-support bats-file skopeo shellcheck git time
  attr libcap2-bin openssl ca-certificates)
missing=()
for p in "${build[@]}" "${run[@]}" "${test[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
