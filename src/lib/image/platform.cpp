#include "image/platform.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <vector>

#include "oci/json_path.hpp"
#include "sys/error.hpp"

namespace nook::image {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "v7" → 7; nullopt unless "v" and a small decimal number.
std::optional<int> version_number(std::string_view s) {
  if (s.size() < 2 || s[0] != 'v' || s.size() > 4 || !all_digits(s.substr(1))) return std::nullopt;
  int n = 0;
  std::from_chars(s.data() + 1, s.data() + s.size(), n);
  return n;
}

// arm64 variants: "v8", "v8.2", "v9.1" → {major, minor}.
std::optional<std::pair<int, int>> arm64_version(std::string_view s) {
  auto dot = s.find('.');
  auto major = version_number(s.substr(0, dot));
  if (!major) return std::nullopt;
  if (dot == std::string_view::npos) return std::pair{*major, 0};
  std::string_view minor = s.substr(dot + 1);
  if (!all_digits(minor) || minor.size() > 2) return std::nullopt;
  int m = 0;
  std::from_chars(minor.data(), minor.data() + minor.size(), m);
  return std::pair{*major, m};
}

std::string arm64_variant(int major, int minor) {
  std::string v = "v" + std::to_string(major);
  if (minor > 0) v += "." + std::to_string(minor);
  return v;
}

// The variants of want's architecture that its CPU runs, best first.
// `want` is normalised.
std::vector<std::string> variant_ladder(const Platform& want) {
  std::vector<std::string> out{want.variant};
  const std::string& arch = want.architecture;
  if (arch == "amd64") {
    // x86-64 microarchitecture levels: v3 runs v2 and the baseline ("").
    if (auto n = version_number(want.variant); n && *n >= 2 && *n <= 4) {
      for (int k = *n - 1; k >= 2; --k) out.push_back("v" + std::to_string(k));
      out.push_back("");
    }
  } else if (arch == "arm") {
    if (auto n = version_number(want.variant); n && *n > 5 && *n <= 8)
      for (int k = *n - 1; k >= 5; --k) out.push_back("v" + std::to_string(k));
  } else if (arch == "arm64") {
    // Armv9.x builds on Armv8.(x+5); each minor release runs the older ones.
    if (auto v = arm64_version(want.variant); v && (v->first == 8 || v->first == 9)) {
      auto [major, minor] = *v;
      if (major == 9) {
        for (int m = minor - 1; m >= 0; --m) out.push_back(arm64_variant(9, m));
        major = 8;
        minor += 5;
        out.push_back(arm64_variant(8, minor));
      }
      for (int m = minor - 1; m >= 0; --m) out.push_back(arm64_variant(8, m));
    }
  }
  // An entry that names no variant is the last resort (containers/image's
  // rule), for architectures where no variant is implied.
  if (std::find(out.begin(), out.end(), "") == out.end()) out.push_back("");
  return out;
}

// Position of have in want's ladder, or -1. Both normalised.
int match_rank(const Platform& want, const std::vector<std::string>& ladder, const Platform& have) {
  if (have.os != want.os || have.architecture != want.architecture) return -1;
  auto it = std::find(ladder.begin(), ladder.end(), have.variant);
  return it == ladder.end() ? -1 : static_cast<int>(it - ladder.begin());
}

bool valid_component(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-' || c == '.';
  });
}

}  // namespace

Platform platform_from_machine(std::string_view machine) {
  std::string m = lower(machine);
  Platform p;
  p.os = "linux";
  if (m == "x86_64" || m == "amd64") {
    p.architecture = "amd64";
  } else if (m == "i386" || m == "i486" || m == "i586" || m == "i686" || m == "x86") {
    p.architecture = "386";
  } else if (m == "aarch64" || m == "arm64") {
    p.architecture = "arm64";
  } else if (m == "aarch64_be") {
    p.architecture = "arm64be";
  } else if (starts_with(m, "armv") && m.size() >= 5 && m[4] >= '5' && m[4] <= '8') {
    // armv5tel, armv6l, armv7l, armv8l (32-bit userland on an arm64 kernel)
    p.architecture = "arm";
    p.variant = std::string("v") + m[4];
  } else if (m == "loongarch64") {
    p.architecture = "loong64";
  } else if (m == "mips" || m == "mips64") {
    // uname says "mips" for either byte order; the build's is the machine's.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    p.architecture = m + "le";
#else
    p.architecture = m;
#endif
  } else {
    p.architecture = m;  // ppc64le, ppc64, s390x, riscv64, ... are GOARCH names already
  }
  return normalize_platform(std::move(p));
}

Platform current_platform() {
  struct utsname u {};
  if (::uname(&u) != 0) throw_errno("uname");
  return platform_from_machine(u.machine);
}

Platform normalize_platform(Platform p) {
  p.os = lower(p.os);
  if (p.os == "macos") p.os = "darwin";
  std::string arch = lower(p.architecture);
  std::string variant = lower(p.variant);
  if (arch == "i386" || arch == "i486" || arch == "i586" || arch == "i686" || arch == "x86" ||
      arch == "386") {
    arch = "386";
    variant.clear();
  } else if (arch == "x86_64" || arch == "x86-64" || arch == "amd64") {
    arch = "amd64";
    if (variant == "v1") variant.clear();
  } else if (arch == "aarch64" || arch == "arm64") {
    arch = "arm64";
    if (variant.empty() || variant == "8") variant = "v8";
    if (variant == "v8.0") variant = "v8";
  } else if (arch == "armhf") {
    arch = "arm";
    variant = "v7";
  } else if (arch == "armel") {
    arch = "arm";
    variant = "v6";
  } else if (arch == "arm") {
    if (variant.empty()) variant = "v7";
    if (variant.size() == 1 && variant[0] >= '5' && variant[0] <= '8') variant = "v" + variant;
  }
  p.architecture = std::move(arch);
  p.variant = std::move(variant);
  return p;
}

Platform parse_platform(std::string_view text) {
  auto fail = [&](const std::string& why) -> Platform {
    throw Error("invalid platform syntax for " + oci::json_quote(text) + why);
  };
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t slash = text.find('/', start);
    parts.push_back(text.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() < 2 || parts.size() > 3) return fail(" (use OS/ARCH[/VARIANT])");
  for (auto part : parts) {
    if (part.empty()) return fail(": empty component (use OS/ARCH[/VARIANT])");
    if (!valid_component(part))
      return fail(": " + oci::json_quote(part) +
                  " is an invalid component (letters, digits, \"_\", \"-\" and \".\" only)");
  }
  Platform p;
  p.os = std::string(parts[0]);
  p.architecture = std::string(parts[1]);
  if (parts.size() == 3) p.variant = std::string(parts[2]);
  return normalize_platform(std::move(p));
}

std::string format_platform(const Platform& p) {
  std::string s = p.os + "/" + p.architecture;
  if (!p.variant.empty()) s += "/" + p.variant;
  return s;
}

bool platform_matches(const Platform& want, const Platform& have) {
  Platform w = normalize_platform(want);
  return match_rank(w, variant_ladder(w), normalize_platform(have)) >= 0;
}

bool is_attestation(const Descriptor& d) {
  auto it = d.annotations.find("vnd.docker.reference.type");
  if (it != d.annotations.end() && it->second == "attestation-manifest") return true;
  return d.platform && d.platform->os == "unknown" && d.platform->architecture == "unknown";
}

const Descriptor& choose_manifest(const ImageIndex& index, const Platform& want) {
  Platform w = normalize_platform(want);
  std::vector<std::string> ladder = variant_ladder(w);
  const Descriptor* best = nullptr;
  int best_rank = -1;
  std::vector<std::string> available;  // for the error message, in list order
  std::set<std::string> seen;
  for (const auto& d : index.manifests) {
    if (!d.platform || is_attestation(d)) continue;
    if (!is_manifest_media_type(d.media_type) && !is_index_media_type(d.media_type)) continue;
    Platform have = normalize_platform(*d.platform);
    std::string name = format_platform(have);
    if (seen.insert(name).second) available.push_back(std::move(name));
    int rank = match_rank(w, ladder, have);
    if (rank >= 0 && (best == nullptr || rank < best_rank)) {
      best = &d;
      best_rank = rank;
    }
  }
  if (best != nullptr) return *best;

  std::string msg = "no image found in manifest list for architecture " +
                    oci::json_quote(w.architecture) + ", variant " + oci::json_quote(w.variant) +
                    ", OS " + oci::json_quote(w.os);
  if (index.manifests.empty()) {
    msg += " (the manifest list is empty)";
  } else if (available.empty()) {
    msg += " (the list has no image entries)";
  } else {
    // A hostile list may name thousands of platforms; a message needs a few.
    constexpr size_t kShown = 16;
    msg += " (the list has";
    for (size_t i = 0; i < available.size() && i < kShown; ++i)
      msg += (i ? ", " : " ") + oci::json_quote(available[i]);
    if (available.size() > kShown)
      msg += " and " + std::to_string(available.size() - kShown) + " more";
    msg += ")";
  }
  throw Error(msg);
}

}  // namespace nook::image
