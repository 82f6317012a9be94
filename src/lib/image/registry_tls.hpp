#pragma once
// Where a registry's TLS trust comes from, as podman reads it: --cert-dir, or
// the first of ~/.config/containers/certs.d/HOST:PORT, /etc/containers/certs.d/
// HOST:PORT and /etc/docker/certs.d/HOST:PORT that exists. In it, *.crt are CA
// certificates (added to the system's), NAME.cert + NAME.key a client
// certificate.
#include <string>

#include "image/http_client.hpp"

namespace nook::image {

// Throws when --cert-dir is missing, a *.crt holds no certificate or a
// client certificate has no key beside it.
TlsConfig load_registry_tls(const std::string& cert_dir, const std::string& registry, bool verify);

// The number of PEM certificates in text; throws naming `path` when a PEM
// block is not a certificate OpenSSL can read.
int count_pem_certificates(const std::string& text, const std::string& path);

}  // namespace nook::image
