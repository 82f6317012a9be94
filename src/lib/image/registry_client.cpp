#include "image/registry_client.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "image/base64.hpp"
#include "image/digest.hpp"
#include "image/registry_tls.hpp"
#include "image/www_authenticate.hpp"
#include "sys/fd.hpp"
#include "sys/file.hpp"

namespace nook::image {
namespace {

using Clock = std::chrono::steady_clock;

std::string host_of(std::string_view registry) {
  if (registry.starts_with("[")) return std::string(registry.substr(0, registry.find(']') + 1));
  return std::string(registry.substr(0, registry.find(':')));
}

bool is_loopback(std::string_view registry) {
  std::string host = host_of(registry);
  return host == "localhost" || host.starts_with("127.") || host == "[::1]";
}

bool retryable(long status) {
  return status >= 500 || status == 429;
}

std::string describe(const HttpResponse& r) {
  std::string msg = registry_error_message(r.body);
  std::string s = "HTTP " + std::to_string(r.status);
  return msg.empty() ? s : s + ": " + msg;
}

[[noreturn]] void fail(const std::string& what, const HttpResponse& r) {
  if (r.status == 404) throw Error(what + ": not found (" + describe(r) + ")");
  if (r.status == 401 || r.status == 403)
    throw Error(what + ": access denied (" + describe(r) + ")");
  throw Error(what + ": " + describe(r));
}

std::string media_type_of(const HttpResponse& r) {
  std::string ct = r.header("content-type");
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  return ct;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string with_query(const std::string& url, std::string_view query) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + std::string(query);
}

}  // namespace

std::string registry_api_host(std::string_view registry) {
  if (registry == "docker.io" || registry == "index.docker.io") return "registry-1.docker.io";
  return std::string(registry);
}

std::string registry_error_message(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("errors") || !j["errors"].is_array())
    return {};
  std::string out;
  for (const auto& e : j["errors"]) {
    if (!e.is_object()) continue;
    std::string part;
    if (e.contains("code") && e["code"].is_string()) part = e["code"].get<std::string>();
    if (e.contains("message") && e["message"].is_string())
      part += (part.empty() ? "" : ": ") + e["message"].get<std::string>();
    if (part.empty()) continue;
    out += (out.empty() ? "" : "; ") + part;
  }
  return out;
}

BlobSource BlobSource::from_memory(std::string_view data) {
  return {data.size(), [data](uint64_t off, char* buf, size_t max) -> size_t {
            if (off >= data.size()) return 0;
            size_t n = std::min<uint64_t>(max, data.size() - off);
            std::memcpy(buf, data.data() + off, n);
            return n;
          }};
}

BlobSource BlobSource::from_fd(int fd, uint64_t size) {
  return {size, [fd](uint64_t off, char* buf, size_t max) -> size_t {
            ssize_t n = retry_eintr([&] { return ::pread(fd, buf, max, static_cast<off_t>(off)); });
            if (n < 0) throw_errno("read blob");
            return static_cast<size_t>(n);
          }};
}

struct RegistryClient::Endpoint {
  std::string origin;  // "https://host:port"
  TlsConfig tls;
};

RegistryClient::RegistryClient(ClientOptions options)
    : options_(std::move(options)),
      http_(
          HttpOptions{options_.user_agent, options_.connect_timeout_s, options_.stall_timeout_s}) {}

RegistryClient::~RegistryClient() = default;

RegistryClient::Endpoint& RegistryClient::endpoint(const std::string& registry) {
  std::lock_guard lock(mutex_);
  auto& slot = endpoints_[registry];
  if (slot) return *slot;
  auto ep = std::make_unique<Endpoint>();
  std::string host = registry_api_host(registry);
  bool insecure = !options_.tls_verify || (options_.insecure && options_.insecure(registry));
  ep->tls = load_registry_tls(options_.cert_dir, registry, !insecure);
  if (!insecure) {
    ep->origin = "https://" + host;
  } else {
    // podman's order for an insecure registry: TLS unverified, then plain http.
    ep->origin = "https://" + host;
    HttpRequest probe;
    probe.url = ep->origin + "/v2/";
    probe.tls = &ep->tls;
    // A plain-http server that waits for the end of a request line in the
    // TLS hello never answers it: on loopback a handshake is instant, so
    // give up early there.
    probe.timeout_s = is_loopback(registry) ? std::min<long>(options_.request_timeout_s, 2)
                                            : options_.request_timeout_s;
    try {
      http_.perform(probe);
    } catch (const TransportError& e) {
      // A refused client certificate is TLS working: plain http would only
      // fail later with a more confusing error.
      if (e.permanent()) throw;
      ep->origin = "http://" + host;
    }
  }
  slot = std::move(ep);
  return *slot;
}

std::string RegistryClient::base_url(const Reference& repo) {
  return endpoint(repo.domain).origin + "/v2/" + repo.path;
}

std::optional<Credentials> RegistryClient::credentials_for(const std::string& registry,
                                                           const std::string& repository) {
  if (!options_.credentials) return std::nullopt;
  std::lock_guard lock(credentials_mutex_);
  std::string key = registry + "/" + repository;
  if (auto it = credentials_.find(key); it != credentials_.end()) return it->second;
  auto c = options_.credentials(registry, repository);
  credentials_[key] = c;
  return c;
}

std::string RegistryClient::cached_authorization(const std::string& registry,
                                                 const std::vector<std::string>& scopes) {
  std::lock_guard lock(mutex_);
  for (const std::string& key : {registry + " " + join(scopes, " "), registry + " *"}) {
    auto it = tokens_.find(key);
    if (it == tokens_.end()) continue;
    if (Clock::now() < it->second.expires) return it->second.authorization;
    tokens_.erase(it);
  }
  return {};
}

std::string RegistryClient::authorize(const std::string& registry, const std::string& repository,
                                      const std::vector<std::string>& scopes,
                                      std::string_view challenge_header) {
  auto challenge = choose_challenge(challenge_header);
  if (!challenge)
    throw Error(registry +
                " asks for an unsupported authentication scheme: " + std::string(challenge_header));
  auto creds = credentials_for(registry, repository);
  // An identity token (OAuth2 refresh token) replaces the password.
  bool refresh = creds && !creds->identity_token.empty();
  std::string basic;
  if (creds && !refresh) basic = "Basic " + base64_encode(creds->username + ":" + creds->password);

  if (challenge->kind == AuthChallenge::Kind::basic) {
    if (!creds)
      throw Error(registry + ": authentication required; log in first (nook login " + registry +
                  ")");
    if (refresh)
      throw Error(registry + " wants a password, but the credentials in " + creds->file +
                  " are an identity token; log in again (nook login " + registry + ")");
    std::lock_guard lock(mutex_);
    tokens_[registry + " *"] = Token{basic, Clock::time_point::max()};
    return basic;
  }

  std::vector<std::string> all = scopes;
  if (!challenge->scope.empty() && std::find(all.begin(), all.end(), challenge->scope) == all.end())
    all.push_back(challenge->scope);
  std::string query;
  auto add = [&query](const std::string& kv) { query += (query.empty() ? "" : "&") + kv; };
  if (!challenge->service.empty()) add("service=" + url_escape(challenge->service));
  for (const auto& s : all) add("scope=" + url_escape(s));

  HttpRequest req;
  req.follow_redirects = true;
  req.timeout_s = options_.request_timeout_s;
  req.body_limit = 1 << 20;
  req.tls = &endpoint(registry).tls;
  std::string form;
  if (refresh) {
    // The OAuth2 token endpoint, as docker and podman use it: POST the
    // refresh token, get an access token for the scopes.
    form = "grant_type=refresh_token&client_id=nook&refresh_token=" +
           url_escape(creds->identity_token) + (query.empty() ? "" : "&" + query);
    req.method = "POST";
    req.url = challenge->realm;
    // curl would send the body again to wherever a redirect points, over
    // plain http too: the refresh token goes to the realm or nowhere.
    req.follow_redirects = false;
    req.headers.push_back("Content-Type: application/x-www-form-urlencoded");
    BlobSource body = BlobSource::from_memory(form);
    req.body_size = body.size;
    req.read_at = std::move(body.read_at);
  } else {
    req.url = query.empty() ? challenge->realm : with_query(challenge->realm, query);
    if (!basic.empty()) req.headers.push_back("Authorization: " + basic);
  }
  HttpResponse r;
  for (int attempt = 0;; ++attempt) {
    try {
      r = http_.perform(req);
      if (!retryable(r.status) || attempt >= options_.max_retries) break;
    } catch (const TransportError& e) {
      if (e.permanent() || attempt >= options_.max_retries) throw;
    }
    sleep_before_retry(attempt);
  }
  if (r.status != 200) {
    if (r.status == 401 || r.status == 403)
      throw Error("token server " + challenge->realm + " refused " +
                  (creds ? "the credentials for " + registry : "anonymous access") + " (" +
                  describe(r) + ")");
    fail("token server " + challenge->realm, r);
  }
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  std::string token;
  if (j.is_object()) {
    for (const char* key : {"token", "access_token"}) {
      if (j.contains(key) && j[key].is_string() && !j[key].get<std::string>().empty()) {
        token = j[key].get<std::string>();
        break;
      }
    }
  }
  if (token.empty()) throw Error("token server " + challenge->realm + " answered without a token");
  // Docker's rule: a token lives at least 60 s; renew a little early.
  int64_t lifetime = 60;
  if (j.contains("expires_in") && j["expires_in"].is_number_integer())
    lifetime = std::max<int64_t>(60, j["expires_in"].get<int64_t>());
  std::string authorization = "Bearer " + token;
  std::lock_guard lock(mutex_);
  tokens_[registry + " " + join(scopes, " ")] =
      Token{authorization, Clock::now() + std::chrono::seconds(lifetime - 10)};
  return authorization;
}

HttpResponse RegistryClient::send(const std::string& registry, const std::string& repository,
                                  std::vector<std::string> scopes, HttpRequest request) {
  request.tls = &endpoint(registry).tls;
  auto base_headers = request.headers;
  std::string auth = cached_authorization(registry, scopes);
  if (!auth.empty()) request.headers.push_back("Authorization: " + auth);
  HttpResponse r = http_.perform(request);
  if (r.status != 401) return r;
  std::string challenge = r.header("www-authenticate");
  if (challenge.empty())
    throw Error(registry + ": unauthorized (HTTP 401) without a WWW-Authenticate challenge");
  auth = authorize(registry, repository, scopes, challenge);
  request.headers = base_headers;
  request.headers.push_back("Authorization: " + auth);
  r = http_.perform(request);
  if (r.status == 401) throw Error(registry + ": authentication failed (" + describe(r) + ")");
  return r;
}

void RegistryClient::sleep_before_retry(int attempt) const {
  std::this_thread::sleep_for(options_.retry_delay * (1 << std::min(attempt, 10)));
}

HttpResponse RegistryClient::send_with_retries(const std::string& registry,
                                               const std::string& repository,
                                               const std::vector<std::string>& scopes,
                                               const HttpRequest& request) {
  for (int attempt = 0;; ++attempt) {
    try {
      HttpResponse r = send(registry, repository, scopes, request);
      if (!retryable(r.status) || attempt >= options_.max_retries) return r;
    } catch (const TransportError& e) {
      if (e.permanent() || attempt >= options_.max_retries) throw;
    }
    sleep_before_retry(attempt);
  }
}

namespace {
std::string pull_scope(const Reference& r) {
  return "repository:" + r.path + ":pull";
}
std::string push_scope(const Reference& r) {
  return "repository:" + r.path + ":pull,push";
}
std::vector<std::string> default_accept() {
  return {std::string(media_type::oci_manifest), std::string(media_type::oci_index),
          std::string(media_type::docker_manifest), std::string(media_type::docker_manifest_list)};
}
}  // namespace

void RegistryClient::ping(std::string_view registry) {
  std::string reg(registry);
  HttpRequest req;
  req.url = endpoint(reg).origin + "/v2/";
  req.timeout_s = options_.request_timeout_s;
  HttpResponse r = send_with_retries(reg, "", {}, req);
  if (r.status == 404) throw Error(reg + " does not serve the registry API v2 (HTTP 404 on /v2/)");
  if (r.status != 200) fail("ping " + reg, r);
}

Manifest RegistryClient::fetch_manifest(const Reference& ref,
                                        const std::vector<std::string>& accept) {
  std::string what = "manifest " + ref.string();
  HttpRequest req;
  req.url = base_url(ref) + "/manifests/" + (ref.digest.empty() ? ref.tag : ref.digest);
  req.headers.push_back("Accept: " + join(accept.empty() ? default_accept() : accept, ", "));
  req.body_limit = kManifestSizeLimit;
  req.timeout_s = options_.request_timeout_s;
  req.follow_redirects = true;
  HttpResponse r = send_with_retries(ref.domain, ref.path, {pull_scope(ref)}, req);
  if (r.status != 200) fail(what, r);

  Manifest m;
  m.bytes = std::move(r.body);
  // As served: classify_manifest weighs a generic or missing Content-Type
  // against the body, and its errors must blame the one that lied.
  m.media_type = media_type_of(r);
  if (!ref.digest.empty()) {
    std::string got = compute_digest(m.bytes, digest_algorithm(ref.digest));
    if (got != ref.digest)
      throw Error(what + ": digest mismatch: the registry served content with digest " + got);
    m.digest = ref.digest;
  }
  std::string served = r.header("docker-content-digest");
  if (!served.empty()) {
    std::string algorithm;
    try {
      algorithm = digest_algorithm(served);
    } catch (const Error& e) {
      throw Error(what + ": registry sent an invalid Docker-Content-Digest '" + served +
                  "': " + e.what());
    }
    std::string got = compute_digest(m.bytes, algorithm);
    if (got != served)
      throw Error(what + ": registry says its digest is " + served + " but the content hashes to " +
                  got);
  }
  if (m.digest.empty()) m.digest = compute_digest(m.bytes);
  return m;
}

std::optional<ManifestHead> RegistryClient::head_manifest(const Reference& ref,
                                                          const std::vector<std::string>& accept) {
  HttpRequest req;
  req.method = "HEAD";
  req.url = base_url(ref) + "/manifests/" + (ref.digest.empty() ? ref.tag : ref.digest);
  req.headers.push_back("Accept: " + join(accept.empty() ? default_accept() : accept, ", "));
  req.timeout_s = options_.request_timeout_s;
  req.follow_redirects = true;
  HttpResponse r = send_with_retries(ref.domain, ref.path, {pull_scope(ref)}, req);
  if (r.status == 404) return std::nullopt;
  if (r.status != 200) fail("manifest " + ref.string(), r);
  ManifestHead h{media_type_of(r), r.header("docker-content-digest"), 0};
  std::string len = r.header("content-length");
  if (!len.empty()) h.size = std::strtoull(len.c_str(), nullptr, 10);
  return h;
}

void RegistryClient::fetch_blob(const Reference& repo, std::string_view digest,
                                int64_t expected_size, const SinkFn& sink,
                                const ProgressFn& progress) {
  std::string what = "blob " + std::string(digest) + " of " + repo.repository();
  DigestVerifier verifier(digest);
  uint64_t done = 0;
  uint64_t total = expected_size >= 0 ? static_cast<uint64_t>(expected_size) : 0;
  std::string url = base_url(repo) + "/blobs/" + std::string(digest);

  for (int attempt = 0;; ++attempt) {
    HttpRequest req;
    req.url = url;
    req.follow_redirects = true;
    if (done > 0) req.headers.push_back("Range: bytes=" + std::to_string(done) + "-");
    uint64_t skip = 0;  // bytes a registry that ignored Range sends again
    bool first = true;
    req.sink = [&](long status, const char* data, size_t len) {
      if (first) {
        first = false;
        if (status == 200) skip = done;
      }
      if (skip > 0) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(skip, len));
        skip -= n;
        data += n;
        len -= n;
        if (len == 0) return;
      }
      if (expected_size >= 0 && done + len > total)
        throw Error(what + ": registry sent more than the " + std::to_string(total) +
                    " bytes the manifest says");
      verifier.update(data, len);
      sink(data, len);
      done += len;
      if (progress) progress(done, total);
    };
    HttpResponse r;
    try {
      r = send(repo.domain, repo.path, {pull_scope(repo)}, std::move(req));
    } catch (const TransportError& e) {
      if (e.permanent()) throw;
      if (attempt >= options_.max_retries)
        throw Error(what + ": " + e.what() + " (gave up after " + std::to_string(attempt + 1) +
                    " attempts)");
      sleep_before_retry(attempt);
      continue;
    }
    if (retryable(r.status) && attempt < options_.max_retries) {
      sleep_before_retry(attempt);
      continue;
    }
    if (r.status != 200 && r.status != 206) fail(what, r);
    break;
  }
  if (expected_size >= 0 && done != total)
    throw Error(what + ": got " + std::to_string(done) + " bytes, the manifest says " +
                std::to_string(total));
  verifier.verify(what);
}

void RegistryClient::fetch_blob_to_file(const Reference& repo, std::string_view digest,
                                        int64_t expected_size, const std::string& path,
                                        const ProgressFn& progress) {
  std::string partial = path + ".partial";
  UniqueFd fd = open_fd(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  try {
    fetch_blob(
        repo, digest, expected_size,
        [&](const char* data, size_t len) {
          write_all(fd.get(), std::string_view(data, len), partial);
        },
        progress);
    if (::fsync(fd.get()) != 0) throw_errno("fsync", partial);
    fd.reset();
    if (::rename(partial.c_str(), path.c_str()) != 0) throw_errno("rename", partial);
  } catch (...) {
    ::unlink(partial.c_str());
    throw;
  }
}

std::string RegistryClient::fetch_blob_bytes(const Reference& repo, std::string_view digest,
                                             size_t limit) {
  std::string out;
  fetch_blob(repo, digest, -1, [&](const char* data, size_t len) {
    if (out.size() + len > limit)
      throw Error("blob " + std::string(digest) + " is larger than " + std::to_string(limit) +
                  " bytes");
    out.append(data, len);
  });
  return out;
}

bool RegistryClient::blob_exists(const Reference& repo, std::string_view digest) {
  check_digest(digest);
  HttpRequest req;
  req.method = "HEAD";
  req.url = base_url(repo) + "/blobs/" + std::string(digest);
  req.timeout_s = options_.request_timeout_s;
  req.follow_redirects = true;
  HttpResponse r = send_with_retries(repo.domain, repo.path, {pull_scope(repo)}, req);
  if (r.status == 200) return true;
  if (r.status == 404) return false;
  fail("blob " + std::string(digest) + " of " + repo.repository(), r);
}

std::string RegistryClient::upload_location(const Reference& repo, HttpResponse& r) {
  std::string loc = r.header("location");
  if (loc.empty())
    throw Error("upload to " + repo.repository() + ": registry gave no upload Location");
  return resolve_url(r.effective_url, loc);
}

void RegistryClient::upload_blob(const Reference& repo, std::string_view digest,
                                 const BlobSource& source, const ProgressFn& progress) {
  check_digest(digest);
  std::string what = "upload of blob " + std::string(digest) + " to " + repo.repository();
  std::vector<std::string> scopes{push_scope(repo)};
  const uint64_t chunk = std::max<uint64_t>(options_.upload_chunk_size, 1);
  // A failed session is not resumable in general: start over with a new one.
  for (int attempt = 0;; ++attempt) {
    try {
      HttpRequest post;
      post.method = "POST";
      post.url = base_url(repo) + "/blobs/uploads/";
      post.timeout_s = options_.request_timeout_s;
      HttpResponse r = send(repo.domain, repo.path, scopes, post);
      if (r.status != 202) {
        if (retryable(r.status) && attempt < options_.max_retries) {
          sleep_before_retry(attempt);
          continue;
        }
        fail(what, r);
      }
      std::string location = upload_location(repo, r);
      uint64_t offset = 0;
      if (source.size > chunk) {
        while (offset < source.size) {
          uint64_t n = std::min(chunk, source.size - offset);
          HttpRequest patch;
          patch.method = "PATCH";
          patch.url = location;
          patch.read_at = source.read_at;
          patch.body_offset = offset;
          patch.body_size = n;
          patch.headers = {
              "Content-Type: application/octet-stream",
              "Content-Range: " + std::to_string(offset) + "-" + std::to_string(offset + n - 1)};
          r = send(repo.domain, repo.path, scopes, patch);
          if (r.status != 202) break;
          location = upload_location(repo, r);
          offset += n;
          if (progress) progress(offset, source.size);
        }
        if (offset < source.size) {
          if (retryable(r.status) && attempt < options_.max_retries) {
            sleep_before_retry(attempt);
            continue;
          }
          fail(what, r);
        }
      }
      HttpRequest put;
      put.method = "PUT";
      put.url = with_query(location, "digest=" + url_escape(digest));
      put.headers = {"Content-Type: application/octet-stream"};
      if (offset < source.size) {
        put.read_at = source.read_at;
        put.body_size = source.size;
      }
      r = send(repo.domain, repo.path, scopes, put);
      if (r.status != 201) {
        if (retryable(r.status) && attempt < options_.max_retries) {
          sleep_before_retry(attempt);
          continue;
        }
        fail(what, r);
      }
      if (progress) progress(source.size, source.size);
      return;
    } catch (const TransportError& e) {
      if (e.permanent() || attempt >= options_.max_retries) throw Error(what + ": " + e.what());
      sleep_before_retry(attempt);
    }
  }
}

bool RegistryClient::mount_blob(const Reference& repo, std::string_view digest,
                                const Reference& from) {
  check_digest(digest);
  if (from.domain != repo.domain)
    throw Error("cannot mount a blob from " + from.domain + " into " + repo.domain +
                ": cross-repository mounts work within one registry");
  HttpRequest post;
  post.method = "POST";
  post.url = base_url(repo) + "/blobs/uploads/?mount=" + url_escape(digest) +
             "&from=" + url_escape(from.path);
  post.timeout_s = options_.request_timeout_s;
  HttpResponse r =
      send_with_retries(repo.domain, repo.path, {push_scope(repo), pull_scope(from)}, post);
  if (r.status == 201) return true;
  if (r.status != 202)
    fail("mount of blob " + std::string(digest) + " into " + repo.repository(), r);
  // The registry opened an upload session instead; close it, the caller uploads.
  try {
    HttpRequest del;
    del.method = "DELETE";
    del.url = upload_location(repo, r);
    del.timeout_s = options_.request_timeout_s;
    send(repo.domain, repo.path, {push_scope(repo)}, del);
  } catch (const Error&) {
    // An abandoned session expires on the registry's side anyway.
  }
  return false;
}

std::string RegistryClient::put_manifest(const Reference& ref, std::string_view media_type,
                                         std::string_view bytes) {
  if (bytes.size() > kManifestSizeLimit)
    throw Error("manifest for " + ref.string() + " is larger than " +
                std::to_string(kManifestSizeLimit) + " bytes");
  std::string digest = compute_digest(bytes);
  if (!ref.digest.empty() && ref.digest != compute_digest(bytes, digest_algorithm(ref.digest)))
    throw Error("manifest does not match the digest in " + ref.string());
  HttpRequest put;
  put.method = "PUT";
  put.url = base_url(ref) + "/manifests/" + (ref.tag.empty() ? ref.digest : ref.tag);
  put.headers = {"Content-Type: " + std::string(media_type)};
  put.read_at = BlobSource::from_memory(bytes).read_at;
  put.body_size = bytes.size();
  put.timeout_s = options_.request_timeout_s;
  HttpResponse r = send_with_retries(ref.domain, ref.path, {push_scope(ref)}, put);
  if (r.status != 201) fail("push of manifest " + ref.string(), r);
  std::string served = r.header("docker-content-digest");
  if (!served.empty() && served != digest && served.starts_with("sha256:"))
    throw Error("push of manifest " + ref.string() + ": registry stored it as " + served +
                ", expected " + digest);
  return digest;
}

std::vector<std::string> RegistryClient::list_tags(const Reference& repo) {
  std::vector<std::string> tags;
  std::string url = base_url(repo) + "/tags/list";
  for (int page = 0; !url.empty(); ++page) {
    if (page >= 10000) throw Error("tags of " + repo.repository() + ": too many pages");
    HttpRequest req;
    req.url = url;
    req.timeout_s = options_.request_timeout_s;
    req.follow_redirects = true;
    HttpResponse r = send_with_retries(repo.domain, repo.path, {pull_scope(repo)}, req);
    if (r.status != 200) fail("tags of " + repo.repository(), r);
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_object() || (j.contains("tags") && !j["tags"].is_array() && !j["tags"].is_null()))
      throw Error("tags of " + repo.repository() + ": registry sent malformed JSON");
    if (j.contains("tags") && j["tags"].is_array()) {
      for (const auto& t : j["tags"]) {
        if (!t.is_string())
          throw Error("tags of " + repo.repository() + ": registry sent a non-string tag");
        tags.push_back(t.get<std::string>());
      }
    }
    // Link: </v2/repo/tags/list?last=x&n=100>; rel="next"
    std::string next;
    std::string link = r.header("link");
    if (link.find("rel=\"next\"") != std::string::npos ||
        link.find("rel=next") != std::string::npos) {
      auto open = link.find('<');
      auto close = link.find('>', open);
      if (open == std::string::npos || close == std::string::npos)
        throw Error("tags of " + repo.repository() + ": malformed Link header: " + link);
      next = resolve_url(r.effective_url, link.substr(open + 1, close - open - 1));
    }
    url = next;
  }
  return tags;
}

}  // namespace nook::image
