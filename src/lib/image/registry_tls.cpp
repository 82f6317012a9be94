#include "image/registry_tls.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <vector>

#include "image/user_dirs.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"

namespace nook::image {
namespace {

constexpr const char* kSystemBundle = "/etc/ssl/certs/ca-certificates.crt";

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "not a PEM certificate";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

}  // namespace

int count_pem_certificates(const std::string& text, const std::string& path) {
  ERR_clear_error();
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) throw Error("reading " + path + ": out of memory");
  int count = 0;
  for (;;) {
    std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (cert) {
      ++count;
      continue;
    }
    // The end of the text is "no start line" after at least one certificate.
    unsigned long e = ERR_peek_last_error();
    if (count > 0 && ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
      ERR_clear_error();
      return count;
    }
    throw Error(path + ": no CA certificate could be read from it (" + openssl_error() + ")");
  }
}

TlsConfig load_registry_tls(const std::string& cert_dir, const std::string& registry, bool verify) {
  TlsConfig tls;
  tls.verify = verify;
  std::vector<std::string> dirs;
  if (!cert_dir.empty()) {
    // podman ignores a --cert-dir that is not there; a typo then shows up as
    // an unknown CA, so say it now.
    std::error_code ec;
    if (!std::filesystem::is_directory(cert_dir, ec))
      throw Error("--cert-dir " + cert_dir + ": " +
                  (ec ? ec.message() : std::string("not a directory")));
    dirs.push_back(cert_dir);
    tls.verify_hint = "is the registry's CA in " + cert_dir + "/ca.crt?";
    tls.client_cert_hint =
        "the registry refused the client certificate, or wants one: "
        "NAME.cert and NAME.key in " +
        cert_dir;
  } else {
    std::string user_dir = config_home() + "/containers/certs.d/" + registry;
    dirs = {user_dir, "/etc/containers/certs.d/" + registry, "/etc/docker/certs.d/" + registry};
    tls.verify_hint = "put the registry's CA in " + user_dir +
                      "/ca.crt or use --cert-dir; --tls-verify=false skips the check";
    tls.client_cert_hint =
        "the registry refused the client certificate, or wants one: "
        "NAME.cert and NAME.key in " +
        user_dir + " or --cert-dir";
  }
  std::string extra;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      if (f.extension() == ".crt") {
        std::string pem = read_file(f);
        // curl skips what it cannot parse in a bundle: a broken file would
        // only show up as "unknown CA" on every pull.
        count_pem_certificates(pem, f.string());
        extra += pem + "\n";
      } else if (f.extension() == ".cert" && tls.client_cert.empty()) {
        auto key = f;
        key.replace_extension(".key");
        if (!path_exists(key))
          throw Error("client certificate " + f.string() + " has no " + key.filename().string() +
                      " beside it");
        tls.client_cert = f;
        tls.client_key = key;
      }
    }
    break;  // the first directory that exists is the one, as podman
  }
  // A CA blob replaces curl's bundle: keep the system's CAs beside the extra ones.
  if (!extra.empty())
    tls.ca_bundle = (path_exists(kSystemBundle) ? read_file(kSystemBundle) + "\n" : "") + extra;
  return tls;
}

}  // namespace nook::image
