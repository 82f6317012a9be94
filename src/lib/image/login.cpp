#include "image/login.hpp"

#include <atomic>
#include <memory>

#include "image/client_setup.hpp"
#include "sys/error.hpp"

namespace nook::image {

std::string registry_of_key(std::string_view key) {
  return std::string(key.substr(0, key.find('/')));
}

void verify_credentials(std::string_view key, const Credentials& creds, const ClientOptions& base,
                        const RegistriesConf& conf) {
  std::string registry = registry_of_key(key);
  ClientOptions options = make_client_options(base, conf, false, {}, creds);
  // Whether the registry asked for them at all: a refusal after they were
  // sent is theirs, anything before is the registry's or the network's.
  auto offered = std::make_shared<std::atomic<bool>>(false);
  options.credentials = [creds, offered](std::string_view, std::string_view) {
    *offered = true;
    return std::optional<Credentials>(creds);
  };
  RegistryClient client(std::move(options));
  try {
    client.ping(registry);
  } catch (const Error& e) {
    std::string what = e.what();
    // RegistryClient's wording for a registry (basic) or a token server
    // (bearer) that answered 401/403 to our credentials.
    bool refused = what.find(": authentication failed (") != std::string::npos ||
                   what.find("refused the credentials") != std::string::npos ||
                   what.find("access denied (HTTP 40") != std::string::npos;
    if (*offered && refused)
      throw Error("logging into \"" + std::string(key) + "\": invalid username/password");
    throw Error("authenticating creds for \"" + std::string(key) + "\": " + what);
  }
}

std::optional<Credentials> stored_login(std::string_view key, const CredentialSources& sources) {
  std::string registry = registry_of_key(key);
  std::string_view path = key.size() > registry.size() ? key.substr(registry.size() + 1) : "";
  return lookup_credentials(sources, registry, path);
}

void check_username(std::string_view username) {
  if (username.empty()) throw Error("the user name is empty");
  if (username.find(':') != std::string_view::npos)
    throw Error("invalid user name \"" + std::string(username) +
                "\": it must not contain ':' (auth.json keeps \"user:password\")");
  for (char c : username)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw Error("invalid user name: it contains a control character");
}

}  // namespace nook::image
