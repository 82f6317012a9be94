#pragma once
// Platforms ("linux/arm64/v8") as the image spec names them (Go's GOOS and
// GOARCH), what this machine is, and which entry of a manifest list to pull
// for it. Normalisation follows containerd's platforms package (aarch64 →
// arm64, x86_64 → amd64, arm without variant → arm/v7, amd64/v1 → amd64)
// except that an arm64 without variant is written arm64/v8, as podman
// reports it. The error messages are podman's.
#include <string>
#include <string_view>

#include "image/manifest.hpp"

namespace nook::image {

// This machine: os "linux", uname(2)'s machine mapped by platform_from_machine.
Platform current_platform();
// A uname machine name as a Linux platform: x86_64 → amd64, i686 → 386,
// aarch64 → arm64/v8, armv7l → arm/v7, armv6l → arm/v6, armv8l → arm/v8,
// ppc64le, s390x, riscv64, loongarch64 → loong64, mips*; anything else
// becomes the architecture as it is (lowercase).
Platform platform_from_machine(std::string_view machine);

// "os/arch" or "os/arch/variant" (podman's --platform), normalised. Throws
// nook::Error `invalid platform syntax for "…" (use OS/ARCH[/VARIANT])`, or
// names the component that is empty or has characters outside [A-Za-z0-9_.-].
Platform parse_platform(std::string_view text);

// Canonical form (see the top of this file); os_version and os_features are
// kept as they are.
Platform normalize_platform(Platform p);

// "os/arch[/variant]" (no os.version, no features).
std::string format_platform(const Platform& p);

// Whether an image built for `have` runs where `want` is asked: same OS and
// architecture (after normalisation) and `have`'s variant is `want`'s or an
// older one the CPU also runs (arm/v7 runs v6 and v5, arm64/v8.2 runs
// v8.1 and v8, amd64/v3 runs v2 and v1), or `have` names no variant at all.
// Unlike docker, no 32-bit fallback (amd64 → 386, arm64 → arm): the kernel
// may lack the compat mode, and podman does not do it either.
bool platform_matches(const Platform& want, const Platform& have);

// Entries that are not images: buildx attestations (annotation
// vnd.docker.reference.type=attestation-manifest, platform unknown/unknown).
bool is_attestation(const Descriptor& d);

// The entry to pull for `want`: among entries with a platform that matches,
// that are image manifests or indexes and not attestations, the closest
// variant wins (exact first); ties go to the first in the list. Throws
// nook::Error `no image found in manifest list for architecture "arm64",
// variant "v8", OS "linux"` followed by the platforms the list has.
const Descriptor& choose_manifest(const ImageIndex& index, const Platform& want);

}  // namespace nook::image
