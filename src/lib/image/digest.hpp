#pragma once
// Content digests ("sha256:<hex>", "sha512:<hex>") computed while data
// streams past, so a blob is verified without being read twice.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace nook::image {

// Incremental hash of one algorithm (OpenSSL EVP).
class Hasher {
 public:
  // algorithm: "sha256" or "sha512"; anything else throws Error.
  explicit Hasher(std::string_view algorithm = "sha256");
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  ~Hasher();

  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // "algorithm:hex" of everything so far; the hasher can keep going.
  std::string digest() const;
  const std::string& algorithm() const { return algorithm_; }

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
  std::string algorithm_;
};

// Checks data against an expected digest while it streams; the expected
// digest is validated up front (check_digest's messages).
class DigestVerifier {
 public:
  explicit DigestVerifier(std::string_view expected);
  void update(const void* data, size_t size) {
    hasher_.update(data, size);
    size_ += size;
  }
  std::string actual() const { return hasher_.digest(); }
  bool matches() const { return actual() == expected_; }
  // Throws Error "<what>: digest mismatch: expected X, got Y" unless it matches.
  void verify(std::string_view what) const;
  const std::string& expected() const { return expected_; }
  uint64_t size() const { return size_; }

 private:
  std::string expected_;
  Hasher hasher_;
  uint64_t size_ = 0;
};

// The algorithm part of a valid digest ("sha256"); throws for an invalid one.
std::string digest_algorithm(std::string_view digest);
// The hex part of "algorithm:hex" (the whole text when it has no colon).
inline std::string digest_hex(std::string_view digest) {
  return std::string(digest.substr(digest.find(':') + 1));
}
// Digest of a whole buffer.
std::string compute_digest(std::string_view data, std::string_view algorithm = "sha256");

}  // namespace nook::image
