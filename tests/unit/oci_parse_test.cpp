#include <gtest/gtest.h>

#include <limits>

#include "oci/spec_parse.hpp"
#include "oci_test_util.hpp"
#include "sys/error.hpp"

using nlohmann::json;
using nook::oci::parse_process;
using nook::oci::parse_spec;
using oci_test::full_config;
using oci_test::process_error;
using oci_test::spec_error;

namespace {

json minimal() {
  return json{{"ociVersion", "1.0.2"}, {"root", {{"path", "rootfs"}}}};
}

}  // namespace

// ---- accepted configs -------------------------------------------------------

TEST(OciParse, FullConfigFillsEveryField) {
  auto s = parse_spec(full_config().dump());
  EXPECT_EQ(s.oci_version, "1.1.0");
  ASSERT_TRUE(s.has_process);
  const auto& p = s.process;
  EXPECT_FALSE(p.terminal);
  ASSERT_TRUE(p.console_size);
  EXPECT_EQ(p.console_size->height, 25u);
  EXPECT_EQ(p.console_size->width, 80u);
  EXPECT_EQ(p.user.uid, 1u);
  EXPECT_EQ(p.user.gid, 2u);
  EXPECT_EQ(p.user.umask, mode_t{022});
  EXPECT_EQ(p.user.additional_gids, (std::vector<gid_t>{5, 6}));
  EXPECT_EQ(p.user.username, "daemon");
  EXPECT_EQ(p.args, (std::vector<std::string>{"/bin/sh", "-c", "echo hello"}));
  EXPECT_EQ(p.env.size(), 3u);
  EXPECT_EQ(p.cwd, "/tmp");
  ASSERT_TRUE(p.capabilities);
  EXPECT_EQ(p.capabilities->bounding, (std::vector<std::string>{"CAP_KILL", "CAP_CHOWN"}));
  EXPECT_TRUE(p.capabilities->inheritable.empty());
  EXPECT_EQ(p.capabilities->ambient, (std::vector<std::string>{"CAP_KILL"}));
  ASSERT_EQ(p.rlimits.size(), 2u);
  EXPECT_EQ(p.rlimits[0].type, "RLIMIT_NOFILE");
  EXPECT_EQ(p.rlimits[0].soft, 1024u);
  EXPECT_EQ(p.rlimits[0].hard, 4096u);
  EXPECT_EQ(p.rlimits[1].hard, std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(p.no_new_privileges);
  EXPECT_EQ(p.apparmor_profile, "nook-default");
  EXPECT_EQ(p.oom_score_adj, -500);
  EXPECT_FALSE(p.selinux_label.empty());

  EXPECT_EQ(s.root.path, "rootfs");  // parse_spec leaves it as written
  EXPECT_TRUE(s.root.readonly);
  EXPECT_EQ(s.hostname, "box");
  EXPECT_EQ(s.domainname, "example.org");
  ASSERT_EQ(s.mounts.size(), 3u);
  EXPECT_EQ(s.mounts[1].destination, "/data");
  EXPECT_EQ(s.mounts[1].options, (std::vector<std::string>{"rbind", "ro"}));
  EXPECT_FALSE(s.mounts[1].has_idmap);
  EXPECT_TRUE(s.mounts[2].has_idmap);
  EXPECT_EQ(s.mounts[2].uid_mappings.at(0).host_id, 100000u);

  ASSERT_EQ(s.hooks.prestart.size(), 1u);
  EXPECT_EQ(s.hooks.prestart[0].args, (std::vector<std::string>{"fix-mounts", "arg1"}));
  EXPECT_EQ(s.hooks.create_runtime.at(0).timeout, 5);
  EXPECT_FALSE(s.hooks.create_container.at(0).timeout);
  EXPECT_EQ(s.hooks.start_container.size(), 1u);
  EXPECT_EQ(s.hooks.poststart.size(), 1u);
  EXPECT_EQ(s.hooks.poststop.at(0).path, "/usr/sbin/cleanup.sh");
  EXPECT_EQ(s.annotations.at("com.example.key2"), "value2");

  const auto& l = s.linux;
  ASSERT_EQ(l.uid_mappings.size(), 2u);
  EXPECT_EQ(l.uid_mappings[1].container_id, 1u);
  EXPECT_EQ(l.uid_mappings[1].host_id, 100000u);
  EXPECT_EQ(l.uid_mappings[1].size, 65536u);
  EXPECT_EQ(l.gid_mappings.size(), 2u);
  EXPECT_EQ(l.sysctl.at("net.core.somaxconn"), "256");
  ASSERT_TRUE(l.resources);
  const auto& r = *l.resources;
  ASSERT_EQ(r.devices.size(), 2u);
  EXPECT_FALSE(r.devices[0].allow);
  EXPECT_FALSE(r.devices[0].major);
  EXPECT_EQ(r.devices[1].major, 10);
  EXPECT_EQ(r.devices[1].access, "rw");
  ASSERT_TRUE(r.memory);
  EXPECT_EQ(r.memory->limit, 536870912);
  EXPECT_EQ(r.memory->swap, -1);
  EXPECT_EQ(r.memory->swappiness, 0u);
  EXPECT_EQ(r.memory->disable_oom_killer, false);
  ASSERT_TRUE(r.cpu);
  EXPECT_EQ(r.cpu->shares, 1024u);
  EXPECT_EQ(r.cpu->quota, 1000000);
  EXPECT_EQ(r.cpu->burst, 10000u);
  EXPECT_EQ(r.cpu->cpus, "2-3");
  EXPECT_EQ(r.cpu->idle, 0);
  ASSERT_TRUE(r.pids);
  EXPECT_EQ(r.pids->limit, 32771);
  ASSERT_TRUE(r.block_io);
  EXPECT_EQ(r.block_io->weight, 10);
  EXPECT_EQ(r.block_io->weight_device.at(0).leaf_weight, 300);
  EXPECT_EQ(r.block_io->throttle_write_iops.at(0).rate, 30u);
  EXPECT_EQ(r.hugepage_limits.at(0).page_size, "2MB");
  EXPECT_EQ(r.unified.at("memory.high"), "1000000");
  EXPECT_EQ(l.cgroups_path, "/myRuntime/myContainer");
  ASSERT_EQ(l.namespaces.size(), 8u);
  EXPECT_EQ(l.namespaces[1].path, "/var/run/netns/neta");
  ASSERT_EQ(l.devices.size(), 3u);
  EXPECT_EQ(l.devices[0].file_mode, mode_t{0666});
  EXPECT_EQ(l.devices[0].uid, 0u);
  EXPECT_FALSE(l.devices[1].file_mode);
  EXPECT_EQ(l.devices[2].type, "p");
  ASSERT_TRUE(l.seccomp);
  EXPECT_EQ(l.seccomp->default_action, "SCMP_ACT_ERRNO");
  EXPECT_EQ(l.seccomp->default_errno_ret, 1u);
  EXPECT_EQ(l.seccomp->flags, (std::vector<std::string>{"SECCOMP_FILTER_FLAG_LOG"}));
  EXPECT_EQ(l.seccomp->listener_path, "/run/seccomp-agent.socket");
  ASSERT_EQ(l.seccomp->syscalls.size(), 2u);
  EXPECT_EQ(l.seccomp->syscalls[1].errno_ret, 38u);
  EXPECT_EQ(l.seccomp->syscalls[1].args.at(1).value, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(l.seccomp->syscalls[1].args.at(1).value_two, 3u);
  EXPECT_EQ(l.rootfs_propagation, "rslave");
  EXPECT_EQ(l.masked_paths, (std::vector<std::string>{"/proc/kcore"}));
  EXPECT_EQ(l.readonly_paths, (std::vector<std::string>{"/proc/sys"}));
  EXPECT_FALSE(l.mount_label.empty());
  EXPECT_NE(s.find_namespace("time"), nullptr);
}

TEST(OciParse, MinimalConfigHasNoProcess) {
  auto s = parse_spec(minimal().dump());
  EXPECT_FALSE(s.has_process);
  EXPECT_EQ(s.root.path, "rootfs");
  EXPECT_TRUE(s.mounts.empty());
  EXPECT_FALSE(s.linux.resources);
  EXPECT_EQ(s.find_namespace("pid"), nullptr);
}

TEST(OciParse, NullMeansNotSet) {
  json j = minimal();
  j["hostname"] = nullptr;
  j["linux"] = {{"resources", {{"memory", {{"limit", nullptr}}}}}, {"seccomp", nullptr}};
  auto s = parse_spec(j.dump());
  EXPECT_TRUE(s.hostname.empty());
  ASSERT_TRUE(s.linux.resources && s.linux.resources->memory);
  EXPECT_FALSE(s.linux.resources->memory->limit);
  EXPECT_FALSE(s.linux.seccomp);
}

TEST(OciParse, UnknownKeysAreIgnoredEverywhere) {
  json j = full_config();
  j["vm"] = {{"hypervisor", {{"path", "/x"}}}};
  j["process"]["user"]["future"] = 1;
  j["linux"]["namespaces"][0]["future"] = "x";
  j["linux"]["resources"]["rdma"] = {{"mlx5_1", {{"hcaHandles", 3}}}};
  EXPECT_EQ(parse_spec(j.dump()), parse_spec(full_config().dump()));
}

TEST(OciParse, EmptyPidsObjectAsksForNothing) {
  json j = minimal();
  j["linux"]["resources"]["pids"] = json::object();
  auto s = parse_spec(j.dump());
  ASSERT_TRUE(s.linux.resources);
  EXPECT_FALSE(s.linux.resources->pids);
  EXPECT_FALSE(s.linux.resources->asks_for_limits());
}

TEST(OciParse, JoinedUserNamespaceNeedsNoMappings) {
  json j = minimal();
  j["linux"]["namespaces"] = {{{"type", "user"}, {"path", "/proc/1/ns/user"}}};
  auto s = parse_spec(j.dump());
  ASSERT_NE(s.find_namespace("user"), nullptr);
  EXPECT_EQ(s.find_namespace("user")->path, "/proc/1/ns/user");
}

TEST(OciParse, HostnameWithJoinedUtsNamespaceIsAccepted) {
  // runc accepts it: the hostname is set in the joined namespace.
  json j = minimal();
  j["hostname"] = "h";
  j["linux"]["namespaces"] = {{{"type", "uts"}, {"path", "/proc/1/ns/uts"}}};
  EXPECT_EQ(parse_spec(j.dump()).hostname, "h");
}

TEST(OciParse, AdjacentMappingsDoNotOverlap) {
  json j = minimal();
  j["linux"]["namespaces"] = {{{"type", "user"}}};
  j["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 4294967295u}, {"size", 1}},
                               {{"containerID", 1}, {"hostID", 0}, {"size", 4294967295u}}};
  j["linux"]["gidMappings"] = {{{"containerID", 4294967295u}, {"hostID", 7}, {"size", 1}}};
  auto s = parse_spec(j.dump());
  EXPECT_EQ(s.linux.uid_mappings.size(), 2u);
}

TEST(OciParse, ProcessDocumentOnItsOwn) {
  json j = full_config()["process"];
  auto p = parse_process(j.dump());
  EXPECT_EQ(p.args.at(0), "/bin/sh");
  EXPECT_EQ(p.user.uid, 1u);
  EXPECT_EQ(p, parse_spec(full_config().dump()).process);
}

TEST(OciParse, ProcessErrorsUsePathsRelativeToProcess) {
  json j = full_config()["process"];
  j["user"]["uid"] = "root";
  EXPECT_EQ(process_error(j.dump()),
            "invalid process.json: user.uid: expected an unsigned integer, got string");
  j = full_config()["process"];
  j["args"] = json::array();
  EXPECT_EQ(process_error(j.dump()),
            "invalid process.json: args: must name at least the program to run");
  j.erase("args");
  EXPECT_EQ(process_error(j.dump()), "invalid process.json: args: required field is missing");
  EXPECT_EQ(process_error("[1]"),
            "invalid process.json: expected a JSON object at the top level, got array");
  EXPECT_NE(process_error("{\"args\": [").find("invalid process.json: parse error"),
            std::string::npos);
}

TEST(OciParse, ExactMessageShapes) {
  json j = full_config();
  j["linux"]["namespaces"][2]["type"] = "foo";
  EXPECT_EQ(spec_error(j.dump()),
            "invalid config.json: linux.namespaces[2].type: unknown namespace \"foo\"");
  j = full_config();
  j["process"]["user"]["uid"] = "0";
  EXPECT_EQ(spec_error(j.dump()),
            "invalid config.json: process.user.uid: expected an unsigned integer, got string");
}

TEST(OciParse, ControlCharactersAreEscapedInMessages) {
  json j = full_config();
  j["linux"]["namespaces"][0]["type"] = "a\nb";
  EXPECT_EQ(spec_error(j.dump()),
            "invalid config.json: linux.namespaces[0].type: unknown namespace \"a\\x0ab\"");
}

// ---- rejected configs: one per rule ----------------------------------------

struct BadCase {
  const char* name;
  std::function<void(json&)> mutate;
  const char* expect;  // must appear in the message, after "invalid config.json: "
};

// Keeps gtest from printing the case as raw bytes.
void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.name;
}

class OciParseRejects : public testing::TestWithParam<BadCase> {};

TEST_P(OciParseRejects, NamesThePath) {
  json j = full_config();
  GetParam().mutate(j);
  std::string msg = spec_error(j.dump());
  EXPECT_EQ(msg.rfind("invalid config.json: ", 0), 0u) << msg;
  EXPECT_NE(msg.find(GetParam().expect), std::string::npos)
      << "message: " << msg << "\nexpected to contain: " << GetParam().expect;
}

namespace {

json& at(json& j, const char* pointer) {
  return j[json::json_pointer(pointer)];
}

void erase(json& j, const char* pointer) {
  json::json_pointer p(pointer);
  json& parent = j[p.parent_pointer()];
  if (parent.is_array())
    parent.erase(std::stoul(p.back()));
  else
    parent.erase(p.back());
}

// A mutation that sets one value.
std::function<void(json&)> set(const char* pointer, json value) {
  return [pointer, value](json& j) { at(j, pointer) = value; };
}
std::function<void(json&)> drop(const char* pointer) {
  return [pointer](json& j) { erase(j, pointer); };
}

const BadCase kBadCases[] = {
    // top level
    {"OciVersionMissing", drop("/ociVersion"), "ociVersion: required field is missing"},
    {"OciVersionNumber", set("/ociVersion", 1), "ociVersion: expected a string, got 1"},
    {"OciVersionEmpty", set("/ociVersion", ""), "ociVersion: must not be empty"},
    {"RootMissing", drop("/root"), "root: required field is missing"},
    {"RootNotObject", set("/root", "rootfs"), "root: expected an object, got string"},
    {"RootPathMissing", drop("/root/path"), "root.path: required field is missing"},
    {"RootPathEmpty", set("/root/path", ""), "root.path: must not be empty"},
    {"RootReadonlyString", set("/root/readonly", "yes"),
     "root.readonly: expected a boolean, got string"},
    {"HostnameNumber", set("/hostname", 7), "hostname: expected a string, got 7"},
    {"AnnotationNotString", set("/annotations/com.example.key1", true),
     "annotations[\"com.example.key1\"]: expected a string, got boolean"},
    {"AnnotationsArray", set("/annotations", json::array()),
     "annotations: expected an object, got array"},
    // process
    {"ProcessArray", set("/process", json::array()), "process: expected an object, got array"},
    {"ArgsMissing", drop("/process/args"), "process.args: required field is missing"},
    {"ArgsEmpty", set("/process/args", json::array()),
     "process.args: must name at least the program to run"},
    {"ArgsNotStrings", set("/process/args", {"sh", 1}),
     "process.args[1]: expected a string, got 1"},
    {"ArgsNulByte", set("/process/args/1", std::string("a\0b", 3)),
     "process.args[1]: string contains a NUL byte"},
    {"CwdMissing", drop("/process/cwd"), "process.cwd: required field is missing"},
    {"CwdRelative", set("/process/cwd", "tmp"),
     "process.cwd: must be an absolute path, got \"tmp\""},
    {"TerminalString", set("/process/terminal", "true"),
     "process.terminal: expected a boolean, got string"},
    {"ConsoleWidthMissing", drop("/process/consoleSize/width"),
     "process.consoleSize.width: required field is missing"},
    {"UidString", set("/process/user/uid", "0"),
     "process.user.uid: expected an unsigned integer, got string"},
    {"UidNegative", set("/process/user/uid", -1),
     "process.user.uid: expected an unsigned integer, got -1"},
    {"UidFloat", set("/process/user/uid", 1.5),
     "process.user.uid: expected an unsigned integer, got 1.5"},
    {"UidAbove32Bits", set("/process/user/uid", 4294967296u),
     "process.user.uid: value 4294967296 out of range (max 4294967295)"},
    {"GidMissing", drop("/process/user/gid"), "process.user.gid: required field is missing"},
    {"UmaskString", set("/process/user/umask", "0022"),
     "process.user.umask: expected an unsigned integer, got string"},
    {"UmaskTooWide", set("/process/user/umask", 4096),
     "process.user.umask: umask 4096 has bits outside 0777"},
    {"AdditionalGidNegative", set("/process/user/additionalGids/1", -6),
     "process.user.additionalGids[1]: expected an unsigned integer, got -6"},
    {"EnvWithoutEquals", set("/process/env/1", "TERM"),
     "process.env[1]: expected NAME=VALUE, got \"TERM\""},
    {"EnvEmptyName", set("/process/env/0", "=x"), "process.env[0]: empty variable name"},
    {"CapabilityNotString", set("/process/capabilities/effective/0", 21),
     "process.capabilities.effective[0]: expected a string, got 21"},
    {"CapabilitiesArray", set("/process/capabilities", json::array()),
     "process.capabilities: expected an object, got array"},
    {"RlimitUnknown", set("/process/rlimits/1/type", "RLIMIT_FOO"),
     "process.rlimits[1].type: unknown rlimit \"RLIMIT_FOO\""},
    {"RlimitDuplicate", set("/process/rlimits/1/type", "RLIMIT_NOFILE"),
     "process.rlimits[1].type: RLIMIT_NOFILE given twice (first at index 0)"},
    {"RlimitSoftAboveHard", set("/process/rlimits/0/soft", 5000),
     "process.rlimits[0]: soft limit 5000 is above hard limit 4096"},
    {"RlimitNegative", set("/process/rlimits/0/hard", -1),
     "process.rlimits[0].hard: expected an unsigned integer, got -1"},
    {"RlimitHardMissing", drop("/process/rlimits/0/hard"),
     "process.rlimits[0].hard: required field is missing"},
    {"OomScoreAdjRange", set("/process/oomScoreAdj", 1001),
     "process.oomScoreAdj: value 1001 out of range (-1000 to 1000)"},
    {"NoNewPrivsNumber", set("/process/noNewPrivileges", 1),
     "process.noNewPrivileges: expected a boolean, got 1"},
    // namespaces and id mappings
    {"NamespaceUnknown", set("/linux/namespaces/2/type", "foo"),
     "linux.namespaces[2].type: unknown namespace \"foo\""},
    {"NamespaceDuplicate",
     [](json& j) {
       at(j, "/linux/namespaces").push_back({{"type", "pid"}});
     },
     "linux.namespaces[8].type: namespace \"pid\" given twice (first at index 0)"},
    {"NamespaceTypeMissing", drop("/linux/namespaces/3/type"),
     "linux.namespaces[3].type: required field is missing"},
    {"NamespacePathRelative", set("/linux/namespaces/1/path", "netns/a"),
     "linux.namespaces[1].path: must be an absolute path"},
    {"NamespacesObject", set("/linux/namespaces", json::object()),
     "linux.namespaces: expected an array, got object"},
    {"MappingSizeZero", set("/linux/uidMappings/0/size", 0),
     "linux.uidMappings[0].size: must be greater than 0"},
    {"MappingHostIdMissing", drop("/linux/gidMappings/1/hostID"),
     "linux.gidMappings[1].hostID: required field is missing"},
    {"MappingContainerOverflow", set("/linux/uidMappings/1/containerID", 4294967295u),
     "linux.uidMappings[1]: containerID 4294967295 + size 65536 overflows the 32-bit id space"},
    {"MappingHostOverflow", set("/linux/gidMappings/1/hostID", 4294967290u),
     "linux.gidMappings[1]: hostID 4294967290 + size 65536 overflows the 32-bit id space"},
    {"MappingContainerOverlap", set("/linux/uidMappings/1/containerID", 0),
     "linux.uidMappings[1]: container range overlaps the one at index 0"},
    {"MappingHostOverlap", set("/linux/gidMappings/0/hostID", 100005),
     "linux.gidMappings[1]: host range overlaps the one at index 0"},
    {"MappingsWithoutUserNamespace",
     [](json& j) { erase(j, "/linux/namespaces/5"); },  // the "user" entry
     "linux.uidMappings: given, but linux.namespaces does not ask for a new user namespace"},
    {"MappingsWithJoinedUserNamespace", set("/linux/namespaces/5/path", "/proc/1/ns/user"),
     "linux.uidMappings: given, but the user namespace is joined by path, not created"},
    {"UserNamespaceWithoutUidMappings", drop("/linux/uidMappings"),
     "linux.uidMappings: required: linux.namespaces asks for a new user namespace"},
    {"UserNamespaceWithoutGidMappings", set("/linux/gidMappings", json::array()),
     "linux.gidMappings: required: linux.namespaces asks for a new user namespace"},
    {"HostnameWithoutUts", [](json& j) { erase(j, "/linux/namespaces/4"); },
     "hostname: setting a hostname needs a \"uts\" namespace"},
    {"DomainnameWithoutUts",
     [](json& j) {
       erase(j, "/linux/namespaces/4");
       erase(j, "/hostname");
     },
     "domainname: setting a domainname needs a \"uts\" namespace"},
    // mounts
    {"MountDestinationRelative", set("/mounts/1/destination", "data"),
     "mounts[1].destination: must be an absolute path, got \"data\" (runtime-spec 1.1 allows "
     "relative destinations; nook does not)"},
    {"MountDestinationMissing", drop("/mounts/0/destination"),
     "mounts[0].destination: required field is missing"},
    {"MountOptionsString", set("/mounts/1/options", "rbind,ro"),
     "mounts[1].options: expected an array, got string"},
    {"MountIdmapSizeZero", set("/mounts/2/uidMappings/0/size", 0),
     "mounts[2].uidMappings[0].size: must be greater than 0"},
    {"MountsObject", set("/mounts", json::object()), "mounts: expected an array, got object"},
    // hooks
    {"HookPathRelative", set("/hooks/poststart/0/path", "notify-start"),
     "hooks.poststart[0].path: must be an absolute path, got \"notify-start\""},
    {"HookPathMissing", drop("/hooks/poststop/0/path"),
     "hooks.poststop[0].path: required field is missing"},
    {"HookTimeoutZero", set("/hooks/createRuntime/0/timeout", 0),
     "hooks.createRuntime[0].timeout: must be greater than 0, got 0"},
    {"HookTimeoutNegative", set("/hooks/poststart/0/timeout", -3),
     "hooks.poststart[0].timeout: must be greater than 0, got -3"},
    {"HookTimeoutFloat", set("/hooks/poststart/0/timeout", 2.5),
     "hooks.poststart[0].timeout: expected an integer, got 2.5"},
    {"HookArgsNotStrings", set("/hooks/prestart/0/args/1", json::object()),
     "hooks.prestart[0].args[1]: expected a string, got object"},
    {"HookEnvWithoutEquals", set("/hooks/prestart/0/env/0", "KEY"),
     "hooks.prestart[0].env[0]: expected NAME=VALUE, got \"KEY\""},
    {"HooksArray", set("/hooks", json::array()), "hooks: expected an object, got array"},
    // linux: sysctl, devices, seccomp, misc
    {"SysctlValueNumber", set("/linux/sysctl/net.ipv4.ip_forward", 1),
     "linux.sysctl[\"net.ipv4.ip_forward\"]: expected a string, got 1"},
    {"DeviceTypeUnknown", set("/linux/devices/0/type", "x"),
     "linux.devices[0].type: unknown device type \"x\" (expected c, b, u or p)"},
    {"DevicePathRelative", set("/linux/devices/1/path", "dev/sda"),
     "linux.devices[1].path: must be an absolute path, got \"dev/sda\""},
    {"DeviceMajorMissing", drop("/linux/devices/1/major"),
     "linux.devices[1].major: required field is missing"},
    {"DeviceFileModeTooWide", set("/linux/devices/0/fileMode", 070000),
     "linux.devices[0].fileMode: value 28672 out of range (max 4095)"},
    {"DeviceUidNegative", set("/linux/devices/0/uid", -1),
     "linux.devices[0].uid: expected an unsigned integer, got -1"},
    {"SeccompDefaultActionMissing", drop("/linux/seccomp/defaultAction"),
     "linux.seccomp.defaultAction: required field is missing"},
    {"SeccompDefaultActionNumber", set("/linux/seccomp/defaultAction", 0),
     "linux.seccomp.defaultAction: expected a string, got 0"},
    {"SeccompSyscallActionNumber", set("/linux/seccomp/syscalls/0/action", 1),
     "linux.seccomp.syscalls[0].action: expected a string, got 1"},
    {"SeccompSyscallNamesMissing", drop("/linux/seccomp/syscalls/1/names"),
     "linux.seccomp.syscalls[1].names: required field is missing"},
    {"SeccompArgIndexTooBig", set("/linux/seccomp/syscalls/1/args/0/index", 6),
     "linux.seccomp.syscalls[1].args[0].index: value 6 out of range (max 5)"},
    {"SeccompArgOpMissing", drop("/linux/seccomp/syscalls/1/args/1/op"),
     "linux.seccomp.syscalls[1].args[1].op: required field is missing"},
    {"SeccompArchitectureNumber", set("/linux/seccomp/architectures/1", 3),
     "linux.seccomp.architectures[1]: expected a string, got 3"},
    {"SeccompErrnoNegative", set("/linux/seccomp/defaultErrnoRet", -1),
     "linux.seccomp.defaultErrnoRet: expected an unsigned integer, got -1"},
    {"PropagationUnknown", set("/linux/rootfsPropagation", "sideways"),
     "linux.rootfsPropagation: unknown propagation \"sideways\""},
    {"MaskedPathRelative", set("/linux/maskedPaths/0", "proc/kcore"),
     "linux.maskedPaths[0]: must be an absolute path"},
    {"ReadonlyPathNumber", set("/linux/readonlyPaths/0", 5),
     "linux.readonlyPaths[0]: expected a string, got 5"},
    {"LinuxArray", set("/linux", json::array()), "linux: expected an object, got array"},
    // linux.resources
    {"MemoryLimitFloat", set("/linux/resources/memory/limit", 1.5),
     "linux.resources.memory.limit: expected an integer, got 1.5"},
    {"MemoryLimitBelowMinusOne", set("/linux/resources/memory/limit", -2),
     "linux.resources.memory.limit: must be -1 (unlimited) or a byte count, got -2"},
    {"MemoryLimitAboveInt64", set("/linux/resources/memory/swap", 9223372036854775808u),
     "linux.resources.memory.swap: value 9223372036854775808 out of range"},
    {"SwappinessAbove100", set("/linux/resources/memory/swappiness", 101),
     "linux.resources.memory.swappiness: value 101 out of range (max 100)"},
    {"DisableOomKillerString", set("/linux/resources/memory/disableOOMKiller", "no"),
     "linux.resources.memory.disableOOMKiller: expected a boolean, got string"},
    {"CpuSharesNegative", set("/linux/resources/cpu/shares", -1),
     "linux.resources.cpu.shares: expected an unsigned integer, got -1"},
    {"CpuQuotaString", set("/linux/resources/cpu/quota", "max"),
     "linux.resources.cpu.quota: expected an integer, got string"},
    {"CpuQuotaBelowMinusOne", set("/linux/resources/cpu/quota", -5),
     "linux.resources.cpu.quota: must be -1 (unlimited) or microseconds, got -5"},
    {"CpusNumber", set("/linux/resources/cpu/cpus", 2),
     "linux.resources.cpu.cpus: expected a string, got 2"},
    {"PidsLimitString", set("/linux/resources/pids/limit", "100"),
     "linux.resources.pids.limit: expected an integer, got string"},
    {"BlkioWeightTooBig", set("/linux/resources/blockIO/weight", 70000),
     "linux.resources.blockIO.weight: value 70000 out of range (max 65535)"},
    {"BlkioThrottleRateMissing", drop("/linux/resources/blockIO/throttleReadBpsDevice/0/rate"),
     "linux.resources.blockIO.throttleReadBpsDevice[0].rate: required field is missing"},
    {"BlkioWeightDeviceMajorMissing", drop("/linux/resources/blockIO/weightDevice/0/major"),
     "linux.resources.blockIO.weightDevice[0].major: required field is missing"},
    {"HugepagePageSizeMissing", drop("/linux/resources/hugepageLimits/0/pageSize"),
     "linux.resources.hugepageLimits[0].pageSize: required field is missing"},
    {"DeviceRuleAllowMissing", drop("/linux/resources/devices/1/allow"),
     "linux.resources.devices[1].allow: required field is missing"},
    {"DeviceRuleBadAccess", set("/linux/resources/devices/1/access", "rwx"),
     "linux.resources.devices[1].access: access \"rwx\" may only use the letters r, w and m"},
    {"DeviceRuleBadType", set("/linux/resources/devices/1/type", "u"),
     "linux.resources.devices[1].type: unknown device rule type \"u\" (expected a, c or b)"},
    {"UnifiedValueNumber", set("/linux/resources/unified/memory.high", 1000000),
     "linux.resources.unified[\"memory.high\"]: expected a string, got 1000000"},
    {"ResourcesString", set("/linux/resources", "none"),
     "linux.resources: expected an object, got string"},
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Rules, OciParseRejects, testing::ValuesIn(kBadCases),
                         [](const testing::TestParamInfo<BadCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(OciParse, RejectsBadJsonWithParserMessage) {
  std::string msg = spec_error("{\"ociVersion\": \"1.0.0\",");
  EXPECT_EQ(msg.rfind("invalid config.json: parse error at line 1, column 24", 0), 0u) << msg;
  EXPECT_EQ(msg.find("json.exception"), std::string::npos) << msg;
}

TEST(OciParse, RejectsNumberOverflowWhileParsing) {
  EXPECT_EQ(spec_error("{\"ociVersion\": 1e999}"),
            "invalid config.json: number overflow parsing '1e999'");
  EXPECT_EQ(spec_error("").rfind("invalid config.json: parse error at line 1, column 1", 0), 0u);
}

TEST(OciParse, RejectsNonObjectDocument) {
  EXPECT_EQ(spec_error("\"hello\""),
            "invalid config.json: expected a JSON object at the top level, got string");
  EXPECT_EQ(spec_error("null"),
            "invalid config.json: expected a JSON object at the top level, got null");
}

TEST(OciParse, RejectsInvalidUtf8) {
  std::string msg = spec_error("{\"ociVersion\": \"\xff\"}");
  EXPECT_EQ(msg.rfind("invalid config.json: parse error", 0), 0u) << msg;
}

TEST(OciParse, RejectsNumberTooLargeForAnyInteger) {
  json j = minimal();
  std::string text = j.dump();
  text.insert(text.size() - 1,
              ",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
              "\"user\":{\"uid\":18446744073709551616,\"gid\":0}}");
  EXPECT_EQ(spec_error(text),
            "invalid config.json: process.user.uid: expected an unsigned integer, got "
            "1.8446744073709552e+19");
}

TEST(OciParse, TooManyIdMappings) {
  json j = minimal();
  j["linux"]["namespaces"] = {{{"type", "user"}}};
  json maps = json::array();
  for (uint32_t i = 0; i < 341; ++i)
    maps.push_back({{"containerID", i}, {"hostID", 1000 + i}, {"size", 1}});
  j["linux"]["uidMappings"] = maps;
  j["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 1}, {"size", 1}}};
  EXPECT_EQ(spec_error(j.dump()),
            "invalid config.json: linux.uidMappings: 341 mappings, the kernel accepts at most 340");
}

// ---- model helpers ----------------------------------------------------------

TEST(OciModel, AsksForLimits) {
  using nook::oci::Resources;
  Resources r;
  EXPECT_FALSE(r.asks_for_limits());
  r.devices.push_back({});  // device rules never count
  EXPECT_FALSE(r.asks_for_limits());
  r.memory = nook::oci::Memory{};
  r.memory->limit = -1;  // "unlimited" is no limit
  r.memory->swap = 0;
  EXPECT_FALSE(r.asks_for_limits());
  r.memory->limit = 1 << 20;
  EXPECT_TRUE(r.asks_for_limits());

  Resources c;
  c.cpu = nook::oci::Cpu{};
  c.cpu->quota = -1;
  EXPECT_FALSE(c.asks_for_limits());
  c.cpu->cpus = "0-1";
  EXPECT_TRUE(c.asks_for_limits());

  Resources p;
  p.pids = nook::oci::Pids{-1};
  EXPECT_FALSE(p.asks_for_limits());
  p.pids->limit = 0;  // runtime-spec: 0 is a real limit
  EXPECT_TRUE(p.asks_for_limits());

  Resources u;
  u.unified["pids.max"] = "5";
  EXPECT_TRUE(u.asks_for_limits());

  auto full = parse_spec(full_config().dump());
  EXPECT_TRUE(full.linux.resources->asks_for_limits());
}

TEST(OciModel, FindNamespaceReturnsTheEntry) {
  auto s = parse_spec(full_config().dump());
  ASSERT_NE(s.find_namespace("network"), nullptr);
  EXPECT_EQ(s.find_namespace("network")->path, "/var/run/netns/neta");
  EXPECT_EQ(s.find_namespace("nope"), nullptr);
}
