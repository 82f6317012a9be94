#include "runtime/mount_options.hpp"

#include <sys/mount.h>

#include <map>

#include "sys/error.hpp"

namespace nook::runtime {
namespace {

struct FlagOption {
  bool clear;
  unsigned long flag;
};

const std::map<std::string, FlagOption>& flag_options() {
  static const std::map<std::string, FlagOption> table = {
      {"async", {true, MS_SYNCHRONOUS}},
      {"atime", {true, MS_NOATIME}},
      {"defaults", {false, 0}},
      {"dev", {true, MS_NODEV}},
      {"diratime", {true, MS_NODIRATIME}},
      {"dirsync", {false, MS_DIRSYNC}},
      {"exec", {true, MS_NOEXEC}},
      {"iversion", {false, MS_I_VERSION}},
      {"lazytime", {false, MS_LAZYTIME}},
      {"loud", {true, MS_SILENT}},
      {"mand", {false, MS_MANDLOCK}},
      {"noatime", {false, MS_NOATIME}},
      {"nodev", {false, MS_NODEV}},
      {"nodiratime", {false, MS_NODIRATIME}},
      {"noexec", {false, MS_NOEXEC}},
      {"noiversion", {true, MS_I_VERSION}},
      {"nolazytime", {true, MS_LAZYTIME}},
      {"nomand", {true, MS_MANDLOCK}},
      {"norelatime", {true, MS_RELATIME}},
      {"nostrictatime", {true, MS_STRICTATIME}},
      {"nosuid", {false, MS_NOSUID}},
      {"relatime", {false, MS_RELATIME}},
      {"remount", {false, MS_REMOUNT}},
      {"ro", {false, MS_RDONLY}},
      {"rw", {true, MS_RDONLY}},
      {"silent", {false, MS_SILENT}},
      {"strictatime", {false, MS_STRICTATIME}},
      {"suid", {true, MS_NOSUID}},
      {"sync", {false, MS_SYNCHRONOUS}},
      {"nosymfollow", {false, MS_NOSYMFOLLOW}},
  };
  return table;
}

const std::map<std::string, unsigned long>& propagation_options() {
  static const std::map<std::string, unsigned long> table = {
      {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
      {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
      {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  return table;
}

}  // namespace

MountOptions parse_mount_options(const std::vector<std::string>& options) {
  MountOptions out;
  for (const auto& opt : options) {
    if (opt == "bind" || opt == "rbind") {
      out.bind = true;
      out.recursive = out.recursive || opt == "rbind";
      continue;
    }
    if (auto it = flag_options().find(opt); it != flag_options().end()) {
      if (it->second.clear) {
        out.flags &= ~it->second.flag;
        out.clear |= it->second.flag;
      } else {
        out.flags |= it->second.flag;
        out.clear &= ~it->second.flag;
      }
      continue;
    }
    if (opt.size() > 1 && opt[0] == 'r') {
      auto it = flag_options().find(opt.substr(1));
      if (it != flag_options().end() && it->second.flag != 0) {
        if (it->second.clear) {
          out.recursive_flags &= ~it->second.flag;
          out.recursive_clear |= it->second.flag;
        } else {
          out.recursive_flags |= it->second.flag;
          out.recursive_clear &= ~it->second.flag;
        }
        continue;
      }
    }
    if (auto it = propagation_options().find(opt); it != propagation_options().end()) {
      out.propagation = it->second;
      continue;
    }
    // Options only meaningful to other tools (e.g. "tmpcopyup", "z", "idmap"
    // rejected earlier) are dropped rather than confusing the kernel.
    if (opt == "tmpcopyup" || opt == "z" || opt == "Z" || opt == "U" || opt == "copy" ||
        opt == "nocopy")
      continue;
    if (!out.data.empty()) out.data += ',';
    out.data += opt;
  }
  return out;
}

unsigned long parse_propagation(const std::string& name) {
  auto it = propagation_options().find(name);
  if (it == propagation_options().end())
    throw Error("invalid config.json: linux.rootfsPropagation: unknown propagation \"" + name +
                "\"");
  return it->second;
}

}  // namespace nook::runtime
