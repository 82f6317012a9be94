#pragma once
// `nook login`'s check that credentials work before they are stored, and
// the look-ups login and logout share. The credentials file itself is
// auth_config's business.
#include <optional>
#include <string>
#include <string_view>

#include "image/auth_config.hpp"
#include "image/credential_store.hpp"
#include "image/registries_conf.hpp"
#include "image/registry_client.hpp"

namespace nook::image {

// The registry of a login key: "quay.io/ns/app" → "quay.io".
std::string registry_of_key(std::string_view key);

// Asks the registry of key for /v2/ with creds (docker's way of checking
// a login: the registry's challenge decides between basic and a token).
// Throws Error with podman's messages:
//   logging into "KEY": invalid username/password
// when the registry or its token server refused them, and
//   authenticating creds for "KEY": <reason>
// for everything else (unreachable, not a registry, TLS). base gives TLS
// settings; conf the insecure registries (captured only for the call).
void verify_credentials(std::string_view key, const Credentials& creds, const ClientOptions& base,
                        const RegistriesConf& conf);

// The credentials a login for key stored, looked up as podman does
// (the stores in order, in the auth files the most specific key first).
std::optional<Credentials> stored_login(std::string_view key, const CredentialSources& sources);

// A user name that fits "user:password" in auth.json: not empty, no ':'
// (it would be read back as part of the password), no control characters.
// Throws Error naming what is wrong.
void check_username(std::string_view username);

}  // namespace nook::image
