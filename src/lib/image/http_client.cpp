#include "image/http_client.hpp"

#include <cerrno>

#include <curl/curl.h>

#include <algorithm>
#include <cstring>

#include "sys/file.hpp"

namespace nook::image {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw Error("cannot initialise libcurl");
  });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

constexpr size_t kErrorBodyLimit = 64 << 10;

struct Transfer {
  const HttpRequest* request;
  HttpResponse* response;
  CURL* curl;
  uint64_t sent = 0;
  std::string error;  // set by a callback that aborted the transfer
  std::exception_ptr sink_exception;
};

size_t on_header(char* data, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    t->response->headers.clear();  // a new response (redirect, 100 Continue)
    return size * n;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos)
    t->response->headers[lower(trim(line.substr(0, colon)))].emplace_back(
        trim(line.substr(colon + 1)));
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  size_t len = size * n;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  bool ok = status >= 200 && status < 300;
  if (ok && t->request->sink) {
    try {
      t->request->sink(status, data, len);
    } catch (...) {
      t->sink_exception = std::current_exception();
      return CURL_WRITEFUNC_ERROR;
    }
    return len;
  }
  size_t limit = ok ? t->request->body_limit : kErrorBodyLimit;
  if (t->response->body.size() + len > limit) {
    if (!ok) {
      t->response->body.append(data, limit - t->response->body.size());
      return len;  // keep the start of an error body, drop the rest
    }
    t->error = "response body larger than " + std::to_string(limit) + " bytes";
    return CURL_WRITEFUNC_ERROR;
  }
  t->response->body.append(data, len);
  return len;
}

size_t on_read(char* buf, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  uint64_t left = t->request->body_size - t->sent;
  if (left == 0) return 0;
  size_t want = static_cast<size_t>(std::min<uint64_t>(left, size * n));
  size_t got = 0;
  try {
    got = t->request->read_at(t->request->body_offset + t->sent, buf, want);
  } catch (...) {
    t->sink_exception = std::current_exception();
    return CURL_READFUNC_ABORT;
  }
  if (got == 0) {
    t->error = "request body ended early";
    return CURL_READFUNC_ABORT;
  }
  t->sent += got;
  return got;
}

// curl rewinds the body on a redirect or an auth retry.
int on_seek(void* p, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(p);
  if (origin != SEEK_SET || offset < 0) return CURL_SEEKFUNC_CANTSEEK;
  t->sent = static_cast<uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

}  // namespace

bool TransportError::permanent() const {
  if (certificate_refused_) return true;
  switch (curl_code_) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return true;
    default:
      return false;
  }
}

std::string HttpResponse::header(std::string_view lower_name) const {
  auto it = headers.find(std::string(lower_name));
  return it == headers.end() || it->second.empty() ? std::string() : it->second.back();
}

struct HttpClient::Handle {
  CURL* curl = nullptr;
  ~Handle() { curl_easy_cleanup(curl); }
};

HttpClient::HttpClient(HttpOptions options) : options_(std::move(options)) {
  global_init();
}
HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient::Handle> HttpClient::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto h = std::move(idle_.back());
      idle_.pop_back();
      curl_easy_reset(h->curl);
      return h;
    }
  }
  auto h = std::make_unique<Handle>();
  h->curl = curl_easy_init();
  if (!h->curl) throw Error("cannot create a libcurl handle");
  return h;
}

void HttpClient::release(std::unique_ptr<Handle> h) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(h));
}

HttpResponse HttpClient::perform(const HttpRequest& request) {
  auto handle = acquire();
  CURL* c = handle->curl;
  HttpResponse response;
  Transfer t{&request, &response, c};
  char errbuf[CURL_ERROR_SIZE] = "";

  curl_slist* headers = nullptr;
  for (const auto& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  // Without this curl sends "Expect: 100-continue" and waits on large PUTs.
  headers = curl_slist_append(headers, "Expect:");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_guard(headers,
                                                                           curl_slist_free_all);

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  // Streamed bodies (blobs) in fewer, larger callbacks than the default
  // 16 KiB: each one costs a blob write, a hand-over to the unpacker and a
  // hash update. acquire() resets the handle, so small requests keep 16 KiB.
  if (request.sink) curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L << 10);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_s);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, options_.stall_timeout_s);
  if (request.timeout_s > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT, request.timeout_s);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  if (request.follow_redirects) {
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  }

  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.read_at || request.method == "PUT" || request.method == "PATCH" ||
             request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
    curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
    curl_easy_setopt(c, CURLOPT_SEEKDATA, &t);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
                     static_cast<curl_off_t>(request.read_at ? request.body_size : 0));
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  if (request.tls) {
    const TlsConfig& tls = *request.tls;
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, tls.verify ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, tls.verify ? 2L : 0L);
    if (!tls.ca_bundle.empty()) {
      // curl copies the blob: the TlsConfig may be shared by other threads.
      curl_blob blob{const_cast<char*>(tls.ca_bundle.data()), tls.ca_bundle.size(), CURL_BLOB_COPY};
      curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (!tls.client_cert.empty()) {
      curl_easy_setopt(c, CURLOPT_SSLCERT, tls.client_cert.c_str());
      curl_easy_setopt(c, CURLOPT_SSLKEY, tls.client_key.c_str());
    }
  }

  CURLcode rc = curl_easy_perform(c);
  if (t.sink_exception) {
    release(std::move(handle));
    std::rethrow_exception(t.sink_exception);
  }
  if (rc != CURLE_OK) {
    std::string what = !t.error.empty() ? t.error : errbuf[0] ? errbuf : curl_easy_strerror(rc);
    // TLS 1.3 checks the client's certificate after the client has sent its
    // part of the handshake: a server that refuses it (or its absence) sends
    // an alert and closes. Our next bytes often reach the closed socket first
    // and curl reports a reset (ENOTCONN, EPIPE, an HTTP/2 framing error)
    // instead of the alert; measured against docker-registry without retries,
    // about one try in five with a foreign client certificate. A reset in TLS
    // before any byte of an answer gets the hint too, worded as the guess it is.
    long header_bytes = 0, os_errno = 0;
    curl_easy_getinfo(c, CURLINFO_HEADER_SIZE, &header_bytes);
    curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
    bool reset_in_tls = request.tls && header_bytes == 0 &&
                        (rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
                         rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_HTTP2) &&
                        (os_errno == ECONNRESET || os_errno == EPIPE || os_errno == ENOTCONN ||
                         what.find("reset by peer") != std::string::npos ||
                         what.find("Broken pipe") != std::string::npos ||
                         what.find("not connected") != std::string::npos);
    release(std::move(handle));
    // A password in the URL (an import's) stays out of every message.
    std::string shown = request.method + " " + redact_url(request.url);
    if (!t.error.empty()) throw Error(shown + ": " + what);
    // Only an untrusted issuer gets the hint: a name mismatch is not about the CA.
    if (rc == CURLE_PEER_FAILED_VERIFICATION && request.tls && !request.tls->verify_hint.empty() &&
        what.find("certificate problem") != std::string::npos)
      what += " (" + request.tls->verify_hint + ")";
    // A TLS alert about certificates (bad, unknown CA, required) is the
    // server refusing ours, or the lack of one: no retry will change that.
    bool refused =
        request.tls &&
        (rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_SSL_CONNECT_ERROR) &&
        what.find("alert") != std::string::npos &&
        (what.find("certificate") != std::string::npos ||
         what.find("unknown ca") != std::string::npos);
    if (refused && !request.tls->client_cert_hint.empty())
      what += " (" + request.tls->client_cert_hint + ")";
    else if (reset_in_tls && !request.tls->client_cert_hint.empty())
      what += " (reset in TLS before any answer: perhaps " + request.tls->client_cert_hint + ")";
    throw TransportError(shown + ": " + what, rc, refused);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  char* url = nullptr;
  curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &url);
  if (url) response.effective_url = url;
  release(std::move(handle));
  return response;
}

std::string redact_url(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  size_t start = scheme + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string_view authority = url.substr(start, end == std::string_view::npos ? end : end - start);
  auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  auto colon = authority.substr(0, at).find(':');
  if (colon == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, start + colon + 1)) + "xxxxx" +
         std::string(url.substr(start + at));
}

std::string url_escape(std::string_view text) {
  std::string out;
  static constexpr char hex[] = "0123456789ABCDEF";
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string resolve_url(const std::string& base, std::string_view ref) {
  global_init();
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
  if (!u) throw Error("cannot allocate a URL");
  std::string r(ref);
  if (curl_url_set(u.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK ||
      curl_url_set(u.get(), CURLUPART_URL, r.c_str(), 0) != CURLUE_OK)
    throw Error("invalid URL '" + r + "' from the registry");
  char* out = nullptr;
  if (curl_url_get(u.get(), CURLUPART_URL, &out, 0) != CURLUE_OK)
    throw Error("invalid URL '" + r + "' from the registry");
  std::string s(out);
  curl_free(out);
  return s;
}

}  // namespace nook::image
