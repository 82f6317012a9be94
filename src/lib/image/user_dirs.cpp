#include "image/user_dirs.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "sys/error.hpp"

namespace nook::image {

std::string home_dir() {
  if (const char* h = std::getenv("HOME"); h && *h) return h;
  struct passwd pw;
  struct passwd* res = nullptr;
  char buf[4096];
  if (::getpwuid_r(::geteuid(), &pw, buf, sizeof buf, &res) == 0 && res && res->pw_dir &&
      *res->pw_dir)
    return res->pw_dir;
  throw Error("cannot find the home directory: HOME is unset and the user has no passwd entry");
}

std::string config_home() {
  // The XDG spec says a relative value is invalid and must be ignored.
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x == '/') return x;
  return home_dir() + "/.config";
}

std::string cache_home() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x == '/') return x;
  return home_dir() + "/.cache";
}

}  // namespace nook::image
