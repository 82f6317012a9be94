#pragma once
// Unix sockets: pairs, and passing fds with SCM_RIGHTS.
#include <sys/types.h>

#include <string>
#include <utility>

#include "sys/fd.hpp"

namespace nook {

std::pair<UniqueFd, UniqueFd> make_socketpair(int type);
// Connects a SOCK_STREAM unix socket to path.
UniqueFd connect_unix(const std::string& path);
// Sends one fd with a small payload (at least one byte is always sent).
void send_fd(int sock, int fd, const std::string& payload = "x");
// Receives one message into buf; a passed fd, if any, lands in *fd.
// Returns the bytes read (0 at EOF), or -1 with errno set.
ssize_t recv_message(int sock, char* buf, size_t cap, UniqueFd* fd);
// Receives one fd; the payload read is stored in *payload if given.
UniqueFd recv_fd(int sock, std::string* payload = nullptr);

}  // namespace nook
