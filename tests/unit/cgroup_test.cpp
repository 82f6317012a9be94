// cgroup v2: pure tests of parsing, path resolution and resource conversion,
// and real tests against a delegated cgroup2 subtree named by
// NOOK_TEST_CGROUP_DIR (see scripts/setup-cgroup-delegation.sh), run as an
// unprivileged user. Without that variable the real tests skip; with it set
// but unusable they fail.
#include "runtime/cgroup.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <thread>

#include "runtime/cgroup_controllers.hpp"
#include "runtime/cgroup_files.hpp"
#include "runtime/cgroup_layout.hpp"
#include "runtime/cgroup_resources.hpp"
#include "runtime/cgroup_stats.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

using nook::Error;
using nook::runtime::Cgroup;
using nook::runtime::CgroupHost;
using nook::runtime::CgroupLayout;
using nook::runtime::CgroupMounts;
using nook::runtime::CgroupWrite;

namespace rt = nook::runtime;

namespace {

// This development machine's mountinfo, trimmed: v1 hierarchies plus cgroup2
// at /sys/fs/cgroup/unified.
constexpr const char* kHybridMountinfo =
    "22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

// A systemd host with only cgroup2.
constexpr const char* kUnifiedMountinfo =
    "24 30 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw\n"
    "35 23 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";

constexpr const char* kLegacyMountinfo =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n";

CgroupHost host_with(const char* mountinfo, const char* proc_cgroup) {
  CgroupHost h;
  h.mounts = rt::parse_cgroup_mounts(mountinfo);
  h.own = rt::parse_own_cgroup2(proc_cgroup);
  return h;
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

// ---------------------------------------------------------------- layout

TEST(CgroupLayout, HybridHostFindsUnifiedMount) {
  CgroupMounts m = rt::parse_cgroup_mounts(kHybridMountinfo);
  EXPECT_EQ(m.cgroup2_mount_point, "/sys/fs/cgroup/unified");
  EXPECT_EQ(m.cgroup2_root, "/");
  EXPECT_TRUE(m.has_v1);
  EXPECT_EQ(m.layout(), CgroupLayout::hybrid);
}

TEST(CgroupLayout, UnifiedHost) {
  CgroupMounts m = rt::parse_cgroup_mounts(kUnifiedMountinfo);
  EXPECT_EQ(m.cgroup2_mount_point, "/sys/fs/cgroup");
  EXPECT_FALSE(m.has_v1);
  EXPECT_EQ(m.layout(), CgroupLayout::unified);
}

TEST(CgroupLayout, LegacyHostHasNoCgroup2) {
  CgroupMounts m = rt::parse_cgroup_mounts(kLegacyMountinfo);
  EXPECT_EQ(m.cgroup2_mount_point, "");
  EXPECT_TRUE(m.has_v1);
  EXPECT_EQ(m.layout(), CgroupLayout::legacy);
  EXPECT_EQ(rt::parse_cgroup_mounts("").layout(), CgroupLayout::legacy);
}

TEST(CgroupLayout, PrefersSysFsCgroupAmongSeveralMounts) {
  std::string text =
      "50 1 0:40 / /mnt/elsewhere rw - cgroup2 cgroup2 rw\n"
      "51 1 0:40 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
      "52 1 0:40 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
  EXPECT_EQ(rt::parse_cgroup_mounts(text).cgroup2_mount_point, "/sys/fs/cgroup");
  std::string two =
      "50 1 0:40 / /mnt/elsewhere rw - cgroup2 cgroup2 rw\n"
      "51 1 0:40 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
  EXPECT_EQ(rt::parse_cgroup_mounts(two).cgroup2_mount_point, "/sys/fs/cgroup/unified");
  std::string other =
      "50 1 0:40 / /mnt/a rw - cgroup2 none rw\n51 1 0:40 / /mnt/b rw - cgroup2 none rw\n";
  EXPECT_EQ(rt::parse_cgroup_mounts(other).cgroup2_mount_point, "/mnt/a");
}

TEST(CgroupLayout, DecodesEscapesAndKeepsBindMountRoot) {
  std::string text =
      "60 1 0:40 /user.slice/my\\040dir /mnt/cg\\040two rw,relatime shared:1 master:2 - cgroup2 "
      "cgroup2 rw\n";
  CgroupMounts m = rt::parse_cgroup_mounts(text);
  EXPECT_EQ(m.cgroup2_mount_point, "/mnt/cg two");
  EXPECT_EQ(m.cgroup2_root, "/user.slice/my dir");
}

TEST(CgroupLayout, MalformedLinesAreSkipped) {
  std::string text =
      "\n"
      "garbage\n"
      "1 2 3 4 5 6\n"                                              // no separator
      "1 2 0:1 / /x rw - \n"                                       // nothing after the separator
      "1 2 0:1 / - cgroup2 cgroup2 rw\n"                           // too few fields before it
      "1 2 0:1 / relative/path rw - cgroup2 cgroup2 rw\n"          // mount point not absolute
      "1 2 0:1 x /y rw - cgroup2 cgroup2 rw\n"                     // root not absolute
      "1 2 0:1 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw";  // valid, no newline
  CgroupMounts m = rt::parse_cgroup_mounts(text);
  EXPECT_EQ(m.cgroup2_mount_point, "/sys/fs/cgroup/unified");
  EXPECT_FALSE(m.has_v1);
}

TEST(CgroupLayout, OwnCgroupFromProcSelfCgroup) {
  EXPECT_EQ(rt::parse_own_cgroup2("0::/user.slice/user-1000.slice/session-2.scope\n"),
            "/user.slice/user-1000.slice/session-2.scope");
  // Hybrid: v1 lines first, the cgroup2 line last.
  EXPECT_EQ(rt::parse_own_cgroup2("9:name=systemd:/\n4:memory:/a/b\n1:cpu:/\n0::/\n"), "/");
  EXPECT_EQ(rt::parse_own_cgroup2("0::/x (deleted)\n"), "/x");
  EXPECT_EQ(rt::parse_own_cgroup2("0::/a b\n"), "/a b");
}

TEST(CgroupLayout, OwnCgroupMissingOrMalformed) {
  EXPECT_EQ(rt::parse_own_cgroup2(""), std::nullopt);
  EXPECT_EQ(rt::parse_own_cgroup2("4:memory:/a\n1:cpu:/\n"), std::nullopt);
  EXPECT_EQ(rt::parse_own_cgroup2("10::/not-the-v2-line\n"), std::nullopt);
  EXPECT_EQ(rt::parse_own_cgroup2("0:/x\n"), std::nullopt);  // one colon: not our line
  EXPECT_THROW(rt::parse_own_cgroup2("0::\n"), Error);
  EXPECT_THROW(rt::parse_own_cgroup2("0::relative\n"), Error);
  EXPECT_THROW(rt::parse_own_cgroup2("0:: /x\n"), Error);
}

// ---------------------------------------------------------------- paths

TEST(CgroupPath, AbsoluteIsBelowTheMount) {
  CgroupHost h = host_with(kHybridMountinfo, "0::/\n");
  EXPECT_EQ(rt::resolve_cgroup_path(h, "/a/b", "id"), "/sys/fs/cgroup/unified/a/b");
  EXPECT_EQ(rt::resolve_cgroup_path(h, "//a///b/", "id"), "/sys/fs/cgroup/unified/a/b");
  CgroupHost u = host_with(kUnifiedMountinfo, "0::/user.slice\n");
  EXPECT_EQ(rt::resolve_cgroup_path(u, "/machine.slice/c1", ""), "/sys/fs/cgroup/machine.slice/c1");
}

TEST(CgroupPath, RelativeAndEmptyAreBelowOwnCgroup) {
  CgroupHost h = host_with(kUnifiedMountinfo, "0::/user.slice/user-1000.slice/app.scope\n");
  EXPECT_EQ(h.own_fs_path(), "/sys/fs/cgroup/user.slice/user-1000.slice/app.scope");
  EXPECT_EQ(rt::resolve_cgroup_path(h, "ctr/one", "x"),
            "/sys/fs/cgroup/user.slice/user-1000.slice/app.scope/ctr/one");
  EXPECT_EQ(rt::resolve_cgroup_path(h, "", "abc123"),
            "/sys/fs/cgroup/user.slice/user-1000.slice/app.scope/nook-abc123");
  CgroupHost root = host_with(kHybridMountinfo, "0::/\n");
  EXPECT_EQ(rt::resolve_cgroup_path(root, "", "c"), "/sys/fs/cgroup/unified/nook-c");
}

TEST(CgroupPath, LeafOfAnEarlierRunIsSteppedOver) {
  CgroupHost h = host_with(kUnifiedMountinfo, "0::/user.slice/app.scope/nook.leaf\n");
  EXPECT_EQ(h.own_fs_path(), "/sys/fs/cgroup/user.slice/app.scope/nook.leaf");
  EXPECT_EQ(h.relative_base(), "/sys/fs/cgroup/user.slice/app.scope");
  EXPECT_EQ(rt::resolve_cgroup_path(h, "", "c"), "/sys/fs/cgroup/user.slice/app.scope/nook-c");
}

TEST(CgroupPath, BindMountedSubtreeIsRebased) {
  std::string mi = "70 1 0:40 /user.slice/app.scope /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
  CgroupHost h;
  h.mounts = rt::parse_cgroup_mounts(mi);
  h.own = "/user.slice/app.scope/inner";
  EXPECT_EQ(h.own_fs_path(), "/sys/fs/cgroup/inner");
  EXPECT_EQ(rt::resolve_cgroup_path(h, "", "c"), "/sys/fs/cgroup/inner/nook-c");
  h.own = "/user.slice/app.scope";
  EXPECT_EQ(h.own_fs_path(), "/sys/fs/cgroup");
  // Outside the subtree the mount shows (a prefix that is not a parent).
  h.own = "/user.slice/app.scopeX/y";
  EXPECT_EQ(h.own_fs_path(), "");
  EXPECT_THROW(rt::resolve_cgroup_path(h, "rel", "c"), Error);
  EXPECT_EQ(rt::resolve_cgroup_path(h, "/abs", "c"), "/sys/fs/cgroup/abs");
}

TEST(CgroupPath, RefusesEscapesAndNonsense) {
  CgroupHost h = host_with(kUnifiedMountinfo, "0::/user.slice\n");
  EXPECT_THROW(rt::resolve_cgroup_path(h, "/a/../../etc", "c"), Error);
  EXPECT_THROW(rt::resolve_cgroup_path(h, "../x", "c"), Error);
  EXPECT_THROW(rt::resolve_cgroup_path(h, "a/./b", "c"), Error);
  EXPECT_THROW(rt::resolve_cgroup_path(h, "/", "c"), Error);
  EXPECT_THROW(rt::resolve_cgroup_path(h, "///", "c"), Error);
  EXPECT_THROW(rt::resolve_cgroup_path(h, "", ""), Error);
  EXPECT_THROW(rt::resolve_cgroup_path(h, "", "a/b"), Error);
  EXPECT_NO_THROW(rt::resolve_cgroup_path(h, "a..b", "c"));  // only whole components count
  CgroupHost legacy = host_with(kLegacyMountinfo, "1:cpu:/\n");
  EXPECT_THROW(rt::resolve_cgroup_path(legacy, "/a", "c"), Error);
  EXPECT_EQ(legacy.own_fs_path(), "");
}

TEST(CgroupPath, NoDelegationMessageSaysWhyAndWhatFixesIt) {
  CgroupHost hybrid = host_with(kHybridMountinfo, "0::/\n");
  EXPECT_EQ(
      rt::limits_unavailable_message(hybrid, "/sys/fs/cgroup/unified/nook-c", EACCES, {"hugetlb"}),
      "cannot apply resource limits: cgroup v2 is not delegated to this user (cgroup v1 "
      "hybrid host: /sys/fs/cgroup/unified has no memory/cpu/pids controllers); rootless "
      "resource limits need cgroup v2 with systemd delegation (see docs/CGROUPS.md)");
  std::string some =
      rt::limits_unavailable_message(hybrid, "/sys/fs/cgroup/unified/x", EACCES, {"pids", "cpu"});
  EXPECT_TRUE(contains(some, "has no memory controllers")) << some;
  std::string all = rt::limits_unavailable_message(hybrid, "/sys/fs/cgroup/unified/x", EACCES,
                                                   {"cpu", "memory", "pids"});
  EXPECT_TRUE(contains(all, "cannot create /sys/fs/cgroup/unified/x: Permission denied")) << all;

  CgroupHost unified = host_with(kUnifiedMountinfo, "0::/user.slice\n");
  std::string u = rt::limits_unavailable_message(unified, "/sys/fs/cgroup/user.slice/nook-c",
                                                 EACCES, {"cpu", "memory", "pids"});
  EXPECT_TRUE(contains(u,
                       "not delegated to this user (cannot create "
                       "/sys/fs/cgroup/user.slice/nook-c: Permission denied)"))
      << u;
  CgroupHost legacy = host_with(kLegacyMountinfo, "");
  std::string l = rt::limits_unavailable_message(legacy, "", 0, {});
  EXPECT_TRUE(contains(l, "(cgroup v1 host: no cgroup2 filesystem is mounted)")) << l;
  EXPECT_TRUE(contains(l, "docs/CGROUPS.md")) << l;
}

TEST(CgroupPath, SystemdManagerIsRefusedClearly) {
  std::string msg = error_of([] { Cgroup::setup("", "c", std::nullopt, true); });
  EXPECT_EQ(msg,
            "systemd cgroup manager is not available: no systemd user session / D-Bus; use the "
            "cgroupfs manager (drop --systemd-cgroup)");
}

TEST(CgroupPath, OpenWantsAnAbsolutePath) {
  EXPECT_EQ(Cgroup::open("/sys/fs/cgroup/x").path(), "/sys/fs/cgroup/x");
  EXPECT_THROW(Cgroup::open(""), Error);
  EXPECT_THROW(Cgroup::open("relative/x"), Error);
  EXPECT_THROW(Cgroup::open("/sys/fs/cgroup/../../etc"), Error);
  EXPECT_THROW(Cgroup::open("/sys/fs/cgroup/.."), Error);
}

// ---------------------------------------------------------------- resources

TEST(CgroupResources, SharesToWeightAsCrun) {
  EXPECT_EQ(rt::cpu_shares_to_weight(2), 1u);
  EXPECT_EQ(rt::cpu_shares_to_weight(1024), 39u);
  EXPECT_EQ(rt::cpu_shares_to_weight(262144), 10000u);
  EXPECT_EQ(rt::cpu_shares_to_weight(512), 1u + (510u * 9999u) / 262142u);
  // Out of v1's range: clamped, never wrapped.
  EXPECT_EQ(rt::cpu_shares_to_weight(0), 1u);
  EXPECT_EQ(rt::cpu_shares_to_weight(1), 1u);
  EXPECT_EQ(rt::cpu_shares_to_weight(1u << 30), 10000u);
  EXPECT_EQ(rt::cpu_shares_to_weight(UINT64_MAX), 10000u);
}

TEST(CgroupResources, BlkioWeightToIoWeight) {
  EXPECT_EQ(rt::blkio_weight_to_io_weight(10), 1u);
  EXPECT_EQ(rt::blkio_weight_to_io_weight(1000), 10000u);
  EXPECT_EQ(rt::blkio_weight_to_io_weight(500), 4950u);
  EXPECT_EQ(rt::blkio_weight_to_io_weight(1), 1u);
  EXPECT_EQ(rt::blkio_weight_to_io_weight(65535), 10000u);
}

TEST(CgroupResources, SwapIsMemoryPlusSwapInTheSpec) {
  using std::nullopt;
  EXPECT_EQ(rt::memory_swap_max(1000, 3000), "2000");
  EXPECT_EQ(rt::memory_swap_max(1000, 1000), "0");  // no swap at all
  EXPECT_EQ(rt::memory_swap_max(1000, -1), "max");
  EXPECT_EQ(rt::memory_swap_max(-1, -1), "max");
  EXPECT_EQ(rt::memory_swap_max(-1, nullopt), "max");  // v1: unlimited memory meant both
  EXPECT_EQ(rt::memory_swap_max(-1, 0), "max");
  EXPECT_EQ(rt::memory_swap_max(1000, nullopt), nullopt);
  EXPECT_EQ(rt::memory_swap_max(1000, 0), nullopt);
  EXPECT_EQ(rt::memory_swap_max(nullopt, nullopt), nullopt);
  EXPECT_THROW(rt::memory_swap_max(nullopt, 3000), Error);
  EXPECT_THROW(rt::memory_swap_max(-1, 3000), Error);
  EXPECT_THROW(rt::memory_swap_max(0, 3000), Error);
  EXPECT_THROW(rt::memory_swap_max(3000, 1000), Error);
  EXPECT_THROW(rt::memory_swap_max(1000, -2), Error);
}

TEST(CgroupResources, EverythingConvertedInOrder) {
  nook::oci::Resources r;
  r.memory = nook::oci::Memory{};
  r.memory->limit = 256 << 20;
  r.memory->reservation = 128 << 20;
  r.memory->swap = 512 << 20;
  r.memory->swappiness = 60;   // no v2 file: dropped
  r.memory->kernel = 1 << 20;  // deprecated: dropped
  r.cpu = nook::oci::Cpu{};
  r.cpu->shares = 1024;
  r.cpu->quota = 50000;
  r.cpu->period = 100000;
  r.cpu->burst = 20000;
  r.cpu->idle = 1;
  r.cpu->cpus = "0-1";
  r.cpu->mems = "0";
  r.pids = nook::oci::Pids{100};
  r.block_io = nook::oci::BlockIo{};
  r.block_io->weight = 500;
  nook::oci::BlockIoDevice wd;
  wd.major = 8;
  wd.minor = 0;
  wd.weight = 10;
  r.block_io->weight_device.push_back(wd);
  nook::oci::BlockIoDevice t;
  t.major = 8;
  t.minor = 16;
  t.rate = 1048576;
  r.block_io->throttle_read_bps.push_back(t);
  t.rate = 0;
  r.block_io->throttle_write_iops.push_back(t);
  r.hugepage_limits.push_back({"2MB", 4194304});
  r.unified["memory.high"] = "200000000";
  r.unified["cpu.max.burst"] = "1000";

  std::vector<CgroupWrite> want = {
      {"memory.max", "268435456"},
      {"memory.low", "134217728"},
      {"memory.swap.max", "268435456"},
      {"cpu.weight", "39"},
      {"cpu.max", "50000 100000"},
      {"cpu.max.burst", "20000"},
      {"cpu.idle", "1"},
      {"cpuset.cpus", "0-1"},
      {"cpuset.mems", "0"},
      {"pids.max", "100"},
      {"io.weight", "default 4950"},
      {"io.weight", "8:0 1"},
      {"io.max", "8:16 rbps=1048576"},
      {"io.max", "8:16 wiops=max"},
      {"hugetlb.2MB.max", "4194304"},
      {"cpu.max.burst", "1000"},
      {"memory.high", "200000000"},
  };
  EXPECT_EQ(rt::resource_writes(r), want);
  EXPECT_EQ(rt::controllers_needed(want),
            (std::vector<std::string>{"memory", "cpu", "cpuset", "pids", "io", "hugetlb"}));
}

TEST(CgroupResources, LimitSpellings) {
  nook::oci::Resources r;
  r.pids = nook::oci::Pids{0};
  EXPECT_EQ(rt::resource_writes(r), (std::vector<CgroupWrite>{{"pids.max", "max"}}));
  r.pids->limit = -1;
  EXPECT_EQ(rt::resource_writes(r), (std::vector<CgroupWrite>{{"pids.max", "max"}}));

  nook::oci::Resources m;
  m.memory = nook::oci::Memory{};
  m.memory->limit = -1;
  EXPECT_EQ(rt::resource_writes(m),
            (std::vector<CgroupWrite>{{"memory.max", "max"}, {"memory.swap.max", "max"}}));
  m.memory->limit = 0;  // unset, as runc reads it
  EXPECT_TRUE(rt::resource_writes(m).empty());

  nook::oci::Resources c;
  c.cpu = nook::oci::Cpu{};
  c.cpu->quota = -1;
  EXPECT_EQ(rt::resource_writes(c), (std::vector<CgroupWrite>{{"cpu.max", "max 100000"}}));
  c.cpu->quota.reset();
  c.cpu->period = 50000;
  EXPECT_EQ(rt::resource_writes(c), (std::vector<CgroupWrite>{{"cpu.max", "max 50000"}}));
  c.cpu->period = 0;
  c.cpu->quota = 20000;
  EXPECT_EQ(rt::resource_writes(c), (std::vector<CgroupWrite>{{"cpu.max", "20000 100000"}}));
  c.cpu = nook::oci::Cpu{};
  c.cpu->shares = 0;  // unset
  EXPECT_TRUE(rt::resource_writes(c).empty());
}

TEST(CgroupResources, NothingAskedWritesNothing) {
  EXPECT_TRUE(rt::resource_writes(nook::oci::Resources{}).empty());
  nook::oci::Resources r;
  r.memory = nook::oci::Memory{};
  r.memory->swappiness = 10;
  r.memory->disable_oom_killer = true;
  r.cpu = nook::oci::Cpu{};
  r.block_io = nook::oci::BlockIo{};
  r.block_io->leaf_weight = 100;
  nook::oci::DeviceCgroup d;
  d.allow = false;
  d.access = "rwm";
  r.devices.push_back(d);
  EXPECT_TRUE(rt::resource_writes(r).empty());
}

TEST(CgroupResources, MalformedValuesAreRefused) {
  auto with = [](auto edit) {
    nook::oci::Resources r;
    edit(r);
    return error_of([&] { rt::resource_writes(r); });
  };
  EXPECT_TRUE(contains(with([](auto& r) {
                         r.memory = nook::oci::Memory{};
                         r.memory->limit = -5;
                       }),
                       "-5"));
  EXPECT_TRUE(contains(with([](auto& r) {
                         r.memory = nook::oci::Memory{};
                         r.memory->reservation = -2;
                       }),
                       "reservation"));
  EXPECT_TRUE(contains(with([](auto& r) {
                         r.cpu = nook::oci::Cpu{};
                         r.cpu->realtime_runtime = 950000;
                       }),
                       "realtime"));
  EXPECT_TRUE(contains(with([](auto& r) {
                         r.cpu = nook::oci::Cpu{};
                         r.cpu->realtime_period = 1000000;
                       }),
                       "realtime"));
  EXPECT_TRUE(contains(with([](auto& r) {
                         r.cpu = nook::oci::Cpu{};
                         r.cpu->idle = 2;
                       }),
                       "idle"));
  EXPECT_TRUE(contains(with([](auto& r) {
                         // emplace, not assignment: GCC 12 -O2 with the sanitizers
                         // flags a false maybe-uninitialized on the optional's move.
                         r.block_io.emplace();
                         nook::oci::BlockIoDevice d;
                         d.major = -1;
                         r.block_io->throttle_read_bps.push_back(d);
                       }),
                       "negative"));
  for (std::string size : {"2mb", "MB", "0MB", "2M", "2MBB", "../2MB", "2 MB", "", "1TB"}) {
    EXPECT_TRUE(contains(with([&](auto& r) {
                           r.hugepage_limits.push_back({size, 1});
                         }),
                         "page size"))
        << size;
  }
  // Realtime zeroes are what podman writes when nothing is asked.
  nook::oci::Resources zero;
  zero.cpu = nook::oci::Cpu{};
  zero.cpu->realtime_runtime = 0;
  zero.cpu->realtime_period = 0;
  EXPECT_NO_THROW(rt::resource_writes(zero));
}

TEST(CgroupResources, UnifiedKeysAreValidated) {
  for (std::string ok : {"memory.high", "cpu.max.burst", "io.bfq.weight", "hugetlb.2MB.rsvd.max",
                         "cgroup.max.depth", "memory.oom.group", "misc.max"}) {
    EXPECT_NO_THROW(rt::validate_unified_key(ok)) << ok;
  }
  for (std::string bad :
       {"", "memory", ".max", "memory.", "../memory.max", "a/b.max", "memory..max", "/memory.max",
        "memory.max\n", "memory max", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control",
        "cgroup.kill", "cgroup.freeze"}) {
    EXPECT_THROW(rt::validate_unified_key(bad), Error) << bad;
  }
  nook::oci::Resources r;
  r.unified["../../etc/passwd"] = "x";
  EXPECT_TRUE(contains(error_of([&] { rt::resource_writes(r); }), "../../etc/passwd"));
}

TEST(CgroupResources, ControllerOfAFile) {
  EXPECT_EQ(rt::controller_of("memory.max"), "memory");
  EXPECT_EQ(rt::controller_of("cpuset.cpus"), "cpuset");
  EXPECT_EQ(rt::controller_of("cpu.max.burst"), "cpu");
  EXPECT_EQ(rt::controller_of("hugetlb.2MB.max"), "hugetlb");
  EXPECT_EQ(rt::controller_of("cgroup.max.depth"), "");
  EXPECT_TRUE(rt::controllers_needed({{"cgroup.max.depth", "3"}}).empty());
}

// ---------------------------------------------------------------- files & stats

TEST(CgroupFiles, KeyedValues) {
  auto m = rt::parse_keyed_values(
      "usage_usec 70654350\nuser_usec 47\nbad\n x 1\nk notnum\nk2 -1\n"
      "last 5");
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(m["usage_usec"], 70654350u);
  EXPECT_EQ(m["user_usec"], 47u);
  EXPECT_EQ(m["last"], 5u);
  EXPECT_TRUE(rt::parse_keyed_values("").empty());
  EXPECT_EQ(rt::parse_keyed_values("populated 0\nfrozen 1\n").at("frozen"), 1u);
}

TEST(CgroupFiles, PidList) {
  EXPECT_EQ(rt::parse_pid_list("1\n22\n333\n", "p"), (std::vector<pid_t>{1, 22, 333}));
  EXPECT_TRUE(rt::parse_pid_list("", "p").empty());
  EXPECT_EQ(rt::parse_pid_list("7", "p"), (std::vector<pid_t>{7}));
  for (std::string bad : {"x\n", "1 2\n", "-3\n", "0\n", "12a\n", " 4\n", "99999999999999\n"})
    EXPECT_THROW(rt::parse_pid_list(bad, "p"), Error) << bad;
}

TEST(CgroupFiles, ControllerListAndLimits) {
  EXPECT_EQ(rt::parse_controller_list("cpuset cpu io memory pids\n"),
            (std::vector<std::string>{"cpuset", "cpu", "io", "memory", "pids"}));
  EXPECT_TRUE(rt::parse_controller_list("\n").empty());
  EXPECT_EQ(rt::parse_limit("max\n", "f"), std::nullopt);
  EXPECT_EQ(rt::parse_limit("4096\n", "f"), 4096u);
  EXPECT_THROW(rt::parse_limit("", "f"), Error);
  EXPECT_THROW(rt::parse_limit("maximum", "f"), Error);
  EXPECT_THROW(rt::parse_limit("-1", "f"), Error);
  EXPECT_THROW(rt::parse_limit("12 34", "f"), Error);
}

TEST(CgroupStats, HugepageNames) {
  EXPECT_EQ(rt::hugepage_size_name("hugepages-2048kB"), "2MB");
  EXPECT_EQ(rt::hugepage_size_name("hugepages-1048576kB"), "1GB");
  EXPECT_EQ(rt::hugepage_size_name("hugepages-64kB"), "64KB");
  EXPECT_EQ(rt::hugepage_size_name("hugepages-32768kB"), "32MB");
  for (std::string bad : {"", "hugepages-kB", "hugepages-0kB", "hugepages-2048", "huge-2048kB",
                          "hugepages-20x8kB", "hugepages--1kB"})
    EXPECT_EQ(rt::hugepage_size_name(bad), std::nullopt) << bad;
}

TEST(CgroupStats, OnlyWhatTheFilesGive) {
  // A cgroup on this hybrid host: only the core files exist.
  std::map<std::string, std::string> files = {
      {"cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n"}};
  auto read = [&](const std::string& f) -> std::optional<std::string> {
    auto it = files.find(f);
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
  auto s = rt::cgroup_stats(read, {"2MB"});
  EXPECT_EQ(s, nlohmann::json::parse(
                   R"({"cpu":{"usage":{"total":1500000,"user":1000000,"kernel":500000}}})"));
}

TEST(CgroupStats, FullSetInRuncShape) {
  std::map<std::string, std::string> files = {
      {"cpu.stat",
       "usage_usec 10\nuser_usec 6\nsystem_usec 4\nnr_periods 7\nnr_throttled 2\n"
       "throttled_usec 3\n"},
      {"memory.current", "4096\n"},
      {"memory.max", "max\n"},
      {"memory.peak", "8192\n"},
      {"memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n"},
      {"memory.swap.current", "0\n"},
      {"memory.swap.max", "1024\n"},
      {"memory.stat", "anon 100\nfile 200\n"},
      {"pids.current", "2\n"},
      {"pids.max", "max\n"},
      {"io.stat", "8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\nbad line\n"},
      {"hugetlb.2MB.current", "0\n"},
      {"hugetlb.2MB.events", "max 4\n"},
  };
  auto read = [&](const std::string& f) -> std::optional<std::string> {
    auto it = files.find(f);
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
  auto s = rt::cgroup_stats(read, {"2MB", "1GB"});
  EXPECT_EQ(s["cpu"]["usage"]["total"], 10000u);
  EXPECT_EQ(s["cpu"]["throttling"],
            nlohmann::json::parse(R"({"periods":7,"throttledPeriods":2,"throttledTime":3000})"));
  EXPECT_EQ(s["memory"]["usage"]["usage"], 4096u);
  EXPECT_EQ(s["memory"]["usage"]["limit"], UINT64_MAX);
  EXPECT_EQ(s["memory"]["usage"]["max"], 8192u);
  EXPECT_EQ(s["memory"]["usage"]["failcnt"], 3u);
  EXPECT_EQ(s["memory"]["swap"]["limit"], 1024u);
  EXPECT_EQ(s["memory"]["cache"], 200u);
  EXPECT_EQ(s["memory"]["raw"]["anon"], 100u);
  EXPECT_EQ(s["pids"], nlohmann::json::parse(R"({"current":2})"));
  EXPECT_EQ(s["blkio"]["ioServiceBytesRecursive"],
            nlohmann::json::parse(R"([{"major":8,"minor":0,"op":"Read","value":10},
                                      {"major":8,"minor":0,"op":"Write","value":20}])"));
  EXPECT_EQ(s["blkio"]["ioServicedRecursive"].size(), 2u);
  EXPECT_EQ(s["hugetlb"], nlohmann::json::parse(R"({"2MB":{"usage":0,"failcnt":4}})"));
}

TEST(CgroupStats, MalformedNumbersThrow) {
  auto read = [](const std::string& f) -> std::optional<std::string> {
    if (f == "memory.current") return "lots\n";
    return std::nullopt;
  };
  EXPECT_THROW(rt::cgroup_stats(read, {}), Error);
}

// ---------------------------------------------------------------- real cgroups

namespace {

// The delegated subtree, or "" when the variable is unset (the caller skips).
// Fails the test when it is set but cannot serve: a misconfigured run must not
// pass as "skipped".
std::string delegated_dir() {
  const char* env = std::getenv("NOOK_TEST_CGROUP_DIR");
  if (!env || !*env) return {};
  std::string dir = env;
  if (::geteuid() == 0) {
    ADD_FAILURE() << "NOOK_TEST_CGROUP_DIR is set but the tests run as root; they must prove the "
                     "rootless path: run them as the unprivileged user";
    return {};
  }
  if (::access((dir + "/cgroup.procs").c_str(), W_OK) != 0 ||
      ::access((dir + "/cgroup.subtree_control").c_str(), W_OK) != 0 ||
      ::access(dir.c_str(), W_OK) != 0) {
    ADD_FAILURE() << "NOOK_TEST_CGROUP_DIR=" << dir
                  << " is not a cgroup delegated to this user (run "
                     "scripts/setup-cgroup-delegation.sh USER as root)";
    return {};
  }
  CgroupHost host = CgroupHost::detect();
  std::string own = host.own_fs_path();
  if (own != dir && !own.starts_with(dir + "/")) {
    ADD_FAILURE() << "this process is in " << (own.empty() ? "no visible cgroup" : own)
                  << ", not inside NOOK_TEST_CGROUP_DIR=" << dir
                  << "; moving processes needs both ends in the delegated subtree (start the "
                     "tests with scripts/setup-cgroup-delegation.sh USER --run ...)";
    return {};
  }
  return dir;
}

#define REQUIRE_DELEGATED_DIR(var)                                                            \
  std::string var = delegated_dir();                                                          \
  if (::testing::Test::HasFailure()) return;                                                  \
  if (var.empty())                                                                            \
  GTEST_SKIP() << "NOOK_TEST_CGROUP_DIR is not set: no delegated cgroup2 subtree to test in " \
                  "(see scripts/setup-cgroup-delegation.sh)"

// cgroupsPath (absolute, below the mount) for a fresh cgroup under dir.
std::string test_cgroups_path(const std::string& dir, const std::string& name) {
  std::string mount = rt::cgroup2_mount_point();
  static int counter = 0;
  return dir.substr(mount.size()) + "/" + name + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(++counter);
}

// A child that spins, counting, until killed; the counter shows whether it
// runs.
struct SpinningChild {
  pid_t pid = -1;
  std::atomic<uint64_t>* counter = nullptr;

  SpinningChild() {
    void* mem = ::mmap(nullptr, sizeof(std::atomic<uint64_t>), PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) throw Error("mmap", "", errno);
    counter = new (mem) std::atomic<uint64_t>(0);
    pid = ::fork();
    if (pid < 0) throw Error("fork", "", errno);
    if (pid == 0) {
      for (;;) counter->fetch_add(1, std::memory_order_relaxed);
    }
  }
  ~SpinningChild() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    ::munmap(counter, sizeof(std::atomic<uint64_t>));
  }
  // Whether the child runs within 5 s: a loaded machine may not schedule it for a while, and a
  // frozen one never will, so a short window only decides "stopped" (advances(false)).
  bool advances(bool patient = true) const {
    uint64_t a = counter->load();
    for (int i = 0; i < (patient ? 50 : 2); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (counter->load() != a) return true;
    }
    return false;
  }
  // Waits for the child to end; returns its wait status.
  int reap() {
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    return status;
  }
};

std::string relative_to_mount(const std::string& fs_path) {
  return fs_path.substr(rt::cgroup2_mount_point().size());
}

}  // namespace

TEST(CgroupReal, LifecycleOfAContainerCgroup) {
  REQUIRE_DELEGATED_DIR(dir);
  auto cg = Cgroup::setup(test_cgroups_path(dir, "life"), "life", std::nullopt, false);
  ASSERT_TRUE(cg.has_value());
  ASSERT_TRUE(cg->path().starts_with(dir + "/"));
  ASSERT_TRUE(nook::path_exists(cg->path() + "/cgroup.procs"));
  EXPECT_TRUE(cg->is_empty());
  EXPECT_TRUE(cg->pids().empty());

  SpinningChild child;
  cg->add_process(child.pid);
  EXPECT_EQ(
      rt::parse_own_cgroup2(nook::read_file("/proc/" + std::to_string(child.pid) + "/cgroup")),
      relative_to_mount(cg->path()));
  EXPECT_EQ(cg->pids(), std::vector<pid_t>{child.pid});
  EXPECT_FALSE(cg->is_empty());
  EXPECT_TRUE(child.advances());

  cg->freeze(true);
  EXPECT_TRUE(cg->is_frozen());
  EXPECT_TRUE(contains(nook::read_file(cg->path() + "/cgroup.events"), "frozen 1"));
  EXPECT_FALSE(child.advances(false)) << "a frozen child kept running";
  EXPECT_TRUE(Cgroup::open(cg->path()).is_frozen());  // as state would reopen it
  cg->freeze(false);
  EXPECT_FALSE(cg->is_frozen());
  EXPECT_TRUE(child.advances()) << "a thawed child stays stopped";

  auto stats = cg->stats();
  ASSERT_TRUE(stats.contains("cpu")) << stats.dump();
  EXPECT_GT(stats["cpu"]["usage"]["total"].get<uint64_t>(), 0u) << stats.dump();

  cg->kill_all(SIGKILL);
  int status = child.reap();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  EXPECT_TRUE(cg->is_empty());
  EXPECT_TRUE(cg->pids().empty());

  cg->destroy();
  EXPECT_FALSE(nook::path_exists(cg->path()));
  EXPECT_NO_THROW(cg->destroy());  // already gone is fine
}

TEST(CgroupReal, KillWithOtherSignalsReachesNestedCgroups) {
  REQUIRE_DELEGATED_DIR(dir);
  auto cg = Cgroup::setup(test_cgroups_path(dir, "term"), "term", std::nullopt, false);
  ASSERT_TRUE(cg.has_value());
  // A process in a child cgroup of the container (as with a nested runtime).
  std::string sub = cg->path() + "/inner";
  ASSERT_EQ(::mkdir(sub.c_str(), 0755), 0) << std::strerror(errno);
  SpinningChild a, b;
  cg->add_process(a.pid);
  Cgroup::open(sub).add_process(b.pid);
  auto pids = cg->pids();
  std::sort(pids.begin(), pids.end());
  std::vector<pid_t> want = {a.pid, b.pid};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(pids, want);

  cg->kill_all(SIGTERM);
  EXPECT_EQ(WTERMSIG(a.reap()), SIGTERM);
  EXPECT_EQ(WTERMSIG(b.reap()), SIGTERM);
  EXPECT_TRUE(cg->is_empty());
  cg->destroy();  // removes inner first
  EXPECT_FALSE(nook::path_exists(sub));
  EXPECT_FALSE(nook::path_exists(cg->path()));
}

TEST(CgroupReal, DefaultPathIsBelowOwnCgroup) {
  REQUIRE_DELEGATED_DIR(dir);
  std::string id = "dflt-" + std::to_string(::getpid());
  auto cg = Cgroup::setup("", id, std::nullopt, false);
  ASSERT_TRUE(cg.has_value());
  EXPECT_EQ(cg->path(), CgroupHost::detect().relative_base() + "/nook-" + id);
  EXPECT_TRUE(cg->path().starts_with(dir + "/"));
  cg->destroy();
}

TEST(CgroupReal, ExistingCgroupWithProcessesIsRefused) {
  REQUIRE_DELEGATED_DIR(dir);
  std::string path = test_cgroups_path(dir, "busy");
  auto cg = Cgroup::setup(path, "busy", std::nullopt, false);
  ASSERT_TRUE(cg.has_value());
  {
    // Empty: reusing it is fine.
    auto again = Cgroup::setup(path, "busy", std::nullopt, false);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->path(), cg->path());
  }
  SpinningChild child;
  cg->add_process(child.pid);
  std::string msg = error_of([&] { Cgroup::setup(path, "busy", std::nullopt, false); });
  EXPECT_TRUE(contains(msg, "has processes")) << msg;
  cg->kill_all(SIGKILL);
  child.reap();
  cg->destroy();
}

TEST(CgroupReal, UnavailableControllerIsNamedWithItsCgroup) {
  REQUIRE_DELEGATED_DIR(dir);
  auto offered = rt::parse_controller_list(nook::read_file(dir + "/cgroup.controllers"));
  nook::oci::Resources r;
  r.memory = nook::oci::Memory{};
  r.memory->limit = 64 << 20;
  std::string path = test_cgroups_path(dir, "mem");
  if (std::find(offered.begin(), offered.end(), "memory") == offered.end()) {
    std::string msg = error_of([&] { Cgroup::setup(path, "mem", r, false); });
    // Named is the topmost cgroup on the way down that lacks it.
    const std::string lead = "memory controller not available in ";
    ASSERT_TRUE(contains(msg, lead)) << msg;
    std::string named = msg.substr(msg.find(lead) + lead.size());
    named = named.substr(0, named.find(' '));
    EXPECT_TRUE(named == dir || dir.starts_with(named + "/")) << msg;
    auto named_offers = rt::parse_controller_list(nook::read_file(named + "/cgroup.controllers"));
    EXPECT_EQ(std::count(named_offers.begin(), named_offers.end(), "memory"), 0) << msg;
    EXPECT_TRUE(contains(msg, "docs/CGROUPS.md")) << msg;
    // Nothing is left behind by a refused setup.
    EXPECT_FALSE(nook::path_exists(rt::cgroup2_mount_point() + path));
  } else {
    // A host that delegates memory: the limit lands.
    auto cg = Cgroup::setup(path, "mem", r, false);
    ASSERT_TRUE(cg.has_value());
    EXPECT_EQ(nook::read_file(cg->path() + "/memory.max"), "67108864\n");
    cg->destroy();
  }
}

TEST(CgroupReal, HugetlbLimitIsWrittenThroughADelegatedParent) {
  REQUIRE_DELEGATED_DIR(dir);
  auto offered = rt::parse_controller_list(nook::read_file(dir + "/cgroup.controllers"));
  auto sizes = rt::host_hugepage_sizes();
  if (std::find(offered.begin(), offered.end(), "hugetlb") == offered.end() || sizes.empty())
    GTEST_SKIP() << dir << " offers no hugetlb controller (or the kernel no huge pages)";
  nook::oci::Resources r;
  r.hugepage_limits.push_back({sizes.front(), 2u * 1024 * 1024 * 1024});
  // We live in the delegated cgroup ourselves; enabling hugetlb in its
  // subtree_control is only possible after we move to a leaf.
  auto cg = Cgroup::setup(test_cgroups_path(dir, "huge"), "huge", r, false);
  ASSERT_TRUE(cg.has_value());
  EXPECT_TRUE(contains(nook::read_file(dir + "/cgroup.subtree_control"), "hugetlb"));
  EXPECT_EQ(nook::read_file(cg->path() + "/hugetlb." + sizes.front() + ".max"),
            std::to_string(2ull * 1024 * 1024 * 1024) + "\n");
  std::string own = CgroupHost::detect().own_fs_path();
  EXPECT_TRUE(own == dir + "/nook.leaf" || own.starts_with(dir + "/")) << own;
  EXPECT_TRUE(cg->stats().contains("hugetlb")) << cg->stats().dump();

  // update: a new value through apply().
  r.hugepage_limits[0].limit = 0;
  cg->apply(r);
  EXPECT_EQ(nook::read_file(cg->path() + "/hugetlb." + sizes.front() + ".max"), "0\n");
  cg->destroy();
}

TEST(CgroupReal, UnlimitedValuesAskForNothing) {
  REQUIRE_DELEGATED_DIR(dir);
  // "-1" everywhere is what some front ends write for "no limit"; it must
  // neither need a controller nor be refused where no cgroup can be had.
  nook::oci::Resources r;
  r.memory = nook::oci::Memory{};
  r.memory->limit = -1;
  r.pids = nook::oci::Pids{-1};
  r.cpu = nook::oci::Cpu{};
  r.cpu->quota = -1;
  ASSERT_FALSE(r.asks_for_limits());
  ASSERT_FALSE(rt::resource_writes(r).empty());
  auto cg = Cgroup::setup(test_cgroups_path(dir, "unl"), "unl", r, false);
  ASSERT_TRUE(cg.has_value());
  cg->destroy();
  EXPECT_FALSE(
      Cgroup::setup("/nook-undelegated-" + std::to_string(::getpid()), "x", r, false).has_value());
}

TEST(CgroupReal, NoDelegationOutsideTheSubtree) {
  REQUIRE_DELEGATED_DIR(dir);
  // The cgroup2 root is not ours: no cgroup without limits, a clear error with.
  std::string outside = "/nook-undelegated-" + std::to_string(::getpid());
  EXPECT_FALSE(Cgroup::setup(outside, "x", std::nullopt, false).has_value());
  nook::oci::Resources empty;
  EXPECT_FALSE(Cgroup::setup(outside, "x", empty, false).has_value());
  nook::oci::Resources r;
  r.pids = nook::oci::Pids{10};
  std::string msg = error_of([&] { Cgroup::setup(outside, "x", r, false); });
  EXPECT_TRUE(
      contains(msg, "cannot apply resource limits: cgroup v2 is not delegated to this user"))
      << msg;
  EXPECT_TRUE(contains(msg, "docs/CGROUPS.md")) << msg;
  EXPECT_FALSE(nook::path_exists(rt::cgroup2_mount_point() + outside));
}
