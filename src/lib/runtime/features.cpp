#include "runtime/features.hpp"

#include "runtime/capabilities.hpp"
#include "runtime/seccomp.hpp"

namespace nook::runtime {
namespace {

// What runtime/mount_options.cpp turns into mount(2) flags or propagation.
// "tmpcopyup" is accepted there but does nothing, and idmapped mounts are
// refused rootless, so neither is advertised.
const char* const kMountOptions[] = {
    "async",         "atime",       "bind",        "defaults", "dev",
    "diratime",      "dirsync",     "exec",        "iversion", "lazytime",
    "loud",          "mand",        "noatime",     "nodev",    "nodiratime",
    "noexec",        "noiversion",  "nolazytime",  "nomand",   "norelatime",
    "nostrictatime", "nosuid",      "nosymfollow", "private",  "rbind",
    "relatime",      "remount",     "ro",          "rprivate", "rshared",
    "rslave",        "runbindable", "rw",          "shared",   "silent",
    "slave",         "strictatime", "suid",        "sync",     "unbindable",
};

}  // namespace

nlohmann::json runtime_features() {
  nlohmann::json mount_options = nlohmann::json::array();
  for (const char* o : kMountOptions) mount_options.push_back(o);

  return {
      {"ociVersionMin", "1.0.0"},
      {"ociVersionMax", "1.1.0"},
      {"hooks",
       {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}},
      {"mountOptions", mount_options},
      {"linux",
       {
           {"namespaces", {"cgroup", "ipc", "mount", "network", "pid", "user", "uts", "time"}},
           {"capabilities", known_capabilities()},
           // Rootless limits need a delegated cgroup2 subtree; nook neither
           // writes cgroup v1 nor talks to systemd.
           {"cgroup",
            {{"v1", false},
             {"v2", true},
             {"systemd", false},
             {"systemdUser", false},
             {"rdma", false}}},
           {"seccomp",
            {{"enabled", true},
             {"actions", seccomp_action_names()},
             {"operators", seccomp_operator_names()},
             {"archs", seccomp_architecture_names()},
             {"knownFlags", seccomp_known_flags()},
             {"supportedFlags", seccomp_supported_flags()}}},
           {"apparmor", {{"enabled", false}}},
           {"selinux", {{"enabled", false}}},
           {"intelRdt", {{"enabled", false}}},
       }},
      {"annotations", {{"io.github.nook.version", NOOK_VERSION}}},
  };
}

}  // namespace nook::runtime
