#pragma once
// Moves the calling process itself into a new user namespace where it is
// root and the user's subordinate ids are mapped, as podman's "rootless
// mode" does for its storage work: only there may an unprivileged user
// chown a file to an image's uid 27 (subuid+26 on the host) or delete
// such files again. The mapping is runtime::rootless_mapping, the same
// for every namespace nook makes, so owners on disk agree everywhere.
#include <sys/types.h>

#include <string>
#include <vector>

#include "oci/spec.hpp"

namespace nook::runtime {

struct UsernsMapping {
  std::vector<oci::IdMapping> uids;
  std::vector<oci::IdMapping> gids;
  // The user has no subordinate range (for uids or gids): only their own
  // id is mapped and files owned by any other id cannot be made.
  bool single_id = false;
};

// The mapping for the calling (real, not yet namespaced) user.
UsernsMapping rootless_user_mapping();

// True when the process already runs in a user namespace nook entered
// (uid 0 inside, mapped to a non-root uid outside).
bool in_rootless_userns();

// Enters the new namespace. Must be called while the process has a single
// thread (unshare(CLONE_NEWUSER) refuses otherwise). A short-lived child,
// forked before the unshare so that it stays outside, runs
// newuidmap/newgidmap on this process. Afterwards the process is uid/gid 0
// in the namespace with a full capability set there. Throws Error naming
// the tool and the fix when mapping fails; the process is then in an
// unmapped namespace and should exit.
void enter_user_namespace(const UsernsMapping& mapping);

}  // namespace nook::runtime
