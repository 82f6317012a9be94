#pragma once
// docker's credential helper protocol, as podman and docker speak it:
// `docker-credential-NAME get` with the server on stdin answers
// {"ServerURL": ..., "Username": ..., "Secret": ...}; a user name of
// "<token>" means the secret is an identity token (OAuth2 refresh token).
#include <optional>
#include <string>

#include "image/auth_config.hpp"

namespace nook::image {

// nullopt when the helper has nothing for server ("credentials not found").
// Throws Error naming the helper when it is missing, fails, hangs (10 s) or
// answers something that is not its JSON; the secret never appears in it.
std::optional<Credentials> credential_helper_get(const std::string& helper,
                                                 const std::string& server);

// The helper's answer parsed (for tests and fuzzing); throws as above.
Credentials parse_credential_helper_answer(const std::string& helper, const std::string& text);

}  // namespace nook::image
