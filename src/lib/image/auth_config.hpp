#pragma once
// Registry credentials in the auth.json format podman and docker share:
//   {"auths": {"host[:port][/path]": {"auth": base64("user:password"),
//                                     "identitytoken": "..."}}}
// Read from the same files in the same order as podman, written the same
// way by login/logout, so a "podman login" works for nook and back.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "image/reference.hpp"

namespace nook::image {

struct Credentials {
  std::string username;
  std::string password;
  std::string identity_token;  // OAuth2 refresh token some registries hand out
  std::string file;            // where they were found
  std::string key;             // the "auths" (or "credHelpers") key that matched
  // Set by find_credentials_in: docker-credential-<helper> holds them, to be
  // asked for `key`; find_credentials asks it. Set too on what it answered.
  std::string helper;
};

// The files to read, in order. authfile is --authfile ("" when not given);
// with it or $REGISTRY_AUTH_FILE, only that file. Otherwise
// $XDG_RUNTIME_DIR/containers/auth.json (/run/containers/<uid>/auth.json
// without XDG_RUNTIME_DIR), $XDG_CONFIG_HOME/containers/auth.json
// (~/.config/...), $DOCKER_CONFIG/config.json or ~/.docker/config.json.
std::vector<std::string> auth_file_paths(const std::string& authfile = {});
// Where login writes: authfile, $REGISTRY_AUTH_FILE, or the first path above.
std::string auth_file_write_path(const std::string& authfile = {});

// Looks up credentials for registry ("quay.io", "localhost:5000") and
// repository path ("ns/app") in one file's text, most specific key first:
// "quay.io/ns/app", "quay.io/ns", "quay.io", then keys written as URLs
// ("https://index.docker.io/v1/" for docker.io). nullopt: nothing for it.
// Throws Error naming path for malformed JSON or entries. When a credential
// helper holds the registry's credentials (credHelpers, or credsStore with
// an empty entry), returns only `helper` and `key`: nothing is run here.
std::optional<Credentials> find_credentials_in(std::string_view json_text, const std::string& path,
                                               std::string_view registry,
                                               std::string_view repository_path);
// The first match over files (missing files are skipped), asking the
// credential helper a file names; a helper with nothing stored for the
// registry lets the search go on.
std::optional<Credentials> find_credentials(std::string_view registry,
                                            std::string_view repository_path,
                                            const std::vector<std::string>& files);
std::optional<Credentials> find_credentials(const Reference& ref, const std::string& authfile = {});

// The key login and logout use for what the user typed: URL forms
// ("https://host/v1/") become the host; "host/ns/repo" stays as it is.
// Throws Error for an empty or malformed registry.
std::string auth_key(std::string_view registry);

// Sets key's entry to user/password, keeping every other key of the file;
// creates the file (0600) and its directory (0700). The write is atomic.
void store_credentials(const std::string& path, std::string_view key, std::string_view username,
                       std::string_view password);
// Removes key's entry (and for a bare registry, entries written for it as
// URLs). Returns false when there was none. Keeps everything else.
bool remove_credentials(const std::string& path, std::string_view key);
// Removes every "auths" and "credHelpers" entry (logout --all: the caller
// erases what the helpers hold first); false when there were none.
bool remove_all_credentials(const std::string& path);

// The credential helper path's "credHelpers" names for exactly key, as
// login and logout look it up (podman's rule); nullopt without one or
// without the file.
std::optional<std::string> credential_helper_for_key(const std::string& path, std::string_view key);
// Every "credHelpers" entry of path: key → helper.
std::vector<std::pair<std::string, std::string>> credential_helpers_in(const std::string& path);

}  // namespace nook::image
