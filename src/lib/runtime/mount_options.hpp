#pragma once
// OCI mount "options" → mount(2) flags, propagation and filesystem data.
#include <string>
#include <vector>

namespace nook::runtime {

struct MountOptions {
  unsigned long flags = 0;        // MS_RDONLY, MS_NOSUID, ... (set)
  unsigned long clear = 0;        // flags an option turned off ("rw", "suid"...)
  unsigned long propagation = 0;  // MS_SHARED / MS_PRIVATE / ... | MS_REC
  // runtime-spec 1.1 recursive variants ("rro", "rnosuid"...): applied to
  // every mount of an rbind; plain flags apply to its top mount only, as
  // runc and crun do (clearing a flag the kernel locked on a host submount
  // would fail).
  unsigned long recursive_flags = 0;
  unsigned long recursive_clear = 0;
  bool bind = false;
  bool recursive = false;  // rbind
  std::string data;        // comma-joined options the kernel flags do not cover
};

// Never throws: options it does not know are passed to the filesystem as
// data, as runc and crun do (e.g. "mode=755", "size=65536k").
MountOptions parse_mount_options(const std::vector<std::string>& options);

// Propagation name from linux.rootfsPropagation → flags; throws Error on an
// unknown name.
unsigned long parse_propagation(const std::string& name);

}  // namespace nook::runtime
