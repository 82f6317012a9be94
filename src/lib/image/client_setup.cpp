#include "image/client_setup.hpp"

#include "image/credential_store.hpp"
#include "sys/error.hpp"

namespace nook::image {

ClientOptions make_client_options(const ClientOptions& base, const RegistriesConf& conf,
                                  bool all_insecure, const std::string& authfile,
                                  const std::optional<Credentials>& credentials) {
  ClientOptions c = base;
  c.insecure = [&conf, all_insecure](std::string_view registry) {
    if (all_insecure) return true;
    // Any repository: insecurity is decided per registry (prefix "host").
    return conf.is_insecure(Reference{std::string(registry), std::string("x"), {}, {}});
  };
  if (credentials) {
    Credentials creds = *credentials;
    c.credentials = [creds](std::string_view, std::string_view) { return creds; };
  } else {
    CredentialSources sources = credential_sources(conf, authfile);
    c.credentials = [sources](std::string_view registry, std::string_view repository) {
      return lookup_credentials(sources, registry, repository);
    };
  }
  return c;
}

std::optional<Credentials> parse_creds_flag(const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto colon = text.find(':');
  Credentials c;
  c.username = text.substr(0, colon);
  if (c.username.empty()) throw Error("--creds: the user name is empty (want USERNAME[:PASSWORD])");
  if (colon == std::string::npos)
    throw Error("--creds: no password given (want USERNAME:PASSWORD)");
  c.password = text.substr(colon + 1);
  return c;
}

}  // namespace nook::image
