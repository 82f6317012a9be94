#include "sys/socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "sys/error.hpp"

namespace nook {

std::pair<UniqueFd, UniqueFd> make_socketpair(int type) {
  int fds[2];
  if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) < 0) throw_errno("socketpair");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

UniqueFd connect_unix(const std::string& path) {
  struct sockaddr_un addr;
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) throw Error("connect", path, ENAMETOOLONG);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket", path);
  if (retry_eintr([&] {
        return ::connect(fd.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr);
      }) < 0)
    throw_errno("connect", path);
  return fd;
}

void send_fd(int sock, int fd, const std::string& payload) {
  std::string data = payload.empty() ? std::string("x") : payload;
  struct iovec iov = {data.data(), data.size()};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  std::memset(control, 0, sizeof control);
  struct msghdr msg;
  std::memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  if (retry_eintr([&] { return ::sendmsg(sock, &msg, MSG_NOSIGNAL); }) < 0)
    throw_errno("sendmsg", "fd passing socket");
}

ssize_t recv_message(int sock, char* buf, size_t cap, UniqueFd* fd) {
  struct iovec iov = {buf, cap};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  struct msghdr msg;
  std::memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = retry_eintr([&] { return ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); });
  if (n < 0) return n;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int received;
      std::memcpy(&received, CMSG_DATA(c), sizeof(int));
      if (fd)
        fd->reset(received);
      else
        ::close(received);
    }
  }
  return n;
}

UniqueFd recv_fd(int sock, std::string* payload) {
  char buf[4096];
  UniqueFd fd;
  ssize_t n = recv_message(sock, buf, sizeof buf, &fd);
  if (n < 0) throw_errno("recvmsg", "fd passing socket");
  if (payload) payload->assign(buf, static_cast<size_t>(n));
  if (!fd) throw Error("recvmsg", "fd passing socket", EBADMSG, "no file descriptor received");
  return fd;
}

}  // namespace nook
