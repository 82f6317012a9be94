#include "select_prompt.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdio>

#include "sys/error.hpp"

namespace nook::cli {
namespace {

// Raw input (no echo, no line buffering) for as long as it lives.
class RawTerminal {
 public:
  RawTerminal() {
    if (::tcgetattr(STDIN_FILENO, &saved_) < 0) throw_errno("tcgetattr", "stdin");
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (::tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0) throw_errno("tcsetattr", "stdin");
  }
  ~RawTerminal() { ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_); }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  termios saved_;
};

enum class Key { up, down, enter, cancel, other };

Key read_key() {
  char c;
  if (::read(STDIN_FILENO, &c, 1) != 1) return Key::cancel;
  switch (c) {
    case '\r':
    case '\n':
      return Key::enter;
    case 3:  // Ctrl-C
    case 4:  // Ctrl-D
      return Key::cancel;
    case 'k':
      return Key::up;
    case 'j':
      return Key::down;
    case '\x1b': {
      char seq[2];
      if (::read(STDIN_FILENO, &seq[0], 1) != 1 || ::read(STDIN_FILENO, &seq[1], 1) != 1)
        return Key::cancel;
      if (seq[0] == '[' && seq[1] == 'A') return Key::up;
      if (seq[0] == '[' && seq[1] == 'B') return Key::down;
      return Key::other;
    }
    default:
      return Key::other;
  }
}

void draw(const std::string& label, const std::vector<std::string>& items, size_t at) {
  std::printf("\x1b[1m?\x1b[0m %s: \n", label.c_str());
  for (size_t i = 0; i < items.size(); ++i)
    std::printf("%s%s\n", i == at ? "  \xe2\x96\xb8 " : "    ", items[i].c_str());
  std::fflush(stdout);
}

void erase(size_t lines) {
  std::printf("\x1b[%zuA\r\x1b[J", lines);
}

}  // namespace

size_t select_prompt(const std::string& label, const std::vector<std::string>& items) {
  if (items.empty()) throw Error("nothing to choose from");
  size_t at = 0;
  {
    RawTerminal raw;
    std::printf("\x1b[?25l");  // no cursor blinking in the list
    draw(label, items, at);
    for (;;) {
      Key k = read_key();
      if (k == Key::enter) break;
      if (k == Key::cancel) {
        erase(items.size() + 1);
        std::printf("\x1b[?25h");
        std::fflush(stdout);
        throw Error("^C");
      }
      if (k == Key::up && at > 0) --at;
      if (k == Key::down && at + 1 < items.size()) ++at;
      erase(items.size() + 1);
      draw(label, items, at);
    }
    erase(items.size() + 1);
    std::printf("\x1b[?25h\x1b[32m\xe2\x9c\x94\x1b[0m %s\n", items[at].c_str());
    std::fflush(stdout);
  }
  return at;
}

}  // namespace nook::cli
