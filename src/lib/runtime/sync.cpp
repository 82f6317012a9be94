#include "runtime/sync.hpp"

#include <sys/socket.h>

#include <cstring>

#include "sys/socket.hpp"

namespace nook::runtime {

void SyncChannel::send(SyncKind kind, const std::string& payload) const {
  std::string packet(1, static_cast<char>(kind));
  packet += payload;
  if (retry_eintr([&] { return ::send(fd_.get(), packet.data(), packet.size(), MSG_NOSIGNAL); }) <
      0)
    throw_errno("send", "sync socket");
}

void SyncChannel::send_error(const Error& e) const {
  int32_t err = e.errnum();
  std::string payload(reinterpret_cast<const char*>(&err), sizeof err);
  payload += e.what();
  send(SyncKind::error, payload);
}

void SyncChannel::send_with_fd(SyncKind kind, int fd) const {
  send_fd(fd_.get(), fd, std::string(1, static_cast<char>(kind)));
}

bool SyncChannel::recv(SyncMessage& out) const {
  char buf[65536];
  out.fd.reset();
  ssize_t n = recv_message(fd_.get(), buf, sizeof buf, &out.fd);
  if (n < 0) {
    if (errno == ECONNRESET) return false;
    throw_errno("recv", "sync socket");
  }
  if (n == 0) return false;
  out.kind = static_cast<SyncKind>(buf[0]);
  out.payload.assign(buf + 1, static_cast<size_t>(n - 1));
  return true;
}

Error decode_error(const std::string& payload, const std::string& context) {
  int32_t err = 0;
  if (payload.size() >= sizeof err) std::memcpy(&err, payload.data(), sizeof err);
  std::string msg = payload.size() >= sizeof err ? payload.substr(sizeof err) : "unknown error";
  return Error(context.empty() ? msg : context + ": " + msg, err);
}

SyncMessage SyncChannel::expect(SyncKind want, const std::string& context) const {
  SyncMessage m;
  if (!recv(m)) throw Error(context + ": the container process exited unexpectedly");
  if (m.kind == SyncKind::error) throw decode_error(m.payload, context);
  if (m.kind != want)
    throw Error(context + ": unexpected message " + std::to_string(static_cast<int>(m.kind)));
  return m;
}

}  // namespace nook::runtime
