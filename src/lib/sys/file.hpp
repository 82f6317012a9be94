#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "sys/fd.hpp"

namespace nook {

// Whole-file helpers; every failure throws Error with the path.
std::string read_file(const std::string& path);
void write_file(const std::string& path, std::string_view data, int flags = 0, int mode = 0644);
// Writes to a temporary name beside path and renames it over path, so that
// readers see the old or the new content, never a part. durable=true also
// fsyncs first, for data that must survive a power cut; runtime state under
// $XDG_RUNTIME_DIR dies with the machine anyway and skips that cost.
void write_file_atomic(const std::string& path, std::string_view data, int mode = 0644,
                       bool durable = true);
// mkdir -p; existing directories are fine.
void make_dirs(const std::string& path, int mode = 0755);
bool path_exists(const std::string& path);
UniqueFd open_fd(const std::string& path, int flags, int mode = 0);
// Writes all of data to fd, retrying short writes and EINTR.
void write_all(int fd, std::string_view data, const std::string& what);
// The names in the open directory dir_fd, without "." and ".." (the fd's
// own offset is untouched). `shown` names it in errors.
std::vector<std::string> list_dir_at(int dir_fd, const std::string& shown);
// Removes a directory tree; missing is fine.
void remove_tree(const std::string& path);

}  // namespace nook
