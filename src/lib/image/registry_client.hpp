#pragma once
// OCI distribution / Docker Registry HTTP API v2 client: manifests and blobs
// down (digests verified while streaming, resumed and retried), blobs and
// manifests up (monolithic or chunked upload, cross-repository mount), tags
// listed. Authentication as docker does it: anonymous first; on 401 the
// WWW-Authenticate challenge decides between a bearer token fetched from
// the realm (cached per scope until it expires) and basic credentials.
// Never prints: progress goes through callbacks. Thread-safe: several
// blobs of one image may download at once through one client.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/auth_config.hpp"
#include "image/http_client.hpp"
#include "image/reference.hpp"

namespace nook::image {

namespace media_type {
inline constexpr std::string_view oci_manifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view oci_index = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view docker_manifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view docker_manifest_list =
    "application/vnd.docker.distribution.manifest.list.v2+json";
}  // namespace media_type

// Manifests (and configs) larger than this are refused: they are JSON read
// into memory, and a hostile registry must not make us allocate without end.
inline constexpr size_t kManifestSizeLimit = 4 << 20;

struct ClientOptions {
  // false: https without certificate checks, falling back to plain http
  // when the registry does not speak TLS (podman's --tls-verify=false).
  bool tls_verify = true;
  // Registries that are "insecure" in registries.conf (same treatment as
  // tls_verify=false, for them only). May be empty.
  std::function<bool(std::string_view registry)> insecure;
  // --cert-dir: *.crt are extra CAs, <name>.cert + <name>.key a client
  // certificate (podman's layout). Empty: per registry,
  // $XDG_CONFIG_HOME/containers/certs.d/<host[:port]>, then
  // /etc/containers/certs.d/<host[:port]>, then /etc/docker/certs.d/<host[:port]>.
  std::string cert_dir;
  std::string user_agent = "nook/" NOOK_VERSION;
  long connect_timeout_s = 30;
  long stall_timeout_s = 60;     // no byte for this long = broken connection
  long request_timeout_s = 120;  // whole request, except blob bodies
  // Retries of 5xx, 429 and broken connections; the delay doubles each time.
  int max_retries = 4;
  std::chrono::milliseconds retry_delay{200};
  // Uploads larger than this go in PATCH chunks of this size.
  uint64_t upload_chunk_size = 32 << 20;
  // Credentials for (registry, repository path); nullopt = anonymous.
  // Default: none. Use find_credentials() from auth_config.hpp for auth.json.
  std::function<std::optional<Credentials>(std::string_view registry, std::string_view repository)>
      credentials;
};

struct Manifest {
  std::string media_type;  // Content-Type without parameters
  std::string digest;      // verified against the bytes
  std::string bytes;
};

struct ManifestHead {
  std::string media_type;
  std::string digest;  // Docker-Content-Digest, may be empty
  uint64_t size = 0;
};

// Bytes done and total (total 0 when unknown). Called from the downloading
// thread; keep it cheap.
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;
using SinkFn = std::function<void(const char* data, size_t size)>;

// Where upload bytes come from; read_at(offset, buf, max) must be able to
// read any offset again (retries and chunk restarts re-read).
struct BlobSource {
  uint64_t size = 0;
  std::function<size_t(uint64_t offset, char* buf, size_t max)> read_at;

  static BlobSource from_memory(std::string_view data);  // data must outlive the upload
  static BlobSource from_fd(int fd, uint64_t size);      // pread; fd must outlive it
};

class RegistryClient {
 public:
  explicit RegistryClient(ClientOptions options = {});
  ~RegistryClient();

  // GET /v2/ (authenticating if asked): throws with the reason when the
  // registry is unreachable, not a v2 registry, or refuses our credentials.
  void ping(std::string_view registry);

  // The manifest named by ref's digest (preferred) or tag. accept: media
  // types in order of preference (default: OCI and Docker, images and
  // indexes). Bytes are checked against ref.digest and against the
  // registry's Docker-Content-Digest.
  Manifest fetch_manifest(const Reference& ref, const std::vector<std::string>& accept = {});
  // HEAD of the same; nullopt on 404.
  std::optional<ManifestHead> head_manifest(const Reference& ref,
                                            const std::vector<std::string>& accept = {});

  // Streams blob digest of repo's repository to sink. expected_size: the
  // descriptor's size (more bytes is an error), or -1 when unknown. Resumes
  // after a broken connection where it stopped (Range, or by skipping what
  // a registry that ignores Range sends again). Throws on a digest or size
  // mismatch after the last byte: the caller must discard what sink got.
  void fetch_blob(const Reference& repo, std::string_view digest, int64_t expected_size,
                  const SinkFn& sink, const ProgressFn& progress = {});
  // fetch_blob into path: written as path.partial, synced, renamed only when
  // verified; nothing is left at path or path.partial on failure.
  void fetch_blob_to_file(const Reference& repo, std::string_view digest, int64_t expected_size,
                          const std::string& path, const ProgressFn& progress = {});
  // A small blob (an image config) into memory, verified; size limited.
  std::string fetch_blob_bytes(const Reference& repo, std::string_view digest,
                               size_t limit = kManifestSizeLimit);

  // HEAD /v2/<repo>/blobs/<digest>.
  bool blob_exists(const Reference& repo, std::string_view digest);
  // Uploads source as blob digest (skips nothing: call blob_exists or
  // mount_blob first). One PUT when it fits in upload_chunk_size, else
  // PATCH chunks and a closing PUT. The registry checks the digest.
  void upload_blob(const Reference& repo, std::string_view digest, const BlobSource& source,
                   const ProgressFn& progress = {});
  // Cross-repository mount from another repository of the same registry:
  // true when the registry linked it, false when it would need an upload.
  bool mount_blob(const Reference& repo, std::string_view digest, const Reference& from);
  // PUT the manifest under ref's tag (or digest); returns its digest.
  std::string put_manifest(const Reference& ref, std::string_view media_type,
                           std::string_view bytes);

  // All tags of the repository, following Link pagination.
  std::vector<std::string> list_tags(const Reference& repo);

 private:
  struct Endpoint;
  struct Token {
    std::string authorization;  // the whole header value
    std::chrono::steady_clock::time_point expires;
  };

  Endpoint& endpoint(const std::string& registry);
  std::string base_url(const Reference& repo);
  HttpResponse send(const std::string& registry, const std::string& repository,
                    std::vector<std::string> scopes, HttpRequest request);
  HttpResponse send_with_retries(const std::string& registry, const std::string& repository,
                                 const std::vector<std::string>& scopes,
                                 const HttpRequest& request);
  std::string authorize(const std::string& registry, const std::string& repository,
                        const std::vector<std::string>& scopes, std::string_view challenge_header);
  std::optional<Credentials> credentials_for(const std::string& registry,
                                             const std::string& repository);
  std::string cached_authorization(const std::string& registry,
                                   const std::vector<std::string>& scopes);
  void sleep_before_retry(int attempt) const;
  std::string upload_location(const Reference& repo, HttpResponse& response);

  ClientOptions options_;
  HttpClient http_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Endpoint>> endpoints_;
  std::map<std::string, Token> tokens_;  // registry + " " + scopes
  // Credentials looked up once per registry and repository: a push's
  // parallel uploads must not run a credential helper (and its passphrase
  // prompt) three times at once. Held while looking up, so they wait.
  std::mutex credentials_mutex_;
  std::map<std::string, std::optional<Credentials>> credentials_;
};

// The host that serves a registry's API ("docker.io" → "registry-1.docker.io").
std::string registry_api_host(std::string_view registry);
// The message inside a registry's JSON error body ({"errors":[{code,message}]}),
// or "" when the body is not one.
std::string registry_error_message(std::string_view body);

}  // namespace nook::image
