#pragma once
// Dockerfile instructions applied to an image's container config, as
// `import --change` (and later `commit --change`) take them:
//   CMD ["sh"]            CMD echo hi           (JSON exec form or shell form)
//   ENTRYPOINT ...        ENV A=1 B="x y"       ENV A value with spaces
//   EXPOSE 80 53/udp 8000-8002/tcp              LABEL k=v "a b"=c
//   ONBUILD RUN make      STOPSIGNAL SIGTERM    USER 27:27
//   VOLUME /a /b          VOLUME ["/c"]         WORKDIR /srv (relative: joined)
// The instruction is case-insensitive and separated from its argument by
// whitespace or '=' (podman accepts "CMD=..."). Docker's semantics where
// podman 4 differs by accident: several ports per EXPOSE, quoted LABEL and
// ENV words, ONBUILD kept, a relative WORKDIR joined to the previous one
// (or "/").
#include <string_view>

#include "image/image_config.hpp"

namespace nook::image {

// Applies one change. Throws nook::Error
//   invalid change "<change>" - <why>
// (podman's form) for an unknown instruction, a missing argument or a
// malformed one; `config` is unchanged then.
void apply_config_change(ContainerConfig& config, std::string_view change);

// True for a signal name ("SIGTERM", "TERM", "SIGRTMIN+3") or number
// (1..64) that STOPSIGNAL accepts.
bool is_valid_stop_signal(std::string_view signal);

}  // namespace nook::image
