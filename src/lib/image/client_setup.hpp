#pragma once
// How pull, push and login turn their flags into ClientOptions: one place
// that decides which registries may skip TLS (--tls-verify=false or
// registries.conf "insecure") and where credentials come from (--creds for
// every registry, else the auth.json files podman reads).
#include <optional>
#include <string>

#include "image/auth_config.hpp"
#include "image/registries_conf.hpp"
#include "image/registry_client.hpp"

namespace nook::image {

// base: the caller's options (tls_verify, cert_dir, timeouts...); its
// insecure and credentials members are replaced. all_insecure: treat every
// registry as insecure (a mirror marked insecure). conf is captured by
// reference and must outlive the client. authfile: --authfile ("" = the
// default files); credentials: --creds, used for every registry.
ClientOptions make_client_options(const ClientOptions& base, const RegistriesConf& conf,
                                  bool all_insecure, const std::string& authfile,
                                  const std::optional<Credentials>& credentials);

// --creds USERNAME[:PASSWORD] as podman reads it; throws Error for an empty
// user name or a missing password. "" → nullopt.
std::optional<Credentials> parse_creds_flag(const std::string& text);

}  // namespace nook::image
