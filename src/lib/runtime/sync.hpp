#pragma once
// The parent ↔ container-init conversation over a SOCK_SEQPACKET pair. Each
// message is one packet: a kind byte, then a payload. Errors raised in the
// child travel back as `error` packets (errno + message) so the parent can
// report them with their context instead of a bare exit status.
#include <cstdint>
#include <string>

#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace nook::runtime {

enum class SyncKind : uint8_t {
  go = 1,                // parent → child: id maps written, continue
  error,                 // child → parent: payload = errno(4 bytes) + message
  create_runtime_hooks,  // child → parent: mounts done, run createRuntime/prestart
  hooks_done,            // parent → child
  ready,                 // child → parent: waiting for start (payload: init pid)
  child_pid,             // stage child → parent: the init's pid in the parent's pid ns
  seccomp_listener,      // child → parent: the notify fd rides along (SCM_RIGHTS)
};

struct SyncMessage {
  SyncKind kind{};
  std::string payload;
  UniqueFd fd;  // when the packet carried one
};

class SyncChannel {
 public:
  SyncChannel() = default;
  explicit SyncChannel(UniqueFd fd) : fd_(std::move(fd)) {}

  void send(SyncKind kind, const std::string& payload = {}) const;
  void send_error(const Error& e) const;
  void send_with_fd(SyncKind kind, int fd) const;
  // Returns false on EOF (the other side closed: exec succeeded or it died).
  bool recv(SyncMessage& out) const;
  // Receives one message and requires it to be `want`; an `error` message is
  // rethrown as Error with `context` in front, EOF becomes an Error too.
  SyncMessage expect(SyncKind want, const std::string& context) const;

  int fd() const { return fd_.get(); }
  void close() { fd_.reset(); }

 private:
  UniqueFd fd_;
};

// Turns an error packet payload back into an Error.
Error decode_error(const std::string& payload, const std::string& context);

}  // namespace nook::runtime
