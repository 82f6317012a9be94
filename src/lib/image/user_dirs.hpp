#pragma once
// The user's home and XDG config directory, as containers/image finds them
// (the files nook shares with podman and docker live there).
#include <string>

namespace nook::image {

// $HOME, else the passwd entry of the effective uid; throws Error if neither.
std::string home_dir();
// $XDG_CONFIG_HOME when set and absolute, else home_dir() + "/.config".
std::string config_home();
// $XDG_CACHE_HOME when set and absolute, else home_dir() + "/.cache".
std::string cache_home();

}  // namespace nook::image
