// Pause and resume through cgroup.freeze (Linux 5.2). Writing the file only
// starts the change; cgroup.events says when every task has stopped.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>

#include "runtime/cgroup.hpp"
#include "runtime/cgroup_files.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::runtime {
namespace {

constexpr auto kFreezeTimeout = std::chrono::seconds(5);

std::optional<uint64_t> frozen_state(int events_fd, const std::string& events_path) {
  char buf[256];
  ssize_t n = retry_eintr([&] { return ::pread(events_fd, buf, sizeof buf - 1, 0); });
  if (n < 0) throw_errno("read", events_path);
  auto values = parse_keyed_values(std::string_view(buf, static_cast<size_t>(n)));
  auto it = values.find("frozen");
  if (it == values.end()) return std::nullopt;
  return it->second;
}

}  // namespace

void Cgroup::freeze(bool frozen) const {
  const std::string events_path = path_ + "/cgroup.events";
  if (!path_exists(path_ + "/cgroup.freeze"))
    throw Error("freeze", path_, ENOTSUP, "cgroup.freeze needs Linux 5.2 or later");
  // Open before writing so that the change cannot slip by unnoticed.
  UniqueFd events = open_fd(events_path, O_RDONLY);
  write_cgroup_file(path_, "cgroup.freeze", frozen ? "1" : "0");
  const uint64_t want = frozen ? 1 : 0;
  const auto deadline = std::chrono::steady_clock::now() + kFreezeTimeout;
  for (;;) {
    auto state = frozen_state(events.get(), events_path);
    if (!state) throw Error("freeze", events_path, 0, "no \"frozen\" line");
    if (*state == want) return;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      throw Error(frozen ? "freeze" : "thaw", path_, ETIMEDOUT,
                  "cgroup.events still says frozen " + std::to_string(*state) + " after " +
                      std::to_string(kFreezeTimeout.count()) + " s");
    // kernfs wakes pollers with POLLPRI when cgroup.events changes; the
    // short slice also covers a change between our read and poll().
    struct pollfd p = {events.get(), POLLPRI, 0};
    int slice = static_cast<int>(std::min<int64_t>(left.count(), 100));
    if (::poll(&p, 1, slice) < 0 && errno != EINTR) throw_errno("poll", events_path);
  }
}

bool Cgroup::is_frozen() const {
  auto events = read_cgroup_file(path_ + "/cgroup.events");
  if (!events) return false;
  auto values = parse_keyed_values(*events);
  auto it = values.find("frozen");
  return it != values.end() && it->second == 1;
}

}  // namespace nook::runtime
