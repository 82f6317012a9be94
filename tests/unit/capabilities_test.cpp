#include "runtime/capabilities.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>

#include "child_process.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

using nook::Error;
using nook::oci::Capabilities;
using namespace nook::runtime;
using nook::test::ChildResult;
using nook::test::run_in_user_namespace;

namespace {

// One of CapInh CapPrm CapEff CapBnd CapAmb from /proc/self/status.
uint64_t status_mask(const std::string& field) {
  std::istringstream in(nook::read_file("/proc/self/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0)
      return std::stoull(line.substr(field.size() + 1), nullptr, 16);
  }
  throw Error("no " + field + " in /proc/self/status");
}

uint64_t mask(std::initializer_list<int> caps) {
  uint64_t m = 0;
  for (int c : caps) m |= uint64_t{1} << c;
  return m;
}

int kernel_cap_count() {
  return std::stoi(nook::read_file("/proc/sys/kernel/cap_last_cap")) + 1;
}

void expect_child_ok(const ChildResult& r) {
  if (r.exited(nook::test::kNoUserNamespace)) GTEST_SKIP() << "no user namespaces here";
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

std::string child_error(const ChildResult& r) {
  EXPECT_TRUE(r.exited(nook::test::kChildThrew)) << r.describe();
  return r.message;
}

}  // namespace

TEST(Capabilities, NamesAreSpecSpelledOnly) {
  EXPECT_EQ(capability_from_name("CAP_CHOWN"), 0);
  EXPECT_EQ(capability_from_name("CAP_SYS_ADMIN"), CAP_SYS_ADMIN);
  EXPECT_EQ(capability_from_name("CAP_NET_BIND_SERVICE"), CAP_NET_BIND_SERVICE);
  for (const char* bad :
       {"cap_sys_admin", "Cap_Sys_Admin", "SYS_ADMIN", "CAP_SYS_ADMINX", "CAP_CHOWN1", "CAP_CHOWN ",
        " CAP_CHOWN", "21", "CAP_21", "", "CAP_", "CAP_NOT_A_CAP", "CAP_CHOWN,CAP_KILL"}) {
    EXPECT_EQ(capability_from_name(bad), std::nullopt) << bad;
  }
}

TEST(Capabilities, KnownCapabilitiesFollowTheKernel) {
  auto caps = known_capabilities();
  ASSERT_FALSE(caps.empty());
  EXPECT_EQ(caps.front(), "CAP_CHOWN");
  EXPECT_LE(static_cast<int>(caps.size()), kernel_cap_count());
  EXPECT_NE(std::find(caps.begin(), caps.end(), "CAP_SYS_ADMIN"), caps.end());
  for (size_t i = 0; i < caps.size(); ++i) {
    auto v = capability_from_name(caps[i]);
    ASSERT_TRUE(v) << caps[i];
    if (i > 0) {
      EXPECT_GT(*v, *capability_from_name(caps[i - 1]));
    }
  }
}

TEST(Capabilities, ValidateNamesJsonPathAndName) {
  struct Case {
    Capabilities caps;
    std::string path;
  };
  std::vector<Case> cases = {
      {{.bounding = {"CAP_CHOWN", "CAP_BOGUS"}}, "process.capabilities.bounding[1]"},
      {{.effective = {"cap_chown"}}, "process.capabilities.effective[0]"},
      {{.inheritable = {"CAP_KILL", "CAP_KILL", "KILL"}}, "process.capabilities.inheritable[2]"},
      {{.permitted = {""}}, "process.capabilities.permitted[0]"},
      {{.ambient = {"CAP_SYS_ADMIN2"}}, "process.capabilities.ambient[0]"},
  };
  for (const auto& c : cases) {
    try {
      validate_capabilities(c.caps);
      ADD_FAILURE() << "accepted " << c.path;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.path), std::string::npos) << e.what();
    }
  }
  try {
    validate_capabilities({.bounding = {"CAP_CHOWN", "CAP_BOGUS"}});
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("CAP_BOGUS"), std::string::npos) << e.what();
  }
}

TEST(Capabilities, ValidateRefusesSetsTheKernelWouldRefuse) {
  EXPECT_THROW(validate_capabilities({.effective = {"CAP_KILL"}}), Error);
  // Ambient outside permitted+inheritable is accepted (runc's own `spec`
  // writes that) and simply not raised: see ApplySkipsAmbientOutsideInheritable.
  EXPECT_NO_THROW(validate_capabilities({.permitted = {"CAP_KILL"}, .ambient = {"CAP_KILL"}}));
  Capabilities good{.bounding = known_capabilities(),
                    .effective = {"CAP_KILL"},
                    .inheritable = {"CAP_KILL"},
                    .permitted = {"CAP_KILL"},
                    .ambient = {"CAP_KILL"}};
  EXPECT_TRUE(validate_capabilities(good).empty());
  EXPECT_TRUE(validate_capabilities({}).empty());
}

TEST(Capabilities, ApplySetsAllFiveSetsExactly) {
  Capabilities caps{.bounding = {"CAP_CHOWN", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_KILL"},
                    .effective = {"CAP_CHOWN", "CAP_NET_BIND_SERVICE"},
                    .inheritable = {"CAP_NET_BIND_SERVICE", "CAP_KILL"},
                    .permitted = {"CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_KILL"},
                    .ambient = {"CAP_NET_BIND_SERVICE"}};
  auto r = run_in_user_namespace([&] {
    prepare_capabilities(caps);
    if (prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) != 1) return 10;
    if (status_mask("CapBnd") != mask({CAP_CHOWN, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_KILL}))
      return 11;
    apply_capabilities(caps);
    if (status_mask("CapEff") != mask({CAP_CHOWN, CAP_NET_BIND_SERVICE})) return 12;
    if (status_mask("CapPrm") != mask({CAP_CHOWN, CAP_NET_BIND_SERVICE, CAP_KILL})) return 13;
    if (status_mask("CapInh") != mask({CAP_NET_BIND_SERVICE, CAP_KILL})) return 14;
    if (status_mask("CapAmb") != mask({CAP_NET_BIND_SERVICE})) return 15;
    if (status_mask("CapBnd") != mask({CAP_CHOWN, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_KILL}))
      return 16;
    if (prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) != 0) return 17;
    return 0;
  });
  expect_child_ok(r);
}

TEST(Capabilities, DroppedCapabilityIsReallyGone) {
  // Without CAP_SYS_ADMIN a new mount namespace is refused; with it, allowed.
  auto without = run_in_user_namespace([] {
    Capabilities caps{
        .bounding = {"CAP_CHOWN"}, .effective = {"CAP_CHOWN"}, .permitted = {"CAP_CHOWN"}};
    prepare_capabilities(caps);
    apply_capabilities(caps);
    if (unshare(CLONE_NEWNS) == 0) return 1;
    return errno == EPERM ? 0 : 2;
  });
  expect_child_ok(without);
  auto with = run_in_user_namespace([] {
    Capabilities caps{.bounding = {"CAP_SYS_ADMIN"},
                      .effective = {"CAP_SYS_ADMIN"},
                      .permitted = {"CAP_SYS_ADMIN"}};
    prepare_capabilities(caps);
    apply_capabilities(caps);
    return unshare(CLONE_NEWNS) == 0 ? 0 : 3;
  });
  expect_child_ok(with);
}

TEST(Capabilities, DropAllEmptiesEverySet) {
  auto r = run_in_user_namespace([] {
    drop_all_capabilities();
    for (const char* f : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
      if (status_mask(f) != 0) return 1;
    }
    return 0;
  });
  expect_child_ok(r);
}

TEST(Capabilities, DropAllAfterPrepareAndLostEffective) {
  // As after setresuid with PR_SET_KEEPCAPS: permitted kept, effective empty.
  auto r = run_in_user_namespace([] {
    prepare_capabilities({.bounding = known_capabilities()});
    cap_t state = cap_get_proc();
    if (state == nullptr || cap_clear_flag(state, CAP_EFFECTIVE) != 0 || cap_set_proc(state) != 0)
      return 1;
    cap_free(state);
    if (status_mask("CapEff") != 0 || status_mask("CapPrm") == 0) return 2;
    drop_all_capabilities();
    for (const char* f : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
      if (status_mask(f) != 0) return 3;
    }
    return prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) == 0 ? 0 : 4;
  });
  expect_child_ok(r);
}

TEST(Capabilities, ApplySkipsAmbientOutsideInheritable) {
  auto r = run_in_user_namespace([] {
    apply_capabilities({.effective = {"CAP_KILL"},
                        .inheritable = {"CAP_CHOWN"},
                        .permitted = {"CAP_KILL", "CAP_CHOWN"},
                        .ambient = {"CAP_KILL", "CAP_CHOWN"}});
    // CAP_KILL is not inheritable: left out; CAP_CHOWN is raised.
    return status_mask("CapAmb") == mask({CAP_CHOWN}) ? 0 : 20;
  });
  if (r.exited(nook::test::kNoUserNamespace)) GTEST_SKIP() << "no user namespaces here";
  expect_child_ok(r);
}

TEST(Capabilities, ApplyExplainsCapabilityNoLongerPermitted) {
  auto r = run_in_user_namespace([] {
    Capabilities few{
        .bounding = {"CAP_KILL"}, .effective = {"CAP_KILL"}, .permitted = {"CAP_KILL"}};
    prepare_capabilities(few);
    apply_capabilities(few);
    apply_capabilities({.effective = {"CAP_CHOWN"}, .permitted = {"CAP_CHOWN"}});
    return 0;
  });
  if (r.exited(nook::test::kNoUserNamespace)) GTEST_SKIP() << "no user namespaces here";
  std::string msg = child_error(r);
  EXPECT_NE(msg.find("CAP_CHOWN"), std::string::npos) << msg;
  EXPECT_NE(msg.find("no longer permitted"), std::string::npos) << msg;
}

TEST(Capabilities, KernelRefusalCarriesOperationAndErrno) {
  // Without CAP_SETPCAP the bounding set cannot shrink: the Error says which
  // call failed, on which capability, with EPERM.
  auto r = nook::test::run_in_user_namespace([] {
    Capabilities none{.bounding = known_capabilities()};
    apply_capabilities(none);  // empties effective and permitted
    try {
      prepare_capabilities({.bounding = {"CAP_KILL"}});
    } catch (const Error& e) {
      if (e.errnum() != EPERM) return 1;
      if (e.op() != "prctl(PR_CAPBSET_DROP)") return 2;
      if (e.path() != "CAP_CHOWN") return 3;
      return 0;
    }
    return 4;
  });
  expect_child_ok(r);
}
