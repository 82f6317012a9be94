#include "runtime/seccomp.hpp"

#include <seccomp.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "sys/error.hpp"

namespace nook::runtime {
namespace {

// Version of the runtime-spec the container process state follows.
constexpr const char* kProcessStateVersion = "1.1.0";

// Syscall arguments live in six registers.
constexpr unsigned kMaxSyscallArgs = 6;

// Errnos above this make no sense; the kernel clamps them to it.
constexpr unsigned kMaxErrno = 4095;

enum class ActionData { none, errno_code, trace_message };

struct ActionName {
  const char* name;
  uint32_t action;
  ActionData data;
};

constexpr ActionName kActions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL, ActionData::none},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, ActionData::none},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, ActionData::none},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, ActionData::none},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), ActionData::errno_code},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), ActionData::trace_message},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, ActionData::none},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, ActionData::none},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, ActionData::none},
};

struct OperatorName {
  const char* name;
  scmp_compare op;
};

constexpr OperatorName kOperators[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

struct ArchName {
  const char* name;
  uint32_t token;
};

// Every architecture libseccomp 2.5 has a token for.
constexpr ArchName kArchitectures[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
};

struct FlagName {
  const char* name;
  scmp_filter_attr attr;
};

constexpr FlagName kFlags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB},
};

// The handoff of the listener fd to the runtime uses these (see the header).
constexpr const char* kNoNotifySyscalls[] = {"write", "sendmsg"};

struct CtxRelease {
  void operator()(void* ctx) const noexcept { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxRelease>;

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw Error(path + ": " + why);
}

std::string quoted(const std::string& s) {
  return "`" + s + "`";
}

uint32_t resolve_action(const std::string& name, std::optional<unsigned> errno_ret,
                        const std::string& path, const std::string& errno_path) {
  for (const auto& a : kActions) {
    if (name != a.name) continue;
    switch (a.data) {
      case ActionData::none:
        if (errno_ret) fail(errno_path, "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno");
        return a.action;
      case ActionData::errno_code:
        if (errno_ret && *errno_ret > kMaxErrno) {
          fail(errno_path, std::to_string(*errno_ret) + " is not an errno (at most 4095)");
        }
        return SCMP_ACT_ERRNO(errno_ret.value_or(EPERM));
      case ActionData::trace_message:
        if (errno_ret && *errno_ret > 0xffff) {
          fail(errno_path, std::to_string(*errno_ret) + " does not fit the 16-bit trace message");
        }
        return SCMP_ACT_TRACE(errno_ret.value_or(EPERM));
    }
  }
  if (name.empty()) fail(path, "no action given");
  fail(path, "unknown action " + quoted(name));
}

scmp_compare resolve_operator(const std::string& name, const std::string& path) {
  for (const auto& o : kOperators) {
    if (name == o.name) return o.op;
  }
  fail(path, "unknown operator " + quoted(name));
}

// libseccomp returns negative errnos.
void check_rc(int rc, const std::string& op, const std::string& what,
              const std::string& detail = {}) {
  if (rc < 0) throw Error(op, what, -rc, detail);
}

void add_architectures(void* ctx, const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    const ArchName* found = nullptr;
    for (const auto& a : kArchitectures) {
      if (names[i] == a.name) found = &a;
    }
    std::string path = "linux.seccomp.architectures[" + std::to_string(i) + "]";
    if (!found) fail(path, "unknown architecture " + quoted(names[i]));
    int rc = seccomp_arch_add(ctx, found->token);
    // The native architecture is always there already.
    if (rc != -EEXIST) check_rc(rc, path + ": seccomp_arch_add", names[i]);
  }
}

void set_flags(void* ctx, const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    const FlagName* found = nullptr;
    for (const auto& f : kFlags) {
      if (names[i] == f.name) found = &f;
    }
    std::string path = "linux.seccomp.flags[" + std::to_string(i) + "]";
    if (!found) fail(path, "unknown flag " + quoted(names[i]));
    check_rc(seccomp_attr_set(ctx, found->attr, 1), path, names[i],
             "not supported by this kernel or libseccomp");
  }
}

void add_rule(void* ctx, const oci::SeccompSyscall& rule, uint32_t action, uint32_t default_action,
              const std::string& path) {
  std::vector<scmp_arg_cmp> conditions;
  bool same_index_twice = false;
  unsigned seen = 0;  // bit per argument index
  for (size_t k = 0; k < rule.args.size(); ++k) {
    const auto& arg = rule.args[k];
    std::string arg_path = path + ".args[" + std::to_string(k) + "]";
    if (arg.index >= kMaxSyscallArgs) {
      fail(arg_path + ".index", std::to_string(arg.index) + " is not a syscall argument (0-5)");
    }
    // For SCMP_CMP_MASKED_EQ, value is the mask and valueTwo the datum.
    conditions.push_back(scmp_arg_cmp{arg.index, resolve_operator(arg.op, arg_path + ".op"),
                                      arg.value, arg.value_two});
    same_index_twice = same_index_twice || (seen & (1u << arg.index));
    seen |= 1u << arg.index;
  }
  if (action == default_action) return;

  for (size_t j = 0; j < rule.names.size(); ++j) {
    const std::string& name = rule.names[j];
    std::string name_path = path + ".names[" + std::to_string(j) + "]";
    if (name.empty()) fail(name_path, "empty syscall name");
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;
    std::string op = name_path + ": seccomp_rule_add";
    if (conditions.empty()) {
      check_rc(seccomp_rule_add_array(ctx, action, nr, 0, nullptr), op, name);
    } else if (same_index_twice) {
      // Two tests of one argument cannot both hold in one rule (x == 1 AND
      // x == 2); runc makes each its own rule, so any of them matches.
      for (const auto& c : conditions) {
        check_rc(seccomp_rule_add_array(ctx, action, nr, 1, &c), op, name);
      }
    } else {
      check_rc(seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(conditions.size()),
                                      conditions.data()),
               op, name);
    }
  }
}

}  // namespace

struct SeccompFilter::Impl {
  Ctx ctx;
  bool notify = false;
  std::string listener_path;
  std::string listener_metadata;
};

SeccompFilter::SeccompFilter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SeccompFilter::SeccompFilter(SeccompFilter&&) noexcept = default;
SeccompFilter& SeccompFilter::operator=(SeccompFilter&&) noexcept = default;
SeccompFilter::~SeccompFilter() = default;

SeccompFilter SeccompFilter::compile(const oci::Seccomp& profile) {
  if (profile.default_action == "SCMP_ACT_NOTIFY") {
    fail("linux.seccomp.defaultAction",
         "SCMP_ACT_NOTIFY cannot be the default action: the runtime itself could not hand the "
         "listener to the agent");
  }
  uint32_t default_action =
      resolve_action(profile.default_action, profile.default_errno_ret,
                     "linux.seccomp.defaultAction", "linux.seccomp.defaultErrnoRet");

  auto impl = std::make_unique<Impl>();
  impl->listener_path = profile.listener_path;
  impl->listener_metadata = profile.listener_metadata;
  impl->ctx.reset(seccomp_init(default_action));
  if (!impl->ctx) {
    throw Error("seccomp_init", "", EINVAL,
                "default action " + profile.default_action + " not supported by this kernel");
  }
  void* ctx = impl->ctx.get();
  // no_new_privs is the runtime's decision (process.noNewPrivileges).
  check_rc(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0), "seccomp_attr_set", "CTL_NNP");
  // Kernel errors from seccomp_load as they are, not libseccomp's ECANCELED.
  check_rc(seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1), "seccomp_attr_set", "API_SYSRAWRC");
  add_architectures(ctx, profile.architectures);
  set_flags(ctx, profile.flags);
  // A binary search tree over syscall numbers makes long profiles (docker's
  // has hundreds of syscalls) cheaper per syscall. libseccomp up to 2.5.4
  // misbehaves with it on very short filters, so runc uses it above 32 rules;
  // so do we. Not fatal if missing.
  if (profile.syscalls.size() > 32) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

  for (size_t i = 0; i < profile.syscalls.size(); ++i) {
    const auto& rule = profile.syscalls[i];
    std::string path = "linux.seccomp.syscalls[" + std::to_string(i) + "]";
    uint32_t action =
        resolve_action(rule.action, rule.errno_ret, path + ".action", path + ".errnoRet");
    if (rule.names.empty()) fail(path + ".names", "must name at least one syscall");
    if (action == SCMP_ACT_NOTIFY) {
      if (profile.listener_path.empty()) {
        fail(path + ".action", "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath");
      }
      for (const auto& name : rule.names) {
        for (const char* refused : kNoNotifySyscalls) {
          if (name == refused) {
            fail(path + ".action", "SCMP_ACT_NOTIFY cannot be used for " + quoted(name) +
                                       ": the runtime needs it to hand the listener to the agent");
          }
        }
      }
      impl->notify = true;
    }
    add_rule(ctx, rule, action, default_action, path);
  }
  return SeccompFilter(std::move(impl));
}

UniqueFd SeccompFilter::load() {
  int rc = seccomp_load(impl_->ctx.get());
  if (rc == -EACCES) {
    throw Error("seccomp_load", "", EACCES,
                "loading a filter needs no_new_privs or CAP_SYS_ADMIN in the user namespace");
  }
  check_rc(rc, "seccomp_load", "");
  if (!impl_->notify) return UniqueFd();
  int fd = seccomp_notify_fd(impl_->ctx.get());
  if (fd < 0) {
    throw Error("seccomp_notify_fd", "", fd < -1 ? -fd : EBADF,
                "no listener (only the first notifying filter of a process gets one)");
  }
  return UniqueFd(fd);
}

bool SeccompFilter::uses_notify() const {
  return impl_->notify;
}
const std::string& SeccompFilter::listener_path() const {
  return impl_->listener_path;
}
const std::string& SeccompFilter::listener_metadata() const {
  return impl_->listener_metadata;
}

void send_seccomp_listener(const std::string& listener_path, int listener_fd, pid_t pid,
                           const std::string& metadata, const std::string& state_json) {
  nlohmann::json state = nlohmann::json::parse(state_json, nullptr, false);
  if (state.is_discarded() || !state.is_object()) {
    throw Error("seccomp listener", listener_path, EINVAL, "container state is not a JSON object");
  }
  nlohmann::json message = {{"ociVersion", kProcessStateVersion},
                            {"fds", {"seccompFd"}},
                            {"pid", pid},
                            {"state", std::move(state)}};
  if (!metadata.empty()) message["metadata"] = metadata;
  std::string payload = message.dump();

  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  if (listener_path.size() >= sizeof addr.sun_path) {
    throw Error("connect", listener_path, ENAMETOOLONG, "seccomp listenerPath");
  }
  std::memcpy(addr.sun_path, listener_path.c_str(), listener_path.size() + 1);
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) throw_errno("socket", listener_path);
  if (retry_eintr([&] {
        return ::connect(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
      }) != 0) {
    throw_errno("connect to seccomp agent", listener_path);
  }

  // The fd travels with the first bytes; a stream socket may take the rest
  // in more calls, which the spec allows.
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  iovec iov{payload.data(), payload.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &listener_fd, sizeof(int));
  ssize_t sent = retry_eintr([&] { return ::sendmsg(sock.get(), &msg, MSG_NOSIGNAL); });
  if (sent < 0) throw_errno("send to seccomp agent", listener_path);
  size_t done = static_cast<size_t>(sent);
  while (done < payload.size()) {
    ssize_t n = retry_eintr([&] {
      return ::send(sock.get(), payload.data() + done, payload.size() - done, MSG_NOSIGNAL);
    });
    if (n < 0) throw_errno("send to seccomp agent", listener_path);
    done += static_cast<size_t>(n);
  }
}

std::vector<std::string> seccomp_action_names() {
  std::vector<std::string> names;
  for (const auto& a : kActions) names.emplace_back(a.name);
  return names;
}

std::vector<std::string> seccomp_operator_names() {
  std::vector<std::string> names;
  for (const auto& o : kOperators) names.emplace_back(o.name);
  return names;
}

std::vector<std::string> seccomp_architecture_names() {
  std::vector<std::string> names;
  for (const auto& a : kArchitectures) names.emplace_back(a.name);
  return names;
}

std::vector<std::string> seccomp_known_flags() {
  std::vector<std::string> names;
  for (const auto& f : kFlags) names.emplace_back(f.name);
  return names;
}

std::vector<std::string> seccomp_supported_flags() {
  // libseccomp checks the kernel (and its own API level) when a flag is set,
  // so setting each on a throwaway filter is the same test compile() makes.
  std::vector<std::string> names;
  Ctx ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) return names;
  for (const auto& f : kFlags) {
    if (seccomp_attr_set(ctx.get(), f.attr, 1) == 0) names.emplace_back(f.name);
  }
  return names;
}

}  // namespace nook::runtime
