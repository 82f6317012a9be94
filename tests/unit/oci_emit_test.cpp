#include <gtest/gtest.h>

#include <algorithm>

#include "oci/spec_emit.hpp"
#include "oci/spec_parse.hpp"
#include "oci_test_util.hpp"

using nlohmann::json;
using nook::oci::default_spec;
using nook::oci::emit_spec;
using nook::oci::parse_spec;
using nook::oci::Spec;

namespace {

const nook::oci::Mount* find_mount(const Spec& s, const std::string& dest) {
  for (const auto& m : s.mounts)
    if (m.destination == dest) return &m;
  return nullptr;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

TEST(OciEmit, DefaultSpecRoundTrips) {
  for (bool rootless : {false, true}) {
    for (bool cgroup_ns : {false, true}) {
      Spec s = default_spec(rootless, 1000, 1001, cgroup_ns);
      EXPECT_EQ(parse_spec(emit_spec(s)), s)
          << "rootless=" << rootless << " cgroupns=" << cgroup_ns;
    }
  }
}

TEST(OciEmit, FullConfigRoundTrips) {
  Spec s = parse_spec(oci_test::full_config().dump());
  std::string once = emit_spec(s);
  EXPECT_EQ(parse_spec(once), s);
  EXPECT_EQ(emit_spec(parse_spec(once)), once);  // emitting is deterministic
}

TEST(OciEmit, DefaultSpecMatchesRuncSpec) {
  Spec s = default_spec(false, 1000, 1000, false);
  EXPECT_EQ(s.oci_version, nook::oci::kDefaultOciVersion);
  ASSERT_TRUE(s.has_process);
  EXPECT_TRUE(s.process.terminal);
  EXPECT_EQ(s.process.args, (std::vector<std::string>{"sh"}));
  EXPECT_EQ(s.process.env, (std::vector<std::string>{
                               "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                               "TERM=xterm"}));
  EXPECT_EQ(s.process.cwd, "/");
  EXPECT_TRUE(s.process.no_new_privileges);
  ASSERT_TRUE(s.process.capabilities);
  std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  EXPECT_EQ(s.process.capabilities->bounding, caps);
  EXPECT_EQ(s.process.capabilities->effective, caps);
  EXPECT_EQ(s.process.capabilities->permitted, caps);
  EXPECT_TRUE(s.process.capabilities->inheritable.empty());
  EXPECT_TRUE(s.process.capabilities->ambient.empty());
  ASSERT_EQ(s.process.rlimits.size(), 1u);
  EXPECT_EQ(s.process.rlimits[0].type, "RLIMIT_NOFILE");
  EXPECT_EQ(s.process.rlimits[0].soft, 1024u);
  EXPECT_EQ(s.process.rlimits[0].hard, 1024u);
  EXPECT_EQ(s.root.path, "rootfs");
  EXPECT_TRUE(s.root.readonly);
  EXPECT_EQ(s.hostname, "nook");

  std::vector<std::string> dests;
  for (const auto& m : s.mounts) dests.push_back(m.destination);
  EXPECT_EQ(dests, (std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue",
                                             "/sys", "/sys/fs/cgroup"}));
  EXPECT_EQ(find_mount(s, "/dev")->type, "tmpfs");
  const auto* pts = find_mount(s, "/dev/pts");
  EXPECT_EQ(pts->type, "devpts");
  EXPECT_TRUE(has(pts->options, "newinstance"));
  EXPECT_TRUE(has(pts->options, "ptmxmode=0666"));
  EXPECT_TRUE(has(pts->options, "mode=0620"));
  EXPECT_TRUE(has(pts->options, "gid=5"));
  EXPECT_EQ(find_mount(s, "/sys")->type, "sysfs");
  EXPECT_EQ(find_mount(s, "/sys/fs/cgroup")->type, "cgroup");
  EXPECT_TRUE(has(find_mount(s, "/sys/fs/cgroup")->options, "ro"));

  EXPECT_TRUE(has(s.linux.masked_paths, "/proc/kcore"));
  EXPECT_TRUE(has(s.linux.masked_paths, "/sys/firmware"));
  EXPECT_EQ(s.linux.masked_paths.size(), 10u);
  EXPECT_EQ(s.linux.readonly_paths, (std::vector<std::string>{"/proc/bus", "/proc/fs", "/proc/irq",
                                                              "/proc/sys", "/proc/sysrq-trigger"}));
  std::vector<std::string> ns;
  for (const auto& n : s.linux.namespaces) ns.push_back(n.type);
  EXPECT_EQ(ns, (std::vector<std::string>{"pid", "network", "ipc", "uts", "mount"}));
  EXPECT_NE(default_spec(false, 0, 0, true).find_namespace("cgroup"), nullptr);
  ASSERT_TRUE(s.linux.resources);
  ASSERT_EQ(s.linux.resources->devices.size(), 1u);
  EXPECT_FALSE(s.linux.resources->devices[0].allow);
  EXPECT_EQ(s.linux.resources->devices[0].access, "rwm");
  EXPECT_TRUE(s.linux.uid_mappings.empty());
}

TEST(OciEmit, RootlessDefaultSpecMatchesRuncSpecRootless) {
  Spec s = default_spec(true, 1234, 5678, false);
  EXPECT_EQ(s.find_namespace("network"), nullptr);
  ASSERT_NE(s.find_namespace("user"), nullptr);
  EXPECT_TRUE(s.find_namespace("user")->path.empty());
  ASSERT_EQ(s.linux.uid_mappings.size(), 1u);
  EXPECT_EQ(s.linux.uid_mappings[0], (nook::oci::IdMapping{0, 1234, 1}));
  ASSERT_EQ(s.linux.gid_mappings.size(), 1u);
  EXPECT_EQ(s.linux.gid_mappings[0], (nook::oci::IdMapping{0, 5678, 1}));
  EXPECT_FALSE(has(find_mount(s, "/dev/pts")->options, "gid=5"));
  const auto* sys = find_mount(s, "/sys");
  EXPECT_EQ(sys->type, "none");
  EXPECT_EQ(sys->source, "/sys");
  EXPECT_EQ(sys->options, (std::vector<std::string>{"rbind", "nosuid", "noexec", "nodev", "ro"}));
  EXPECT_NE(find_mount(s, "/sys/fs/cgroup"), nullptr);  // runc keeps it
  EXPECT_FALSE(s.linux.resources);
  // Otherwise identical to the rootful spec.
  Spec rootful = default_spec(false, 1234, 5678, false);
  EXPECT_EQ(s.process, rootful.process);
  EXPECT_EQ(s.linux.masked_paths, rootful.linux.masked_paths);
}

TEST(OciEmit, RuncFieldNamesAndOrder) {
  json j = json::parse(emit_spec(default_spec(true, 1000, 1000, false)));
  EXPECT_EQ(j["ociVersion"], "1.0.2-dev");
  EXPECT_EQ(j["process"]["user"], (json{{"uid", 0}, {"gid", 0}}));
  EXPECT_EQ(j["process"]["noNewPrivileges"], true);
  EXPECT_EQ(j["root"], (json{{"path", "rootfs"}, {"readonly", true}}));
  EXPECT_EQ(j["linux"]["uidMappings"][0],
            (json{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}));
  EXPECT_FALSE(j["mounts"][0].contains("options"));  // runc's /proc has none
  std::string text = emit_spec(default_spec(false, 0, 0, false));
  EXPECT_EQ(
      text.rfind("{\n  \"ociVersion\": \"1.0.2-dev\",\n  \"process\": {\n    \"terminal\": true,",
                 0),
      0u)
      << text;
  EXPECT_LT(text.find("\"root\""), text.find("\"hostname\""));
  EXPECT_LT(text.find("\"mounts\""), text.find("\"linux\""));
  EXPECT_EQ(text.back(), '\n');
}

TEST(OciEmit, LeavesOutUnsetFields) {
  Spec s;
  s.oci_version = "1.0.2";
  s.root.path = "/r";
  json j = json::parse(emit_spec(s));
  EXPECT_EQ(j, (json{{"ociVersion", "1.0.2"}, {"root", {{"path", "/r"}}}}));

  s.linux.resources = nook::oci::Resources{};
  s.linux.resources->memory = nook::oci::Memory{};
  s.linux.resources->memory->limit = 0;  // set to zero is not the same as unset
  s.has_process = true;
  s.process.args = {"true"};
  j = json::parse(emit_spec(s));
  EXPECT_EQ(j["linux"]["resources"], (json{{"memory", {{"limit", 0}}}}));
  EXPECT_FALSE(j["process"].contains("terminal"));
  EXPECT_FALSE(j["process"].contains("capabilities"));
  EXPECT_FALSE(j["process"].contains("oomScoreAdj"));
  EXPECT_EQ(j["process"]["cwd"], "/");
  EXPECT_EQ(parse_spec(emit_spec(s)), s);
}

TEST(OciEmit, InvalidUtf8IsAnError) {
  Spec s = default_spec(false, 0, 0, false);
  s.process.args = {"echo", "\xff\xfe"};
  EXPECT_THROW(emit_spec(s), nook::Error);
}
