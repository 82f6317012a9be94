#pragma once
// posix_spawn's attribute and file-action objects, owned: destroyed with
// their scope whatever happens between init and spawn. Their setters throw
// Error (they only fail on bad arguments or no memory).
#include <spawn.h>

#include <string>
#include <vector>

namespace nook {

class SpawnAttributes {
 public:
  SpawnAttributes();
  ~SpawnAttributes();
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;

  // Every signal at its default and none blocked in the child: what the
  // parent ignores or blocks must not carry over into a helper.
  void default_signals();
  // The child leads a process group of its own (to be killed as a group).
  void own_process_group();

  const posix_spawnattr_t* get() const { return &a_; }

 private:
  void add_flags(short flags);
  posix_spawnattr_t a_;
  short flags_ = 0;
};

class SpawnActions {
 public:
  SpawnActions();
  ~SpawnActions();
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;

  void dup2(int fd, int target);
  // Every descriptor from `lowest` up is closed in the child.
  void close_from(int lowest);

  const posix_spawn_file_actions_t* get() const { return &a_; }

 private:
  posix_spawn_file_actions_t a_;
};

// argv or envp as posix_spawn takes them: pointers into v, then nullptr.
// v must outlive the result.
std::vector<char*> c_string_array(const std::vector<std::string>& v);

}  // namespace nook
