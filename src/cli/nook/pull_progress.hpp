#pragma once
// podman's pull output on stderr: "Trying to pull ...", one line per blob,
// and on a terminal a live line per layer with bytes and rate.
#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "image/pull.hpp"

namespace nook::cli {

class PullProgress {
 public:
  // quiet: nothing at all (-q). tty: redraw lines in place.
  PullProgress(bool quiet, bool tty);
  image::PullObserver observer();

 private:
  struct Layer {
    std::string short_digest;
    uint64_t done = 0, total = 0;
    bool finished = false;
    std::string state;
    int line = -1;  // row on screen, counted from the first layer row
  };
  void redraw_locked();
  void print_line_locked(const std::string& text);

  bool quiet_, tty_;
  std::mutex mu_;
  std::map<std::string, Layer> layers_;
  std::vector<std::string> order_;
  int rows_drawn_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace nook::cli
