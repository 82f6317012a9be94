#include "runtime/features.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "runtime/mount_options.hpp"
#include "runtime/namespaces.hpp"
#include "runtime/seccomp.hpp"

using nlohmann::json;
using nook::runtime::runtime_features;

namespace {

bool contains(const json& array, const std::string& value) {
  return std::find(array.begin(), array.end(), value) != array.end();
}

void expect_string_array(const json& j, const char* what) {
  ASSERT_TRUE(j.is_array()) << what;
  EXPECT_FALSE(j.empty()) << what;
  for (const auto& e : j) EXPECT_TRUE(e.is_string()) << what << ": " << e;
  std::set<std::string> unique(j.begin(), j.end());
  EXPECT_EQ(unique.size(), j.size()) << what << " has duplicates";
}

}  // namespace

TEST(Features, DocumentShape) {
  // What `nook-runtime features` prints must parse back as the same JSON.
  json f = json::parse(runtime_features().dump());
  EXPECT_EQ(f["ociVersionMin"], "1.0.0");
  EXPECT_EQ(f["ociVersionMax"], "1.1.0");
  EXPECT_EQ(f["hooks"], json({"prestart", "createRuntime", "createContainer", "startContainer",
                              "poststart", "poststop"}));
  expect_string_array(f["mountOptions"], "mountOptions");
  const json& linux = f["linux"];
  ASSERT_TRUE(linux.is_object());
  expect_string_array(linux["namespaces"], "namespaces");
  expect_string_array(linux["capabilities"], "capabilities");
  for (const char* key : {"v1", "v2", "systemd", "systemdUser", "rdma"}) {
    EXPECT_TRUE(linux["cgroup"][key].is_boolean()) << key;
  }
  EXPECT_EQ(linux["cgroup"]["v2"], true);
  EXPECT_EQ(linux["cgroup"]["v1"], false);
  EXPECT_EQ(linux["seccomp"]["enabled"], true);
  for (const char* key : {"actions", "operators", "archs", "knownFlags", "supportedFlags"}) {
    expect_string_array(linux["seccomp"][key], key);
  }
  for (const char* key : {"apparmor", "selinux", "intelRdt"}) {
    EXPECT_EQ(linux[key], json({{"enabled", false}})) << key;
  }
  EXPECT_EQ(f["annotations"]["io.github.nook.version"], NOOK_VERSION);
}

TEST(Features, CapabilitiesAndSeccomp) {
  json f = runtime_features();
  const json& linux = f["linux"];
  EXPECT_TRUE(contains(linux["capabilities"], "CAP_SYS_ADMIN"));
  EXPECT_TRUE(contains(linux["capabilities"], "CAP_CHOWN"));
  const json& seccomp = linux["seccomp"];
  for (const char* a : {"SCMP_ACT_NOTIFY", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS",
                        "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE"}) {
    EXPECT_TRUE(contains(seccomp["actions"], a)) << a;
  }
  EXPECT_EQ(seccomp["operators"].size(), 7u);
  EXPECT_TRUE(contains(seccomp["archs"], "SCMP_ARCH_X86_64"));
  EXPECT_TRUE(contains(seccomp["knownFlags"], "SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
  for (const auto& flag : seccomp["supportedFlags"]) {
    EXPECT_TRUE(contains(seccomp["knownFlags"], flag)) << flag;
  }
}

TEST(Features, AdvertisesOnlyWhatTheRuntimeUnderstands) {
  json f = runtime_features();
  // Every advertised mount option becomes a flag or propagation, never
  // filesystem data the kernel might reject.
  for (const auto& o : f["mountOptions"]) {
    auto parsed = nook::runtime::parse_mount_options({o.get<std::string>()});
    EXPECT_EQ(parsed.data, "") << o;
  }
  EXPECT_FALSE(contains(f["mountOptions"], "tmpcopyup"));
  EXPECT_FALSE(contains(f["mountOptions"], "idmap"));
  for (const auto& ns : f["linux"]["namespaces"]) {
    EXPECT_NO_THROW(nook::runtime::namespace_flag(ns.get<std::string>())) << ns;
  }
}
