#include "sys/spawn.hpp"

#include <signal.h>

#include "sys/error.hpp"

namespace nook {
namespace {

void check(int e, const char* what) {
  if (e) throw Error(what, {}, e);
}

}  // namespace

SpawnAttributes::SpawnAttributes() {
  check(posix_spawnattr_init(&a_), "posix_spawnattr_init");
}

SpawnAttributes::~SpawnAttributes() {
  posix_spawnattr_destroy(&a_);
}

void SpawnAttributes::add_flags(short flags) {
  flags_ = static_cast<short>(flags_ | flags);
  check(posix_spawnattr_setflags(&a_, flags_), "posix_spawnattr_setflags");
}

void SpawnAttributes::default_signals() {
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  check(posix_spawnattr_setsigmask(&a_, &none), "posix_spawnattr_setsigmask");
  check(posix_spawnattr_setsigdefault(&a_, &all), "posix_spawnattr_setsigdefault");
  add_flags(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

void SpawnAttributes::own_process_group() {
  check(posix_spawnattr_setpgroup(&a_, 0), "posix_spawnattr_setpgroup");
  add_flags(POSIX_SPAWN_SETPGROUP);
}

SpawnActions::SpawnActions() {
  check(posix_spawn_file_actions_init(&a_), "posix_spawn_file_actions_init");
}

SpawnActions::~SpawnActions() {
  posix_spawn_file_actions_destroy(&a_);
}

void SpawnActions::dup2(int fd, int target) {
  check(posix_spawn_file_actions_adddup2(&a_, fd, target), "posix_spawn_file_actions_adddup2");
}

void SpawnActions::close_from(int lowest) {
  check(posix_spawn_file_actions_addclosefrom_np(&a_, lowest),
        "posix_spawn_file_actions_addclosefrom_np");
}

std::vector<char*> c_string_array(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace nook
