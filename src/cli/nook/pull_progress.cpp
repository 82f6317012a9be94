#include "pull_progress.hpp"

#include <cstdio>

#include "format/units.hpp"

namespace nook::cli {
namespace {

std::string short_digest(const std::string& digest) {
  auto c = digest.find(':');
  return digest.substr(c + 1, 12);
}

std::string mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fMiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

}  // namespace

PullProgress::PullProgress(bool quiet, bool tty) : quiet_(quiet), tty_(tty) {}

void PullProgress::print_line_locked(const std::string& text) {
  std::fprintf(stderr, "%s\n", text.c_str());
}

void PullProgress::redraw_locked() {
  // Move up over the layer rows drawn last time and draw them again.
  if (rows_drawn_ > 0) std::fprintf(stderr, "\x1b[%dA", rows_drawn_);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  for (const std::string& d : order_) {
    const Layer& l = layers_[d];
    std::string line = "Copying blob " + l.short_digest + " ";
    if (l.finished) {
      line += l.state;
    } else {
      int width = 20;
      int filled = l.total ? static_cast<int>(width * l.done / l.total) : 0;
      line += "[" + std::string(static_cast<size_t>(filled), '=') +
              std::string(static_cast<size_t>(width - filled), ' ') + "] " + mib(l.done) + " / " +
              mib(l.total);
      if (secs > 0.2)
        line += " " + mib(static_cast<uint64_t>(static_cast<double>(l.done) / secs)) + "/s";
    }
    std::fprintf(stderr, "\x1b[2K%s\n", line.c_str());
  }
  rows_drawn_ = static_cast<int>(order_.size());
  std::fflush(stderr);
}

image::PullObserver PullProgress::observer() {
  image::PullObserver o;
  if (quiet_) return o;
  o.trying = [this](const image::Reference& ref) {
    std::lock_guard g(mu_);
    print_line_locked("Trying to pull " + ref.string() + "...");
  };
  o.candidate_failed = [this](const image::Reference& ref, const std::string& error) {
    std::lock_guard g(mu_);
    rows_drawn_ = 0;
    layers_.clear();
    order_.clear();
    print_line_locked("WARN[0000] Failed, retrying with the next candidate: " + ref.string() +
                      ": " + error);
  };
  o.manifest = [this](const std::vector<image::Descriptor>& layers) {
    std::lock_guard g(mu_);
    print_line_locked("Getting image source signatures");
    for (const auto& d : layers) {
      if (layers_.count(d.digest)) continue;
      layers_[d.digest] = Layer{short_digest(d.digest), 0, static_cast<uint64_t>(d.size)};
      order_.push_back(d.digest);
    }
    if (tty_) redraw_locked();
  };
  o.layer_progress = [this](const image::Descriptor& d, uint64_t done, uint64_t total) {
    if (!tty_) return;
    std::lock_guard g(mu_);
    auto& l = layers_[d.digest];
    l.done = done;
    if (total) l.total = total;
    auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    redraw_locked();
  };
  o.layer_done = [this](const image::Descriptor& d, image::LayerOutcome outcome) {
    std::lock_guard g(mu_);
    auto& l = layers_[d.digest];
    l.finished = true;
    l.done = l.total;
    l.state = outcome == image::LayerOutcome::already_exists ? "skipped: already exists" : "done";
    if (tty_)
      redraw_locked();
    else
      print_line_locked("Copying blob " + l.short_digest + " " + l.state);
  };
  o.config_done = [this](const image::Descriptor& d) {
    std::lock_guard g(mu_);
    print_line_locked("Copying config " + short_digest(d.digest) + " done");
  };
  o.writing_manifest = [this] {
    std::lock_guard g(mu_);
    print_line_locked("Writing manifest to image destination");
  };
  o.warning = [this](const std::string& message) {
    std::lock_guard g(mu_);
    print_line_locked("WARN[0000] " + message);
  };
  return o;
}

}  // namespace nook::cli
