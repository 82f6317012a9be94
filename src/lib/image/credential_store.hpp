#pragma once
// Where registry logins live, as podman decides it: registries.conf's
// credential-helpers lists the stores in order; "containers-auth.json"
// stands for the auth files (whose own "credHelpers" may hand a registry to
// a docker credential helper), any other name for docker-credential-NAME.
// Look-ups take the first store that knows the registry; login writes to
// the first store that takes it; logout erases from all of them.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/auth_config.hpp"
#include "image/registries_conf.hpp"

namespace nook::image {

inline constexpr std::string_view kAuthFileHelper = "containers-auth.json";

struct CredentialSources {
  std::vector<std::string> helpers;  // in order; never empty
  std::vector<std::string> files;    // the auth files to read
  std::string write_file;            // the auth file login and logout change
};

// conf's credential-helpers (an empty or missing list: the auth files
// alone) and the auth files for --authfile ("" = the default ones).
CredentialSources credential_sources(const RegistriesConf& conf, const std::string& authfile);

// The credentials for a repository ("ns/app", may be empty) of registry.
// External helpers are asked for the registry alone (podman keeps no
// per-repository logins in them). A store that fails does not stop the
// search; when none has the registry and one failed, that is the error.
std::optional<Credentials> lookup_credentials(const CredentialSources& s, std::string_view registry,
                                              std::string_view repository_path);

// Stores a login under key ("host[:port][/path]") in the first store that
// takes it; returns where it went as podman words it: the auth file's path
// (also when its credHelpers entry handed the login on), or "credential
// helper: NAME" for a helper of registries.conf.
// Throws Error naming every store that refused it.
std::string save_login(const CredentialSources& s, std::string_view key,
                       const std::string& username, const std::string& password);

// Removes key's login from every store; false when none had it. Throws
// Error naming the stores that failed.
bool erase_login(const CredentialSources& s, std::string_view key);

// logout --all: every login of every store, including those the auth
// file's "credHelpers" point at.
void erase_all_logins(const CredentialSources& s);

}  // namespace nook::image
