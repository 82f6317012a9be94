#pragma once
// Image references with docker's grammar and normalisation
// (github.com/distribution/reference): "busybox" means
// docker.io/library/busybox:latest, "user/app" means docker.io/user/app, a
// first component is a registry only when it looks like a host name. The
// error messages are docker's/podman's so users recognise them.
#include <string>
#include <string_view>

namespace nook::image {

inline constexpr std::string_view kDefaultDomain = "docker.io";
inline constexpr std::string_view kDefaultTag = "latest";
// Longest accepted "domain/path", as docker.
inline constexpr size_t kNameMaxLength = 255;

struct Reference {
  std::string domain;  // "docker.io", "localhost:5000", "[::1]:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // empty when only a digest was given
  std::string digest;  // "sha256:<hex>" or empty

  // domain/path, e.g. "docker.io/library/busybox".
  std::string repository() const;
  // The full form: repository[:tag][@digest].
  std::string string() const;
  // docker's short form: "busybox", "user/app", "quay.io/x/y" (no tag).
  std::string familiar_name() const;
  // familiar_name()[:tag][@digest], e.g. "busybox:latest".
  std::string familiar() const;

  bool operator==(const Reference&) const = default;
};

enum class DefaultTag {
  add,   // no tag and no digest → ":latest" (what pull/run/tag want)
  none,  // keep the tag empty (filters, "rmi busybox" matching any tag is the caller's choice)
};

// Parses and normalises text; throws nook::Error ("invalid reference
// format...") when text is not a valid reference. Image IDs (64 hex digits)
// are refused: the caller looks those up before parsing.
Reference parse_reference(std::string_view text, DefaultTag default_tag = DefaultTag::add);

// True when text names no registry ("busybox", "library/busybox",
// "user/app:1"), i.e. podman would resolve it through registries.conf
// aliases and unqualified-search-registries. Says nothing about validity.
bool is_short_name(std::string_view text);

// Tag grammar [\w][\w.-]{0,127}.
bool is_valid_tag(std::string_view tag);
// Repository path grammar: components [a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*
// joined by '/'.
bool is_valid_path(std::string_view path);
// Registry host grammar: domain name, or [IPv6], with an optional :port.
bool is_valid_domain(std::string_view domain);
// "sha256:<64 lowercase hex>" or "sha512:<128 lowercase hex>"; throws
// nook::Error with go-digest's messages ("invalid checksum digest format",
// "invalid checksum digest length", "unsupported digest algorithm").
void check_digest(std::string_view digest);

}  // namespace nook::image
