// Platforms: uname names, --platform parsing with podman's errors,
// containerd-style normalisation and variant compatibility, and the choice
// of an entry in busybox's real manifest-list shape.
#include "image/platform.hpp"

#include <gtest/gtest.h>
#include <sys/utsname.h>

#include <string>

#include "manifest_samples.hpp"
#include "sys/error.hpp"

using namespace nook::image;
using nlohmann::json;
using nook_test::digest_of;

namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const nook::Error& e) {
    return e.what();
  }
  return "(no error)";
}

Platform P(std::string os, std::string arch, std::string variant = {}) {
  Platform p;
  p.os = std::move(os);
  p.architecture = std::move(arch);
  p.variant = std::move(variant);
  return p;
}

TEST(Platform, FromMachine) {
  struct Case {
    const char* machine;
    const char* platform;
  } cases[] = {
      {"x86_64", "linux/amd64"},     {"i686", "linux/386"},        {"i386", "linux/386"},
      {"aarch64", "linux/arm64/v8"}, {"armv7l", "linux/arm/v7"},   {"armv6l", "linux/arm/v6"},
      {"armv5tel", "linux/arm/v5"},  {"armv8l", "linux/arm/v8"},   {"ppc64le", "linux/ppc64le"},
      {"s390x", "linux/s390x"},      {"riscv64", "linux/riscv64"}, {"loongarch64", "linux/loong64"},
      {"X86_64", "linux/amd64"},     {"sparc64", "linux/sparc64"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(format_platform(platform_from_machine(c.machine)), c.platform) << c.machine;
  std::string mips = format_platform(platform_from_machine("mips64"));
  EXPECT_TRUE(mips == "linux/mips64le" || mips == "linux/mips64") << mips;
}

TEST(Platform, CurrentIsThisBuildsArchitecture) {
  Platform p = current_platform();
  EXPECT_EQ(p.os, "linux");
#if defined(__x86_64__)
  EXPECT_EQ(format_platform(p), "linux/amd64");
#elif defined(__aarch64__)
  EXPECT_EQ(format_platform(p), "linux/arm64/v8");
#elif defined(__s390x__)
  EXPECT_EQ(format_platform(p), "linux/s390x");
#else
  struct utsname u {};
  ASSERT_EQ(uname(&u), 0);
  EXPECT_EQ(p, platform_from_machine(u.machine));
#endif
}

TEST(Platform, ParseNormalises) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"linux/amd64", "linux/amd64"},      {"linux/arm64/v8", "linux/arm64/v8"},
      {"linux/arm64", "linux/arm64/v8"},   {"linux/aarch64", "linux/arm64/v8"},
      {"linux/arm64/8", "linux/arm64/v8"}, {"linux/arm64/v8.2", "linux/arm64/v8.2"},
      {"linux/x86_64", "linux/amd64"},     {"linux/x86-64", "linux/amd64"},
      {"linux/amd64/v1", "linux/amd64"},   {"linux/amd64/v3", "linux/amd64/v3"},
      {"linux/arm", "linux/arm/v7"},       {"linux/arm/7", "linux/arm/v7"},
      {"linux/arm/6", "linux/arm/v6"},     {"linux/armhf", "linux/arm/v7"},
      {"linux/armel", "linux/arm/v6"},     {"linux/i386", "linux/386"},
      {"LINUX/AMD64", "linux/amd64"},      {"Linux/ARM/V7", "linux/arm/v7"},
      {"linux/ppc64le", "linux/ppc64le"},  {"linux/riscv64", "linux/riscv64"},
      {"windows/amd64", "windows/amd64"},  {"linux/s390x", "linux/s390x"},
  };
  for (const auto& c : cases) {
    Platform p = parse_platform(c.in);
    EXPECT_EQ(format_platform(p), c.out) << c.in;
    // What format prints parses back to the same platform.
    EXPECT_EQ(parse_platform(format_platform(p)), p) << c.in;
    EXPECT_EQ(normalize_platform(p), p) << c.in;
  }
  Platform p = parse_platform("linux/arm64/v8");
  EXPECT_EQ(p.os, "linux");
  EXPECT_EQ(p.architecture, "arm64");
  EXPECT_EQ(p.variant, "v8");
}

TEST(Platform, ParseErrors) {
  EXPECT_EQ(error_of([] { parse_platform("amd64"); }),
            "invalid platform syntax for \"amd64\" (use OS/ARCH[/VARIANT])");
  EXPECT_EQ(error_of([] { parse_platform(""); }),
            "invalid platform syntax for \"\" (use OS/ARCH[/VARIANT])");
  EXPECT_EQ(error_of([] { parse_platform("linux/arm/v7/extra"); }),
            "invalid platform syntax for \"linux/arm/v7/extra\" (use OS/ARCH[/VARIANT])");
  for (const char* empty : {"linux/", "/amd64", "linux//v7", "linux/arm/", "/"})
    EXPECT_EQ(error_of([&] { parse_platform(empty); }),
              std::string("invalid platform syntax for \"") + empty +
                  "\": empty component (use OS/ARCH[/VARIANT])");
  EXPECT_EQ(error_of([] { parse_platform("linux/amd 64"); }),
            "invalid platform syntax for \"linux/amd 64\": \"amd 64\" is an invalid component "
            "(letters, digits, \"_\", \"-\" and \".\" only)");
  EXPECT_EQ(error_of([] { parse_platform("linux/amd64\n"); }),
            "invalid platform syntax for \"linux/amd64\\x0a\": \"amd64\\x0a\" is an invalid "
            "component (letters, digits, \"_\", \"-\" and \".\" only)");
  EXPECT_NE(error_of([] { parse_platform("windows(10.0)/amd64"); }).find("invalid component"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_platform("linux/arm64,linux/amd64"); }).find("invalid component"),
            std::string::npos);
}

TEST(Platform, NormaliseKeepsOsVersionAndFeatures) {
  Platform p = P("Windows", "AMD64");
  p.os_version = "10.0.17763";
  p.os_features = {"win32k"};
  Platform n = normalize_platform(p);
  EXPECT_EQ(n.os, "windows");
  EXPECT_EQ(n.architecture, "amd64");
  EXPECT_EQ(n.os_version, "10.0.17763");
  EXPECT_EQ(n.os_features, p.os_features);
}

struct MatchCase {
  const char* want;
  Platform have;
  bool matches;
};

TEST(Platform, Matches) {
  const MatchCase cases[] = {
      {"linux/amd64", P("linux", "amd64"), true},
      {"linux/amd64", P("linux", "x86_64"), true},
      {"linux/amd64", P("linux", "amd64", "v1"), true},
      {"linux/amd64", P("linux", "amd64", "v2"), false},  // needs newer CPU features
      {"linux/amd64", P("linux", "386"), false},          // no 32-bit fallback
      {"linux/amd64/v3", P("linux", "amd64", "v2"), true},
      {"linux/amd64/v3", P("linux", "amd64"), true},
      {"linux/amd64/v2", P("linux", "amd64", "v3"), false},
      {"linux/amd64", P("windows", "amd64"), false},
      {"linux/amd64", P("Linux", "AMD64"), true},
      {"linux/arm64", P("linux", "arm64", "v8"), true},
      {"linux/arm64", P("linux", "arm64"), true},
      {"linux/arm64", P("linux", "aarch64"), true},
      {"linux/arm64/v8", P("linux", "arm64", "8"), true},
      {"linux/arm64", P("linux", "arm", "v7"), false},  // aarch32 is optional
      {"linux/arm64", P("linux", "arm64", "v8.2"), false},
      {"linux/arm64/v8.2", P("linux", "arm64", "v8.1"), true},
      {"linux/arm64/v8.2", P("linux", "arm64"), true},
      {"linux/arm64/v8.2", P("linux", "arm64", "v8.3"), false},
      {"linux/arm64/v9", P("linux", "arm64", "v8.5"), true},
      {"linux/arm64/v9", P("linux", "arm64", "v8.6"), false},
      {"linux/arm64/v9.1", P("linux", "arm64", "v9"), true},
      {"linux/arm/v7", P("linux", "arm", "v7"), true},
      {"linux/arm/v7", P("linux", "arm", "v6"), true},
      {"linux/arm/v7", P("linux", "arm", "v5"), true},
      {"linux/arm/v7", P("linux", "arm"), true},  // containerd: arm means arm/v7
      {"linux/arm/v7", P("linux", "arm", "v8"), false},
      {"linux/arm/v6", P("linux", "arm", "v7"), false},
      {"linux/arm/v6", P("linux", "arm"), false},
      {"linux/arm/v6", P("linux", "armel"), true},
      {"linux/arm/v8", P("linux", "arm", "v5"), true},
      {"linux/riscv64", P("linux", "riscv64"), true},
      {"linux/riscv64/rva23", P("linux", "riscv64"), true},  // unvariant entry as last resort
      {"linux/riscv64", P("linux", "riscv64", "rva23"), false},
      {"linux/386", P("linux", "i686"), true},
  };
  for (const auto& c : cases)
    EXPECT_EQ(platform_matches(parse_platform(c.want), c.have), c.matches)
        << c.want << " vs " << format_platform(c.have);
}

// ---- choose_manifest ---------------------------------------------------------------

ImageIndex busybox() {
  return parse_image_index(nook_test::busybox_index().dump());
}

std::string chosen_arch(const ImageIndex& x, const char* want) {
  const Descriptor& d = choose_manifest(x, parse_platform(want));
  return d.annotations.at("com.docker.official-images.bashbrew.arch");
}

TEST(ChooseManifest, Busybox) {
  ImageIndex x = busybox();
  EXPECT_EQ(chosen_arch(x, "linux/amd64"), "amd64");
  EXPECT_EQ(chosen_arch(x, "linux/arm64"), "arm64v8");
  EXPECT_EQ(chosen_arch(x, "linux/arm64/v8"), "arm64v8");
  EXPECT_EQ(chosen_arch(x, "linux/arm/v7"), "arm32v7");
  EXPECT_EQ(chosen_arch(x, "linux/arm/v6"), "arm32v6");
  EXPECT_EQ(chosen_arch(x, "linux/arm/v5"), "arm32v5");
  EXPECT_EQ(chosen_arch(x, "linux/arm/v8"), "arm32v7");  // best lower variant
  EXPECT_EQ(chosen_arch(x, "linux/386"), "i386");
  EXPECT_EQ(chosen_arch(x, "linux/s390x"), "s390x");
  EXPECT_EQ(chosen_arch(x, "linux/mips64le"), "mips64le");
  // The chosen one is an image, never the attestation that follows it.
  EXPECT_EQ(choose_manifest(x, parse_platform("linux/amd64")).digest, digest_of("image-amd64"));
}

TEST(ChooseManifest, ExactVariantBeatsAnEarlierCompatibleOne) {
  json doc = nook_test::busybox_index();
  json m = json::array();
  for (int i : {2, 4, 6}) m.push_back(doc["manifests"][i]);  // arm v5, v6, v7 in that order
  doc["manifests"] = m;
  ImageIndex x = parse_image_index(doc.dump());
  EXPECT_EQ(chosen_arch(x, "linux/arm/v7"), "arm32v7");
  EXPECT_EQ(chosen_arch(x, "linux/arm/v6"), "arm32v6");
}

TEST(ChooseManifest, TiesGoToTheFirst) {
  json doc = nook_test::busybox_index();
  json second = doc["manifests"][0];
  second["digest"] = digest_of("second");
  second["platform"]["architecture"] = "x86_64";  // same platform, spelled differently
  doc["manifests"] = json::array({doc["manifests"][0], second});
  ImageIndex x = parse_image_index(doc.dump());
  EXPECT_EQ(choose_manifest(x, parse_platform("linux/amd64")).digest, digest_of("image-amd64"));
}

TEST(ChooseManifest, SkipsAttestationsEntriesWithoutPlatformAndNonImages) {
  json doc = nook_test::busybox_index();
  json att = doc["manifests"][1];
  att["platform"] = {{"architecture", "amd64"}, {"os", "linux"}};  // annotated, so still skipped
  json no_platform = doc["manifests"][0];
  no_platform.erase("platform");
  no_platform["digest"] = digest_of("no-platform");
  json sbom = doc["manifests"][0];
  sbom["mediaType"] = "application/vnd.example.sbom";
  sbom["digest"] = digest_of("sbom");
  json nested = doc["manifests"][0];
  nested["mediaType"] = media_type::docker_manifest_list;
  nested["digest"] = digest_of("nested");
  doc["manifests"] = json::array({att, no_platform, sbom, nested});
  ImageIndex x = parse_image_index(doc.dump());
  // A nested index is returned for the caller to descend into.
  EXPECT_EQ(choose_manifest(x, parse_platform("linux/amd64")).digest, digest_of("nested"));
  x.manifests.pop_back();
  EXPECT_EQ(error_of([&] { choose_manifest(x, parse_platform("linux/amd64")); }),
            "no image found in manifest list for architecture \"amd64\", variant \"\", OS "
            "\"linux\" (the list has no image entries)");
}

TEST(ChooseManifest, NoMatchIsPodmansMessage) {
  json doc = nook_test::busybox_index();
  json m = json::array({doc["manifests"][0], doc["manifests"][1], doc["manifests"][18]});
  doc["manifests"] = m;  // amd64, its attestation, s390x
  ImageIndex x = parse_image_index(doc.dump());
  EXPECT_EQ(error_of([&] { choose_manifest(x, parse_platform("linux/arm64")); }),
            "no image found in manifest list for architecture \"arm64\", variant \"v8\", OS "
            "\"linux\" (the list has \"linux/amd64\", \"linux/s390x\")");
  EXPECT_EQ(error_of([&] { choose_manifest(x, parse_platform("windows/amd64")); }),
            "no image found in manifest list for architecture \"amd64\", variant \"\", OS "
            "\"windows\" (the list has \"linux/amd64\", \"linux/s390x\")");
  // Unnormalised input is reported normalised.
  EXPECT_NE(error_of([&] {
              choose_manifest(x, P("linux", "aarch64"));
            }).find("architecture \"arm64\", variant \"v8\""),
            std::string::npos);
}

TEST(ChooseManifest, EmptyList) {
  ImageIndex x;
  x.media_type = media_type::oci_index;
  EXPECT_EQ(error_of([&] { choose_manifest(x, parse_platform("linux/amd64")); }),
            "no image found in manifest list for architecture \"amd64\", variant \"\", OS "
            "\"linux\" (the manifest list is empty)");
}

TEST(ChooseManifest, LongListsAreCutInTheMessage) {
  ImageIndex x;
  for (int i = 0; i < 40; ++i) {
    Descriptor d;
    d.media_type = media_type::oci_manifest;
    d.digest = digest_of(std::to_string(i));
    d.platform = P("linux", "arch" + std::to_string(i));
    x.manifests.push_back(d);
  }
  std::string msg = error_of([&] { choose_manifest(x, parse_platform("linux/amd64")); });
  EXPECT_NE(msg.find("\"linux/arch15\" and 24 more)"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("arch16"), std::string::npos) << msg;
}

}  // namespace
