// Pure pieces of the runtime: mount options, signals, id maps, state store.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include "runtime/container.hpp"
#include "runtime/idmap.hpp"
#include "runtime/mount_options.hpp"
#include "runtime/namespaces.hpp"
#include "runtime/state_store.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"
#include "temp_dir.hpp"

using namespace nook;
using namespace nook::runtime;

TEST(MountOptions, FlagsDataAndPropagation) {
  auto o =
      parse_mount_options({"nosuid", "noexec", "nodev", "ro", "mode=755", "size=64k", "rslave"});
  EXPECT_EQ(o.flags, static_cast<unsigned long>(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY));
  EXPECT_EQ(o.data, "mode=755,size=64k");
  EXPECT_EQ(o.propagation, static_cast<unsigned long>(MS_SLAVE | MS_REC));
  EXPECT_FALSE(o.bind);
}

TEST(MountOptions, LaterOptionWins) {
  auto o = parse_mount_options({"ro", "rw"});
  EXPECT_EQ(o.flags & MS_RDONLY, 0u);
  EXPECT_NE(o.clear & MS_RDONLY, 0u);
  auto p = parse_mount_options({"rw", "ro"});
  EXPECT_NE(p.flags & MS_RDONLY, 0u);
  EXPECT_EQ(p.clear & MS_RDONLY, 0u);
}

TEST(MountOptions, BindAndRbind) {
  EXPECT_TRUE(parse_mount_options({"bind"}).bind);
  EXPECT_FALSE(parse_mount_options({"bind"}).recursive);
  EXPECT_TRUE(parse_mount_options({"rbind"}).recursive);
}

TEST(MountOptions, RecursiveVariantsAreSeparate) {
  auto o = parse_mount_options({"rbind", "ro", "rnosuid", "rrw"});
  EXPECT_EQ(o.flags, static_cast<unsigned long>(MS_RDONLY));
  EXPECT_EQ(o.recursive_flags, static_cast<unsigned long>(MS_NOSUID));
  EXPECT_EQ(o.recursive_clear, static_cast<unsigned long>(MS_RDONLY));
  EXPECT_TRUE(o.recursive);
}

TEST(MountOptions, ToolOnlyOptionsAreDropped) {
  EXPECT_EQ(parse_mount_options({"tmpcopyup", "z", "size=1m"}).data, "size=1m");
}

TEST(MountOptions, UnknownPropagationIsAnError) {
  EXPECT_THROW(parse_propagation("sideways"), Error);
  EXPECT_EQ(parse_propagation("rprivate"), static_cast<unsigned long>(MS_PRIVATE | MS_REC));
}

TEST(Signals, NamesNumbersAndBadInput) {
  EXPECT_EQ(parse_signal("SIGKILL"), SIGKILL);
  EXPECT_EQ(parse_signal("KILL"), SIGKILL);
  EXPECT_EQ(parse_signal("term"), SIGTERM);
  EXPECT_EQ(parse_signal("9"), 9);
  EXPECT_EQ(parse_signal("RTMIN+1"), SIGRTMIN + 1);
  EXPECT_THROW(parse_signal(""), Error);
  EXPECT_THROW(parse_signal("0"), Error);
  EXPECT_THROW(parse_signal("65"), Error);
  EXPECT_THROW(parse_signal("99999999999999"), Error);
  EXPECT_THROW(parse_signal("SIGNOPE"), Error);
  EXPECT_THROW(parse_signal("-9"), Error);
}

TEST(IdMap, FormatAndRootlessMapping) {
  auto map = rootless_mapping(1000, {{100000, 65536}});
  EXPECT_EQ(format_id_map(map), "0 1000 1\n1 100000 65536\n");
  EXPECT_TRUE(id_is_mapped(map, 0));
  EXPECT_TRUE(id_is_mapped(map, 65536));
  EXPECT_FALSE(id_is_mapped(map, 65537));
  EXPECT_EQ(format_id_map(rootless_mapping(1000, {})), "0 1000 1\n");
}

TEST(Namespaces, FlagNamesAndUnknown) {
  EXPECT_EQ(namespace_flag("network"), static_cast<uint64_t>(CLONE_NEWNET));
  EXPECT_STREQ(namespace_proc_name(CLONE_NEWNS), "mnt");
  EXPECT_THROW(namespace_flag("bogus"), Error);
}

TEST(StateStore, IdValidation) {
  EXPECT_NO_THROW(StateStore::validate_id("abc-1_2.x+y"));
  for (const char* bad : {"", ".", "..", "a/b", "a b", "../x", "x\n"})
    EXPECT_THROW(StateStore::validate_id(bad), Error) << bad;
}

class StateStoreDir : public ::testing::Test {
 protected:
  nook::test::TempDir tmp_{"/tmp/nook-state-"};
  const std::string dir_ = tmp_.path();
};

TEST_F(StateStoreDir, SaveLoadListRemove) {
  StateStore store(dir_ + "/root");
  store.create_dir("c1");
  EXPECT_THROW(store.create_dir("c1"), Error);
  ContainerRecord r;
  r.id = "c1";
  r.pid = getpid();
  r.pid_start_time = 1;  // not ours: must read as stopped
  r.bundle = "/b";
  r.created = now_rfc3339();
  store.save(r);
  EXPECT_EQ(store.list_ids(), std::vector<std::string>{"c1"});
  auto back = store.load("c1");
  EXPECT_EQ(back.bundle, "/b");
  EXPECT_EQ(store.status_of(back), Status::stopped);
  auto j = store.state_json(back, Status::stopped);
  EXPECT_EQ(j["status"], "stopped");
  EXPECT_EQ(j["pid"], 0);
  store.remove("c1");
  EXPECT_THROW(store.load("c1"), Error);
}

TEST_F(StateStoreDir, CorruptStateIsAClearError) {
  StateStore store(dir_);
  store.create_dir("bad");
  write_file(dir_ + "/bad/state.json", "{not json");
  try {
    store.load("bad");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt state file"), std::string::npos);
  }
  write_file(dir_ + "/bad/state.json", "{\"id\": 5}");
  EXPECT_THROW(store.load("bad"), Error);
}

TEST_F(StateStoreDir, MissingContainer) {
  StateStore store(dir_);
  try {
    store.load("nope");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "container \"nope\" does not exist");
  }
}

TEST(IdMap, SubordinateRangesThroughLibsubid) {
  // libsubid is loaded lazily; an unknown user simply has no ranges.
  EXPECT_TRUE(subuid_ranges_of("nook-no-such-user-xyz").empty());
  EXPECT_TRUE(subgid_ranges_of("nook-no-such-user-xyz").empty());
  // The test user (unit_as_user.bats) has a range from useradd.
  if (current_user_name() == "nooktest") {
    EXPECT_FALSE(subuid_ranges_of("nooktest").empty());
  }
}
