#pragma once
// A small worker pool for independent items (a pull's or a push's layers).
#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace nook {

// Runs fn(i) for i in [0, n) on up to `parallel` threads; the first
// exception is rethrown after all threads stopped, and no new item starts
// once one failed.
template <typename Fn>
void for_each_parallel(size_t n, int parallel, Fn&& fn) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::exception_ptr first;
  auto worker = [&] {
    for (;;) {
      if (failed) return;
      size_t i = next++;
      if (i >= n) return;
      try {
        fn(i);
      } catch (...) {
        std::lock_guard g(mu);
        if (!first) first = std::current_exception();
        failed = true;
      }
    }
  };
  size_t threads = std::min<size_t>(n, static_cast<size_t>(std::max(1, parallel)));
  std::vector<std::thread> pool;
  try {
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  } catch (...) {
    // No thread to be had (EAGAIN): stop the ones started, then report.
    failed = true;
    for (auto& t : pool) t.join();
    throw;
  }
  worker();
  for (auto& t : pool) t.join();
  if (first) std::rethrow_exception(first);
}

}  // namespace nook
