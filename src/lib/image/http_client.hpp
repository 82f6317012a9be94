#pragma once
// A thin libcurl wrapper for the registry client: one request at a time per
// call, bodies streamed both ways, headers of the final response collected.
// Transport failures (DNS, refused, reset, TLS, timeouts) throw
// TransportError so callers can retry them; HTTP statuses never throw here.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sys/error.hpp"

namespace nook::image {

class TransportError : public Error {
 public:
  TransportError(std::string message, int curl_code, bool certificate_refused = false)
      : Error(std::move(message)),
        curl_code_(curl_code),
        certificate_refused_(certificate_refused) {}
  int curl_code() const { return curl_code_; }
  // A failure trying again cannot fix (the certificate does not verify, a
  // client key is unreadable, the URL is malformed): not worth a retry.
  bool permanent() const;

 private:
  int curl_code_;
  bool certificate_refused_;  // the server's TLS alert refused our certificate
};

struct TlsConfig {
  bool verify = true;
  // PEM: the system's CAs plus the extra ones; empty means curl's default.
  std::string ca_bundle;
  std::string client_cert;  // PEM file paths, both or neither
  std::string client_key;
  // Appended to a certificate verification failure: where a CA would go.
  std::string verify_hint;
  // Appended when the server refuses the TLS session over a (missing)
  // client certificate: where one would go.
  std::string client_cert_hint;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  // Request body: size bytes read through read_at(offset, buf, max) → bytes
  // given (0 only at the end). No reader: no body.
  std::function<size_t(uint64_t offset, char* buf, size_t max)> read_at;
  uint64_t body_size = 0;
  uint64_t body_offset = 0;  // where in the source this body starts
  // Response body of a 2xx: handed to sink as it arrives when set,
  // otherwise kept in HttpResponse::body up to body_limit (more is an
  // Error). Non-2xx bodies are always kept (truncated) for error messages.
  // It gets the status too (200 or 206 tells a resumed download apart).
  std::function<void(long status, const char*, size_t)> sink;
  size_t body_limit = 4 << 20;
  bool follow_redirects = false;
  long timeout_s = 0;  // whole request; 0 = none (blobs: stall detection only)
  const TlsConfig* tls = nullptr;
};

struct HttpResponse {
  long status = 0;
  // Of the last response (after redirects): lower-cased name → values in order.
  std::map<std::string, std::vector<std::string>> headers;
  std::string body;
  std::string effective_url;

  // The last value of a header, or "".
  std::string header(std::string_view lower_name) const;
};

struct HttpOptions {
  std::string user_agent;
  long connect_timeout_s = 30;
  // A transfer slower than 1 byte/s for this long is a broken connection.
  long stall_timeout_s = 60;
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Safe to call from several threads at once (one easy handle each,
  // reused across calls so connections stay open).
  HttpResponse perform(const HttpRequest& request);

 private:
  struct Handle;
  std::unique_ptr<Handle> acquire();
  void release(std::unique_ptr<Handle> h);

  HttpOptions options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Handle>> idle_;
};

// The URL with the password of its user info replaced by "xxxxx", as Go's
// url.Redacted() shows it: "https://u:xxxxx@host/x". Anything else unchanged.
std::string redact_url(std::string_view url);

// Percent-encodes for a URL query value.
std::string url_escape(std::string_view text);
// Resolves a possibly relative reference (Location, Link) against base.
std::string resolve_url(const std::string& base, std::string_view ref);

}  // namespace nook::image
