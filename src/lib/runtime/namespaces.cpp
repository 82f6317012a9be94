#include "runtime/namespaces.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>

#include "sys/error.hpp"
#include "sys/file.hpp"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace nook::runtime {

uint64_t namespace_flag(const std::string& type) {
  if (type == "pid") return CLONE_NEWPID;
  if (type == "network") return CLONE_NEWNET;
  if (type == "mount") return CLONE_NEWNS;
  if (type == "ipc") return CLONE_NEWIPC;
  if (type == "uts") return CLONE_NEWUTS;
  if (type == "user") return CLONE_NEWUSER;
  if (type == "cgroup") return CLONE_NEWCGROUP;
  if (type == "time") return CLONE_NEWTIME;
  throw Error("unknown namespace type \"" + type + "\"");
}

const char* namespace_proc_name(uint64_t flag) {
  switch (flag) {
    case CLONE_NEWPID:
      return "pid";
    case CLONE_NEWNET:
      return "net";
    case CLONE_NEWNS:
      return "mnt";
    case CLONE_NEWIPC:
      return "ipc";
    case CLONE_NEWUTS:
      return "uts";
    case CLONE_NEWUSER:
      return "user";
    case CLONE_NEWCGROUP:
      return "cgroup";
    case CLONE_NEWTIME:
      return "time";
  }
  return "?";
}

bool NamespacePlan::has(uint64_t flag) const {
  return creates(flag) || join_of(flag);
}

const NamespaceJoin* NamespacePlan::join_of(uint64_t flag) const {
  for (const auto& j : joins)
    if (static_cast<uint64_t>(j.nstype) == flag) return &j;
  return nullptr;
}

NamespacePlan plan_namespaces(const oci::Spec& spec) {
  NamespacePlan plan;
  for (size_t i = 0; i < spec.linux.namespaces.size(); ++i) {
    const auto& ns = spec.linux.namespaces[i];
    std::string where = "linux.namespaces[" + std::to_string(i) + "]";
    uint64_t flag;
    try {
      flag = namespace_flag(ns.type);
    } catch (const Error& e) {
      throw Error("invalid config.json: " + where + ".type: " + e.what());
    }
    if (ns.path.empty()) {
      plan.clone_flags |= flag;
      continue;
    }
    NamespaceJoin j;
    j.nstype = static_cast<int>(flag);
    j.type = ns.type;
    j.path = ns.path;
    try {
      j.fd = open_fd(ns.path, O_RDONLY);
    } catch (const Error& e) {
      throw Error(where + ".path: cannot open " + ns.type + " namespace `" + ns.path + "`",
                  e.errnum());
    }
    int actual = ::ioctl(j.fd.get(), NS_GET_NSTYPE);
    if (actual < 0) throw Error(where + ".path: `" + ns.path + "` is not a namespace file", errno);
    if (actual != j.nstype)
      throw Error(where + ".path: `" + ns.path + "` is not a " + ns.type + " namespace");
    plan.joins.push_back(std::move(j));
  }
  return plan;
}

void join_namespaces(const NamespacePlan& plan, uint64_t flags_mask) {
  auto join_one = [](const NamespaceJoin& j) {
    if (::setns(j.fd.get(), j.nstype) < 0) throw_errno("join " + j.type + " namespace", j.path);
  };
  if ((flags_mask & CLONE_NEWUSER))
    if (auto* u = plan.join_of(CLONE_NEWUSER)) join_one(*u);
  for (const auto& j : plan.joins)
    if (j.nstype != CLONE_NEWUSER && (flags_mask & static_cast<uint64_t>(j.nstype))) join_one(j);
}

void enter_namespaces_staged(const NamespacePlan& plan) {
  join_namespaces(plan, ~static_cast<uint64_t>(0));
  if (plan.clone_flags && ::unshare(static_cast<int>(plan.clone_flags)) < 0)
    throw_errno("unshare new namespaces in the joined user namespace");
}

}  // namespace nook::runtime
