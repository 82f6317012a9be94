#pragma once
// docker's credential helper protocol, as podman and docker speak it:
// `docker-credential-NAME get` with the server on stdin answers
// {"ServerURL": ..., "Username": ..., "Secret": ...}; a user name of
// "<token>" means the secret is an identity token (OAuth2 refresh token).
// `store` takes that JSON, `erase` the server, `list` answers
// {"server": "user", ...}.
#include <map>
#include <optional>
#include <string>

#include "image/auth_config.hpp"

namespace nook::image {

// "docker-credential-NAME": the program a helper name stands for.
std::string credential_helper_program(const std::string& helper);

// nullopt when the helper has nothing for server ("credentials not found").
// Throws Error naming the helper when it is missing, fails, hangs (10 s) or
// answers something that is not its JSON; the secret never appears in it.
std::optional<Credentials> credential_helper_get(const std::string& helper,
                                                 const std::string& server);

// Hands the helper a login to keep. Throws Error as above.
void credential_helper_store(const std::string& helper, const std::string& server,
                             const std::string& username, const std::string& secret);

// false when the helper had nothing for server. Throws Error as above.
bool credential_helper_erase(const std::string& helper, const std::string& server);

// Every server the helper holds a login for, with its user name.
std::map<std::string, std::string> credential_helper_list(const std::string& helper);

// The helper's answer parsed (for tests and fuzzing); throws as above.
Credentials parse_credential_helper_answer(const std::string& helper, const std::string& text);

}  // namespace nook::image
