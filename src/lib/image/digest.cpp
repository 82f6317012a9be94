#include "image/digest.hpp"

#include <openssl/evp.h>

#include "image/reference.hpp"
#include "sys/error.hpp"

namespace nook::image {

struct Hasher::Ctx {
  EVP_MD_CTX* md = nullptr;
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Hasher::Hasher(std::string_view algorithm) : ctx_(std::make_unique<Ctx>()), algorithm_(algorithm) {
  const EVP_MD* md = algorithm == "sha256"   ? EVP_sha256()
                     : algorithm == "sha512" ? EVP_sha512()
                                             : nullptr;
  if (!md) throw Error("unsupported digest algorithm: " + std::string(algorithm));
  ctx_->md = EVP_MD_CTX_new();
  if (!ctx_->md || EVP_DigestInit_ex(ctx_->md, md, nullptr) != 1)
    throw Error("cannot initialise " + algorithm_ + " hashing");
}

Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;
Hasher::~Hasher() = default;

void Hasher::update(const void* data, size_t size) {
  if (size && EVP_DigestUpdate(ctx_->md, data, size) != 1)
    throw Error(algorithm_ + " hashing failed");
}

std::string Hasher::digest() const {
  // Finalising destroys the state; finalise a copy so hashing can go on.
  EVP_MD_CTX* copy = EVP_MD_CTX_new();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  bool ok =
      copy && EVP_MD_CTX_copy_ex(copy, ctx_->md) == 1 && EVP_DigestFinal_ex(copy, out, &len) == 1;
  EVP_MD_CTX_free(copy);
  if (!ok) throw Error(algorithm_ + " hashing failed");
  static constexpr char hex[] = "0123456789abcdef";
  std::string s = algorithm_ + ":";
  for (unsigned i = 0; i < len; ++i) {
    s.push_back(hex[out[i] >> 4]);
    s.push_back(hex[out[i] & 15]);
  }
  return s;
}

std::string digest_algorithm(std::string_view digest) {
  check_digest(digest);
  return std::string(digest.substr(0, digest.find(':')));
}

DigestVerifier::DigestVerifier(std::string_view expected)
    : expected_(expected), hasher_(digest_algorithm(expected)) {}

void DigestVerifier::verify(std::string_view what) const {
  std::string got = actual();
  if (got != expected_)
    throw Error(std::string(what) + ": digest mismatch: expected " + expected_ + ", got " + got);
}

std::string compute_digest(std::string_view data, std::string_view algorithm) {
  Hasher h(algorithm);
  h.update(data);
  return h.digest();
}

}  // namespace nook::image
