#include "runtime/seccomp.hpp"

#include <gtest/gtest.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"
#include "temp_dir.hpp"

using nook::Error;
using nook::UniqueFd;
using nook::oci::Seccomp;
using nook::oci::SeccompArg;
using nook::oci::SeccompSyscall;
using nook::runtime::SeccompFilter;
using nook::test::ChildResult;
using nook::test::run_in_child;

namespace {

Seccomp allow_except(std::vector<SeccompSyscall> rules) {
  Seccomp s;
  s.default_action = "SCMP_ACT_ALLOW";
  s.syscalls = std::move(rules);
  return s;
}

SeccompSyscall rule(std::vector<std::string> names, std::string action,
                    std::optional<unsigned> errno_ret = std::nullopt,
                    std::vector<SeccompArg> args = {}) {
  return SeccompSyscall{std::move(names), std::move(action), errno_ret, std::move(args)};
}

SeccompArg arg(unsigned index, std::string op, uint64_t value, uint64_t value_two = 0) {
  return SeccompArg{index, value, value_two, std::move(op)};
}

std::string compile_error(const Seccomp& profile) {
  try {
    SeccompFilter::compile(profile);
  } catch (const Error& e) {
    return e.what();
  }
  return "(compiled)";
}

// Loading unprivileged needs no_new_privs; the tests may run as any user.
void enter_filter(SeccompFilter& filter) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) nook::throw_errno("PR_SET_NO_NEW_PRIVS");
  filter.load();
}

// The child's getppid result with these (ignored by the kernel, seen by the
// filter) argument registers: the parent's pid, or -errno.
long getppid_with(uint64_t a0, uint64_t a1 = 0) {
  errno = 0;
  long r = syscall(SYS_getppid, a0, a1);
  return r < 0 ? -errno : r;
}

// A child that dies by signal must not leave core files behind.
void no_core_dump() {
  rlimit zero{0, 0};
  setrlimit(RLIMIT_CORE, &zero);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace

TEST(SeccompCompile, RejectsBadInputWithJsonPath) {
  struct Case {
    Seccomp profile;
    std::string expect;  // substrings of the message: path, then why
    std::string why;
  };
  Seccomp unknown_default = allow_except({});
  unknown_default.default_action = "SCMP_ACT_BOGUS";
  Seccomp empty_default = allow_except({});
  empty_default.default_action = "";
  Seccomp notify_default = allow_except({});
  notify_default.default_action = "SCMP_ACT_NOTIFY";
  notify_default.listener_path = "/tmp/agent.sock";
  Seccomp errno_on_allow = allow_except({});
  errno_on_allow.default_errno_ret = 1;
  Seccomp huge_errno = allow_except({});
  huge_errno.default_action = "SCMP_ACT_ERRNO";
  huge_errno.default_errno_ret = 70000;
  Seccomp bad_arch = allow_except({});
  bad_arch.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"};
  Seccomp libseccomp_spelling = allow_except({});
  libseccomp_spelling.architectures = {"x86_64"};
  Seccomp bad_flag = allow_except({});
  bad_flag.flags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_BOGUS"};
  Seccomp notify_no_listener = allow_except({rule({"getppid"}, "SCMP_ACT_NOTIFY")});
  Seccomp notify_write = allow_except({rule({"getppid", "write"}, "SCMP_ACT_NOTIFY")});
  notify_write.listener_path = "/tmp/agent.sock";

  std::vector<Case> cases = {
      {unknown_default, "linux.seccomp.defaultAction", "SCMP_ACT_BOGUS"},
      {empty_default, "linux.seccomp.defaultAction", "no action"},
      {notify_default, "linux.seccomp.defaultAction", "SCMP_ACT_NOTIFY"},
      {errno_on_allow, "linux.seccomp.defaultErrnoRet", "only SCMP_ACT_ERRNO"},
      {huge_errno, "linux.seccomp.defaultErrnoRet", "70000"},
      {bad_arch, "linux.seccomp.architectures[1]", "SCMP_ARCH_VAX"},
      {libseccomp_spelling, "linux.seccomp.architectures[0]", "x86_64"},
      {bad_flag, "linux.seccomp.flags[1]", "SECCOMP_FILTER_FLAG_BOGUS"},
      {allow_except({rule({"getppid"}, "SCMP_ACT_ERRNO"), rule({"getpid"}, "SCMP_ACT_EXPLODE")}),
       "linux.seccomp.syscalls[1].action", "SCMP_ACT_EXPLODE"},
      {allow_except({rule({"getppid"}, "SCMP_ACT_KILL", 1)}), "linux.seccomp.syscalls[0].errnoRet",
       "only SCMP_ACT_ERRNO"},
      {allow_except({rule({"getppid"}, "SCMP_ACT_ERRNO", 4096)}),
       "linux.seccomp.syscalls[0].errnoRet", "4096"},
      {allow_except({rule({"getppid"}, "SCMP_ACT_TRACE", 65536)}),
       "linux.seccomp.syscalls[0].errnoRet", "65536"},
      {allow_except({rule({}, "SCMP_ACT_ERRNO")}), "linux.seccomp.syscalls[0].names",
       "at least one"},
      {allow_except({rule({"getppid", ""}, "SCMP_ACT_ERRNO")}),
       "linux.seccomp.syscalls[0].names[1]", "empty"},
      {allow_except({rule({"getppid"}, "SCMP_ACT_ERRNO", std::nullopt,
                          {arg(0, "SCMP_CMP_EQ", 1), arg(1, "SCMP_CMP_SIMILAR", 2)})}),
       "linux.seccomp.syscalls[0].args[1].op", "SCMP_CMP_SIMILAR"},
      {allow_except(
           {rule({"getppid"}, "SCMP_ACT_ERRNO", std::nullopt, {arg(6, "SCMP_CMP_EQ", 1)})}),
       "linux.seccomp.syscalls[0].args[0].index", "0-5"},
      {notify_no_listener, "linux.seccomp.syscalls[0].action",
       "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath"},
      {notify_write, "linux.seccomp.syscalls[0].action", "`write`"},
  };
  for (const auto& c : cases) {
    std::string msg = compile_error(c.profile);
    EXPECT_NE(msg.find(c.expect + ":"), std::string::npos)
        << "want " << c.expect << ", got " << msg;
    EXPECT_NE(msg.find(c.why), std::string::npos) << "want " << c.why << ", got " << msg;
  }
}

TEST(SeccompCompile, AcceptsEveryActionOperatorAndFlagItAdvertises) {
  std::vector<SeccompSyscall> rules;
  const char* syscalls[] = {"getpid",  "getppid", "getuid",  "geteuid", "getgid",
                            "getegid", "gettid",  "getpgrp", "getsid",  "uname"};
  size_t i = 0;
  for (const auto& action : nook::runtime::seccomp_action_names()) {
    if (action == "SCMP_ACT_ALLOW") continue;
    ASSERT_LT(i, std::size(syscalls));
    rules.push_back(rule({syscalls[i++]}, action));
  }
  std::vector<SeccompArg> args;
  unsigned index = 0;
  for (const auto& op : nook::runtime::seccomp_operator_names()) {
    args.push_back(arg(index++ % 6, op, 1, 1));
  }
  rules.push_back(rule({"personality"}, "SCMP_ACT_ERRNO", 1, args));
  Seccomp profile = allow_except(rules);
  profile.listener_path = "/tmp/agent.sock";
  profile.flags = nook::runtime::seccomp_supported_flags();
  auto filter = SeccompFilter::compile(profile);
  EXPECT_TRUE(filter.uses_notify());
  EXPECT_EQ(filter.listener_path(), "/tmp/agent.sock");

  // TSYNC and LOG work on any kernel nook supports.
  auto supported = nook::runtime::seccomp_supported_flags();
  EXPECT_NE(std::find(supported.begin(), supported.end(), "SECCOMP_FILTER_FLAG_TSYNC"),
            supported.end());
  EXPECT_NE(std::find(supported.begin(), supported.end(), "SECCOMP_FILTER_FLAG_LOG"),
            supported.end());
  auto known = nook::runtime::seccomp_known_flags();
  for (const auto& f : supported) EXPECT_NE(std::find(known.begin(), known.end(), f), known.end());
}

TEST(SeccompCompile, ArchitecturesOfTheNativeByteOrder) {
  if (seccomp_arch_native() != SCMP_ARCH_X86_64) GTEST_SKIP() << "test written for x86_64";
  Seccomp profile = allow_except({rule({"getppid"}, "SCMP_ACT_ERRNO")});
  profile.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86",     "SCMP_ARCH_X32",
                           "SCMP_ARCH_ARM",    "SCMP_ARCH_AARCH64", "SCMP_ARCH_RISCV64",
                           "SCMP_ARCH_MIPSEL", "SCMP_ARCH_PPC64LE"};
  EXPECT_NO_THROW(SeccompFilter::compile(profile));
  // One filter cannot mix byte orders; libseccomp's refusal comes with the path.
  profile.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_S390X"};
  std::string msg = compile_error(profile);
  EXPECT_NE(msg.find("linux.seccomp.architectures[1]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("SCMP_ARCH_S390X"), std::string::npos) << msg;
}

TEST(SeccompCompile, EveryAdvertisedArchitectureIsKnownToLibseccomp) {
  auto archs = nook::runtime::seccomp_architecture_names();
  for (const char* want :
       {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
        "SCMP_ARCH_MIPS64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390X", "SCMP_ARCH_RISCV64"}) {
    EXPECT_NE(std::find(archs.begin(), archs.end(), want), archs.end()) << want;
  }
  for (const auto& a : archs) {
    // libseccomp's own names are the lower-case tails: SCMP_ARCH_X86_64 → x86_64.
    std::string tail = a.substr(strlen("SCMP_ARCH_"));
    std::transform(tail.begin(), tail.end(), tail.begin(), ::tolower);
    EXPECT_NE(seccomp_arch_resolve_name(tail.c_str()), 0u) << a;
  }
}

TEST(Seccomp, ErrnoRuleReturnsItsErrno) {
  auto filter = SeccompFilter::compile(allow_except({
      rule({"nook_no_such_syscall", "getppid"}, "SCMP_ACT_ERRNO", 42),
      rule({"mkdir", "mkdirat"}, "SCMP_ACT_ERRNO"),
  }));
  EXPECT_FALSE(filter.uses_notify());
  pid_t me = getpid();
  auto r = run_in_child([&] {
    if (getppid_with(0) != me) return 1;  // before: allowed
    enter_filter(filter);
    if (getppid_with(0) != -42) return 2;
    if (mkdir("/tmp/nook-seccomp-test-never", 0700) == 0 || errno != EPERM) return 3;
    if (getpid() <= 0) return 4;  // everything else still allowed
    return 0;
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

TEST(Seccomp, RuleWithTheDefaultActionIsSkipped) {
  Seccomp profile =
      allow_except({rule({"getppid"}, "SCMP_ACT_ALLOW"), rule({"getpid"}, "SCMP_ACT_ERRNO", 7)});
  auto filter = SeccompFilter::compile(profile);
  auto r = run_in_child([&] {
    enter_filter(filter);
    if (getppid_with(0) <= 0) return 1;
    return syscall(SYS_getpid) == -1 && errno == 7 ? 0 : 2;
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

TEST(Seccomp, KillingActionsKillWithSigsys) {
  for (const char* action :
       {"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP"}) {
    auto filter = SeccompFilter::compile(allow_except({rule({"getppid"}, action)}));
    auto r = run_in_child([&] {
      no_core_dump();
      enter_filter(filter);
      getppid_with(0);
      return 0;
    });
    EXPECT_TRUE(r.signaled(SIGSYS)) << action << ": " << r.describe();
  }
}

TEST(Seccomp, ArgumentConditions) {
  struct Probe {
    uint64_t a0, a1;
    bool blocked;
  };
  struct Case {
    const char* what;
    std::vector<SeccompArg> args;
    std::vector<Probe> probes;
  };
  std::vector<Case> cases = {
      {"personality-style query",
       {arg(0, "SCMP_CMP_EQ", 0xffffffff)},
       {{0xffffffff, 0, true}, {0, 0, false}, {0xfffffffe, 0, false}}},
      {"different args AND",
       {arg(0, "SCMP_CMP_EQ", 1), arg(1, "SCMP_CMP_EQ", 2)},
       {{1, 2, true}, {1, 3, false}, {0, 2, false}}},
      {"same arg twice OR (runc)",
       {arg(0, "SCMP_CMP_EQ", 1), arg(0, "SCMP_CMP_EQ", 2)},
       {{1, 0, true}, {2, 0, true}, {3, 0, false}}},
      {"masked: value is the mask, valueTwo the datum",
       {arg(0, "SCMP_CMP_MASKED_EQ", 0xff, 0x12)},
       {{0x1012, 0, true}, {0x12, 0, true}, {0x1013, 0, false}}},
      {"ne", {arg(0, "SCMP_CMP_NE", 5)}, {{4, 0, true}, {5, 0, false}}},
      {"lt", {arg(0, "SCMP_CMP_LT", 5)}, {{4, 0, true}, {5, 0, false}}},
      {"le", {arg(0, "SCMP_CMP_LE", 5)}, {{5, 0, true}, {6, 0, false}}},
      {"ge", {arg(0, "SCMP_CMP_GE", 5)}, {{5, 0, true}, {4, 0, false}}},
      {"gt", {arg(0, "SCMP_CMP_GT", 5)}, {{6, 0, true}, {5, 0, false}}},
      {"64-bit values",
       {arg(1, "SCMP_CMP_EQ", 0x123456789abcdef0)},
       {{0, 0x123456789abcdef0, true}, {0, 0x9abcdef0, false}}},
  };
  pid_t me = getpid();
  for (const auto& c : cases) {
    auto filter =
        SeccompFilter::compile(allow_except({rule({"getppid"}, "SCMP_ACT_ERRNO", 42, c.args)}));
    auto r = run_in_child([&] {
      enter_filter(filter);
      int bad = 1;
      for (const auto& p : c.probes) {
        long got = getppid_with(p.a0, p.a1);
        if (got != (p.blocked ? -42 : me)) return bad;
        ++bad;
      }
      return 0;
    });
    EXPECT_TRUE(r.exited(0)) << c.what << ": probe " << r.describe();
  }
  // A real syscall that reads its argument: personality(0xffffffff) only asks.
  auto filter = SeccompFilter::compile(allow_except(
      {rule({"personality"}, "SCMP_ACT_ERRNO", 42, {arg(0, "SCMP_CMP_EQ", 0xffffffff)})}));
  auto r = run_in_child([&] {
    enter_filter(filter);
    if (personality(0xffffffff) != -1 || errno != 42) return 1;
    return personality(PER_LINUX) >= 0 ? 0 : 2;
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

TEST(Seccomp, LoadWithoutNoNewPrivsOrCapSysAdminExplainsItself) {
  auto filter = SeccompFilter::compile(allow_except({rule({"getppid"}, "SCMP_ACT_ERRNO")}));
  auto r = run_in_child([&] {
    cap_t none = cap_init();
    if (none == nullptr || cap_set_proc(none) != 0) return 1;
    cap_free(none);
    try {
      filter.load();
    } catch (const Error& e) {
      if (e.errnum() != EACCES) return 2;
      return std::string(e.what()).find("no_new_privs") != std::string::npos ? 0 : 3;
    }
    return 4;
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

namespace {

struct Listener {
  nook::test::TempDir dir{"/tmp/nook-seccomp-"};
  std::string path = dir.path("agent.sock");
  UniqueFd fd;
  Listener() {
    fd.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path.c_str());
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(fd.get(), 1) != 0)
      nook::throw_errno("bind", path);
  }

  // Accepts one agent connection: the whole JSON and the fd that came with it.
  std::pair<std::string, UniqueFd> receive() {
    UniqueFd conn(accept4(fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) nook::throw_errno("accept");
    char buf[8192];
    iovec iov{buf, sizeof buf};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(conn.get(), &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) nook::throw_errno("recvmsg");
    std::string json(buf, static_cast<size_t>(n));
    UniqueFd got;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        if (c->cmsg_len != CMSG_LEN(sizeof(int))) throw Error("more than one fd received");
        int f;
        std::memcpy(&f, CMSG_DATA(c), sizeof f);
        got.reset(f);
      }
    }
    while ((n = read(conn.get(), buf, sizeof buf)) > 0) json.append(buf, static_cast<size_t>(n));
    return {json, std::move(got)};
  }
};

}  // namespace

TEST(Seccomp, NotifyListenerReachesTheAgentAndAnswers) {
  Listener agent;
  Seccomp profile = allow_except({rule({"getppid"}, "SCMP_ACT_NOTIFY")});
  profile.listener_path = agent.path;
  profile.listener_metadata = "MKNOD=/dev/null";
  auto filter = SeccompFilter::compile(profile);
  ASSERT_TRUE(filter.uses_notify());
  EXPECT_EQ(filter.listener_metadata(), "MKNOD=/dev/null");
  std::string state =
      R"({"ociVersion":"1.0.2","id":"c1","status":"creating","pid":1,"bundle":"/b"})";

  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int code = 0;
    try {
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(10);
      UniqueFd listener = filter.load();
      if (!listener) _exit(11);
      char link[64] = {};
      std::string fd_path = "/proc/self/fd/" + std::to_string(listener.get());
      if (readlink(fd_path.c_str(), link, sizeof link - 1) < 0 ||
          std::string(link) != "anon_inode:seccomp notify")
        _exit(12);
      nook::runtime::send_seccomp_listener(filter.listener_path(), listener.get(), getpid(),
                                           filter.listener_metadata(), state);
      listener.reset();
      // Blocks until the agent answers for the kernel.
      code = getppid_with(0) == -42 ? 0 : 13;
    } catch (...) {
      code = 14;
    }
    _exit(code);
  }

  std::string json;
  UniqueFd notify_fd;
  ASSERT_NO_THROW(std::tie(json, notify_fd) = agent.receive());
  ASSERT_TRUE(notify_fd);
  auto doc = nlohmann::json::parse(json);
  EXPECT_EQ(doc["ociVersion"], "1.1.0");
  EXPECT_EQ(doc["fds"], nlohmann::json::array({"seccompFd"}));
  EXPECT_EQ(doc["pid"], child);
  EXPECT_EQ(doc["metadata"], "MKNOD=/dev/null");
  EXPECT_EQ(doc["state"]["id"], "c1");
  EXPECT_EQ(doc["state"]["status"], "creating");

  seccomp_notif* req = nullptr;
  seccomp_notif_resp* resp = nullptr;
  ASSERT_EQ(seccomp_notify_alloc(&req, &resp), 0);
  ASSERT_EQ(seccomp_notify_receive(notify_fd.get(), req), 0);
  EXPECT_EQ(req->pid, static_cast<uint32_t>(child));
  EXPECT_EQ(req->data.nr, SYS_getppid);
  resp->id = req->id;
  resp->error = -42;
  resp->val = 0;
  resp->flags = 0;
  EXPECT_EQ(seccomp_notify_respond(notify_fd.get(), resp), 0);
  seccomp_notify_free(req, resp);

  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(Seccomp, SendListenerErrors) {
  UniqueFd some(open("/dev/null", O_RDONLY | O_CLOEXEC));
  try {
    nook::runtime::send_seccomp_listener("/nonexistent/nook/agent.sock", some.get(), 1, "",
                                         R"({"id":"x"})");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.errnum(), ENOENT);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/nook/agent.sock"), std::string::npos);
  }
  Listener agent;
  for (const char* bad : {"", "{", "[1,2]", "\"state\""}) {
    EXPECT_THROW(nook::runtime::send_seccomp_listener(agent.path, some.get(), 1, "", bad), Error)
        << bad;
  }
  EXPECT_THROW(nook::runtime::send_seccomp_listener("/tmp/" + std::string(200, 'x'), some.get(), 1,
                                                    "", "{}"),
               Error);
}
