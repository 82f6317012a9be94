// The registry client against a real registry (Debian's docker-registry,
// started by each test on a free loopback port, basic auth through its
// htpasswd support) and, for what a stock registry cannot show (bearer
// tokens, corrupt blobs, broken connections, 5xx), against a small fake
// registry served from a thread.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "error_text.hpp"
#include "image/digest.hpp"
#include "image/registry_client.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/file.hpp"
#include "temp_dir.hpp"

using namespace nook::image;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kRegistryBinary = "/usr/bin/docker-registry";
// bcrypt (docker-registry accepts only bcrypt) of "s3cret" for user "tester",
// cost 4 so that checking it on every request stays fast.
constexpr const char* kHtpasswd =
    "tester:$2b$04$op56dJuNwy2f8FpBpWjU6u0QkgVqj6AE4MxN7ipOy2MEOVdcv1MC2\n";

std::string source_dir() {
  return fs::path(__FILE__).parent_path().parent_path().parent_path();
}

nook::test::TempDir make_temp_dir(const char* what) {
  const char* tmp = getenv("TMPDIR");
  return nook::test::TempDir(std::string(tmp && *tmp ? tmp : "/tmp") + "/nook-" + what + "-");
}

int free_port() {
  nook::UniqueFd s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) nook::throw_errno("bind");
  socklen_t len = sizeof a;
  getsockname(s.get(), reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// The busybox OCI layout, built once per test binary run.
struct Layout {
  nook::test::TempDir parent = make_temp_dir("busybox-image");  // holds dir; removed at exit
  std::string dir = parent.path("oci");
  std::string manifest_digest;
  std::string manifest;
  json manifest_json;
  std::string blob_path(const std::string& digest) const {
    return dir + "/blobs/" + digest.substr(0, 6) + "/" + digest.substr(7);
  }
};

const Layout& busybox_layout() {
  static Layout layout = [] {
    Layout l;
    std::string cmd =
        "'" + source_dir() + "/tests/fixtures/make-busybox-image.sh' '" + l.dir + "' >/dev/null";
    if (std::system(cmd.c_str()) != 0) throw nook::Error("make-busybox-image.sh failed");
    json index = json::parse(nook::read_file(l.dir + "/index.json"));
    l.manifest_digest = index["manifests"][0]["digest"];
    l.manifest = nook::read_file(l.blob_path(l.manifest_digest));
    l.manifest_json = json::parse(l.manifest);
    return l;
  }();
  return layout;
}

Reference image_ref(const std::string& text) {
  return parse_reference(text);
}

void push_layout(RegistryClient& client, const Layout& l, const Reference& to) {
  std::vector<json> blobs{l.manifest_json["config"]};
  for (const auto& layer : l.manifest_json["layers"]) blobs.push_back(layer);
  for (const auto& d : blobs) {
    std::string digest = d["digest"];
    if (client.blob_exists(to, digest)) continue;
    nook::UniqueFd fd = nook::open_fd(l.blob_path(digest), O_RDONLY | O_CLOEXEC);
    client.upload_blob(to, digest, BlobSource::from_fd(fd.get(), d["size"].get<uint64_t>()));
  }
  EXPECT_EQ(client.put_manifest(to, media_type::oci_manifest, l.manifest), l.manifest_digest);
}

using test_util::error_of;

class RealRegistry : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kRegistryBinary, X_OK) != 0)
      GTEST_SKIP() << kRegistryBinary << " missing (apt-get install docker-registry)";
    busybox_layout();
  }
  void start(bool with_auth = false) {
    tmp_.emplace(make_temp_dir("registry"));
    dir_ = tmp_->path();
    port_ = free_port();
    host_ = "127.0.0.1:" + std::to_string(port_);
    std::string config =
        "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
        "storage:\n  filesystem:\n    rootdirectory: " +
        dir_ + "/storage\n  delete:\n    enabled: true\nhttp:\n  addr: " + host_ +
        "\n  secret: nook-test-secret\n";
    if (with_auth) {
      nook::write_file(dir_ + "/htpasswd", kHtpasswd);
      config += "auth:\n  htpasswd:\n    realm: nook-test\n    path: " + dir_ + "/htpasswd\n";
    }
    nook::write_file(dir_ + "/config.yml", config);
    std::string log = dir_ + "/registry.log";
    pid_ = fork();
    if (pid_ < 0) nook::throw_errno("fork");
    if (pid_ == 0) {
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int null = open("/dev/null", O_RDONLY);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      if (null >= 0) dup2(null, 0);
      std::string cfg = dir_ + "/config.yml";
      execl(kRegistryBinary, kRegistryBinary, "serve", cfg.c_str(), nullptr);
      _exit(127);
    }
    // Ready when /v2/ answers (200, or 401 with auth on).
    for (int i = 0; i < 200; ++i) {
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL() << "docker-registry exited: " << nook::read_file(log);
      }
      nook::UniqueFd s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(port_);
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "docker-registry did not listen on " << host_;
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status;
      waitpid(pid_, &status, 0);
    }
  }
  ClientOptions options() {
    ClientOptions o;
    o.tls_verify = false;
    o.max_retries = 1;
    o.retry_delay = std::chrono::milliseconds(10);
    return o;
  }
  Reference repo(const std::string& path_tag) { return image_ref(host_ + "/" + path_tag); }
  std::string layer_digest() const { return busybox_layout().manifest_json["layers"][0]["digest"]; }
  int64_t layer_size() const { return busybox_layout().manifest_json["layers"][0]["size"]; }

  std::optional<nook::test::TempDir> tmp_;  // made by start()
  std::string dir_;
  std::string host_;
  int port_ = 0;
  pid_t pid_ = -1;
};

TEST_F(RealRegistry, PushThenFetchManifestByTagAndDigest) {
  start();
  RegistryClient client(options());
  client.ping(host_);
  const Layout& l = busybox_layout();
  push_layout(client, l, repo("test/busybox:1.0"));

  Manifest by_tag = client.fetch_manifest(repo("test/busybox:1.0"));
  EXPECT_EQ(by_tag.digest, l.manifest_digest);
  EXPECT_EQ(by_tag.media_type, media_type::oci_manifest);
  EXPECT_EQ(by_tag.bytes, l.manifest);

  Manifest by_digest = client.fetch_manifest(repo("test/busybox@" + l.manifest_digest));
  EXPECT_EQ(by_digest.bytes, l.manifest);
  EXPECT_EQ(by_digest.digest, l.manifest_digest);

  auto head = client.head_manifest(repo("test/busybox:1.0"));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->digest, l.manifest_digest);
  EXPECT_EQ(head->size, l.manifest.size());
  EXPECT_FALSE(client.head_manifest(repo("test/busybox:nope")));
  EXPECT_NE(error_of([&] { client.fetch_manifest(repo("test/busybox:nope")); }).find("not found"),
            std::string::npos);
}

TEST_F(RealRegistry, FetchBlobVerifiedToFile) {
  start();
  RegistryClient client(options());
  const Layout& l = busybox_layout();
  push_layout(client, l, repo("test/busybox:latest"));
  std::string out = dir_ + "/layer";
  uint64_t last = 0;
  client.fetch_blob_to_file(repo("test/busybox"), layer_digest(), layer_size(), out,
                            [&](uint64_t done, uint64_t total) {
                              EXPECT_EQ(total, static_cast<uint64_t>(layer_size()));
                              EXPECT_GE(done, last);
                              last = done;
                            });
  EXPECT_EQ(last, static_cast<uint64_t>(layer_size()));
  EXPECT_EQ(nook::read_file(out), nook::read_file(l.blob_path(layer_digest())));
  EXPECT_FALSE(nook::path_exists(out + ".partial"));

  std::string config_digest = l.manifest_json["config"]["digest"];
  EXPECT_EQ(client.fetch_blob_bytes(repo("test/busybox"), config_digest),
            nook::read_file(l.blob_path(config_digest)));
}

TEST_F(RealRegistry, WrongSizeOrDigestIsAnErrorAndNothingIsKept) {
  start();
  RegistryClient client(options());
  push_layout(client, busybox_layout(), repo("test/busybox:latest"));
  std::string out = dir_ + "/layer";
  std::string e =
      error_of([&] { client.fetch_blob_to_file(repo("test/busybox"), layer_digest(), 100, out); });
  EXPECT_NE(e.find("more than the 100 bytes"), std::string::npos) << e;
  EXPECT_FALSE(nook::path_exists(out));
  EXPECT_FALSE(nook::path_exists(out + ".partial"));
  e = error_of([&] {
    client.fetch_blob_to_file(repo("test/busybox"), layer_digest(), layer_size() + 1, out);
  });
  EXPECT_NE(e.find("the manifest says"), std::string::npos) << e;
  EXPECT_FALSE(nook::path_exists(out));
  // A manifest asked for by a digest the registry does not have.
  std::string other = compute_digest("not this");
  e = error_of([&] { client.fetch_manifest(repo("test/busybox@" + other)); });
  EXPECT_NE(e.find("not found"), std::string::npos) << e;
  // Pushing a blob under a digest its bytes do not have: the registry refuses.
  std::string data = "some bytes";
  e = error_of([&] {
    client.upload_blob(repo("test/busybox"), compute_digest("other bytes"),
                       BlobSource::from_memory(data));
  });
  EXPECT_NE(e.find("DIGEST_INVALID"), std::string::npos) << e;
}

TEST_F(RealRegistry, MissingBlobIsAClear404) {
  start();
  RegistryClient client(options());
  push_layout(client, busybox_layout(), repo("test/busybox:latest"));
  std::string missing = compute_digest("missing");
  std::string e = error_of(
      [&] { client.fetch_blob(repo("test/busybox"), missing, -1, [](const char*, size_t) {}); });
  EXPECT_NE(e.find("blob " + missing + " of " + host_ + "/test/busybox: not found (HTTP 404"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("BLOB_UNKNOWN"), std::string::npos) << e;
}

TEST_F(RealRegistry, BlobExists) {
  start();
  RegistryClient client(options());
  EXPECT_FALSE(client.blob_exists(repo("test/busybox"), layer_digest()));
  push_layout(client, busybox_layout(), repo("test/busybox:latest"));
  EXPECT_TRUE(client.blob_exists(repo("test/busybox"), layer_digest()));
  EXPECT_FALSE(client.blob_exists(repo("test/busybox"), compute_digest("x")));
  EXPECT_FALSE(client.blob_exists(repo("test/other"), layer_digest()));
  EXPECT_THROW(client.blob_exists(repo("test/busybox"), "sha256:abc"), nook::Error);
}

TEST_F(RealRegistry, TagsList) {
  start();
  RegistryClient client(options());
  for (const char* tag : {"a", "b", "1.0"})
    push_layout(client, busybox_layout(), repo(std::string("test/busybox:") + tag));
  auto tags = client.list_tags(repo("test/busybox"));
  std::sort(tags.begin(), tags.end());
  EXPECT_EQ(tags, (std::vector<std::string>{"1.0", "a", "b"}));
  std::string e = error_of([&] { client.list_tags(repo("test/none")); });
  EXPECT_NE(e.find("not found"), std::string::npos) << e;
}

TEST_F(RealRegistry, CrossRepositoryMount) {
  start();
  RegistryClient client(options());
  push_layout(client, busybox_layout(), repo("src/busybox:latest"));
  EXPECT_FALSE(client.blob_exists(repo("dst/busybox"), layer_digest()));
  EXPECT_TRUE(client.mount_blob(repo("dst/busybox"), layer_digest(), repo("src/busybox")));
  EXPECT_TRUE(client.blob_exists(repo("dst/busybox"), layer_digest()));
  EXPECT_FALSE(
      client.mount_blob(repo("dst/busybox"), compute_digest("nothing"), repo("src/busybox")));
  EXPECT_THROW(client.mount_blob(repo("dst/busybox"), layer_digest(), image_ref("quay.io/a/b")),
               nook::Error);
}

TEST_F(RealRegistry, ChunkedUpload) {
  start();
  ClientOptions o = options();
  o.upload_chunk_size = 64 * 1024;  // the busybox layer is ~1 MB: many PATCHes
  RegistryClient client(o);
  const Layout& l = busybox_layout();
  ASSERT_GT(layer_size(), 3 * 64 * 1024);
  std::vector<uint64_t> steps;
  nook::UniqueFd fd = nook::open_fd(l.blob_path(layer_digest()), O_RDONLY | O_CLOEXEC);
  client.upload_blob(repo("chunked/busybox"), layer_digest(),
                     BlobSource::from_fd(fd.get(), layer_size()),
                     [&](uint64_t done, uint64_t) { steps.push_back(done); });
  EXPECT_GT(steps.size(), 3u);
  std::string got;
  client.fetch_blob(repo("chunked/busybox"), layer_digest(), layer_size(),
                    [&](const char* d, size_t n) { got.append(d, n); });
  EXPECT_EQ(got, nook::read_file(l.blob_path(layer_digest())));
}

TEST_F(RealRegistry, BasicAuth) {
  start(/*with_auth=*/true);
  {
    RegistryClient anonymous(options());
    std::string e = error_of([&] { anonymous.ping(host_); });
    EXPECT_NE(e.find("authentication required"), std::string::npos) << e;
  }
  {
    ClientOptions o = options();
    o.credentials = [](std::string_view, std::string_view) {
      return std::optional<Credentials>(Credentials{"tester", "wrong", "", "", ""});
    };
    RegistryClient wrong(o);
    std::string e = error_of([&] { wrong.ping(host_); });
    EXPECT_NE(e.find("authentication failed (HTTP 401"), std::string::npos) << e;
  }
  ClientOptions o = options();
  std::vector<std::string> asked;
  o.credentials = [&](std::string_view registry, std::string_view repository) {
    asked.push_back(std::string(registry) + "|" + std::string(repository));
    return std::optional<Credentials>(Credentials{"tester", "s3cret", "", "", ""});
  };
  RegistryClient client(o);
  client.ping(host_);
  push_layout(client, busybox_layout(), repo("auth/busybox:latest"));
  EXPECT_EQ(client.fetch_manifest(repo("auth/busybox:latest")).digest,
            busybox_layout().manifest_digest);
  EXPECT_EQ(client.list_tags(repo("auth/busybox")), std::vector<std::string>{"latest"});
  // Basic credentials are sent up front once known, not after a 401 each time.
  EXPECT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0], host_ + "|");
}

// --- a fake registry for the protocol cases

struct FakeRequest {
  std::string method, target, authorization, range, content_type, body;
};
struct FakeResponse {
  std::string head;  // status line and headers, without the final CRLF
  std::string body;
  size_t send_only = std::string::npos;  // then drop the connection
};

class FakeServer {
 public:
  explicit FakeServer(std::function<FakeResponse(const FakeRequest&)> handler)
      : handler_(std::move(handler)) {
    listen_.reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        listen(listen_.get(), 16) != 0)
      nook::throw_errno("listen");
    socklen_t len = sizeof a;
    getsockname(listen_.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeServer() {
    stop_ = true;
    shutdown(listen_.get(), SHUT_RDWR);
    thread_.join();
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  void serve() {
    while (!stop_) {
      nook::UniqueFd c(accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!c) return;
      std::string in;
      char buf[4096];
      while (in.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = read(c.get(), buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, n);
        // A TLS hello (the client tries https first on an insecure
        // registry): hang up at once, as a plain-http server does.
        if (in[0] == '\x16') break;
      }
      if (in.empty() || in[0] == '\x16') continue;
      FakeRequest r;
      auto sp1 = in.find(' '), sp2 = in.find(' ', sp1 + 1);
      if (sp1 == std::string::npos || sp2 == std::string::npos) continue;
      r.method = in.substr(0, sp1);
      r.target = in.substr(sp1 + 1, sp2 - sp1 - 1);
      auto header = [&](const std::string& name) -> std::string {
        auto p = in.find("\r\n" + name + ": ");
        if (p == std::string::npos) return {};
        p += name.size() + 4;
        return in.substr(p, in.find("\r\n", p) - p);
      };
      r.authorization = header("Authorization");
      r.range = header("Range");
      r.content_type = header("Content-Type");
      std::string length = header("Content-Length");
      size_t body_at = in.find("\r\n\r\n") + 4;
      if (!length.empty()) {
        size_t want = std::stoul(length);
        while (in.size() - body_at < want) {
          ssize_t n = read(c.get(), buf, sizeof buf);
          if (n <= 0) break;
          in.append(buf, n);
        }
        r.body = in.substr(body_at, want);
      }
      FakeResponse resp = handler_(r);
      std::string out = resp.head + "\r\nContent-Length: " + std::to_string(resp.body.size()) +
                        "\r\nConnection: close\r\n\r\n" + resp.body;
      if (resp.send_only != std::string::npos)
        out.resize(out.size() - resp.body.size() + resp.send_only);
      (void)!write(c.get(), out.data(), out.size());
    }
  }

  std::function<FakeResponse(const FakeRequest&)> handler_;
  nook::UniqueFd listen_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

ClientOptions fake_options() {
  ClientOptions o;
  o.tls_verify = false;
  o.max_retries = 3;
  o.retry_delay = std::chrono::milliseconds(5);
  return o;
}

TEST(FakeRegistry, BearerTokenFlowAndCache) {
  const std::string manifest = R"({"schemaVersion":2})";
  std::atomic<int> token_requests{0};
  std::string token_auth;
  std::string host;
  FakeServer server([&](const FakeRequest& r) -> FakeResponse {
    if (r.target.starts_with("/token?")) {
      ++token_requests;
      token_auth = r.authorization;
      if (r.target != "/token?service=fake%20registry&scope=repository%3Aapp%2Fweb%3Apull")
        return {"HTTP/1.1 400 Bad Request", "wrong query " + r.target};
      return {"HTTP/1.1 200 OK\r\nContent-Type: application/json",
              R"({"access_token":"good-token","expires_in":300})"};
    }
    if (r.target == "/v2/app/web/manifests/v1") {
      if (r.authorization != "Bearer good-token")
        return {"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"http://" + host +
                    "/token\",service=\"fake registry\",scope=\"repository:app/web:pull\"",
                R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})"};
      return {"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json",
              manifest};
    }
    return {"HTTP/1.1 404 Not Found", ""};
  });
  host = server.host();

  ClientOptions o = fake_options();
  o.credentials = [](std::string_view, std::string_view) {
    return std::optional<Credentials>(Credentials{"u", "p", "", "", ""});
  };
  RegistryClient client(o);
  Manifest m = client.fetch_manifest(image_ref(host + "/app/web:v1"));
  EXPECT_EQ(m.bytes, manifest);
  EXPECT_EQ(m.media_type, media_type::oci_manifest);
  EXPECT_EQ(m.digest, compute_digest(manifest));
  EXPECT_EQ(token_auth, "Basic dTpw");  // base64("u:p")
  client.fetch_manifest(image_ref(host + "/app/web:v1"));
  EXPECT_EQ(token_requests, 1);  // the cached token served the second fetch

  RegistryClient anonymous(fake_options());
  anonymous.fetch_manifest(image_ref(host + "/app/web:v1"));
  EXPECT_EQ(token_auth, "");
  EXPECT_EQ(token_requests, 2);
}

TEST(FakeRegistry, AnIdentityTokenIsExchangedForAnAccessToken) {
  // docker's and podman's OAuth2 flow: POST the refresh token to the realm.
  const std::string manifest = R"({"schemaVersion":2})";
  std::string host, posted, content_type;
  int token_requests = 0;
  FakeServer server([&](const FakeRequest& r) -> FakeResponse {
    if (r.target == "/token") {
      ++token_requests;
      if (r.method != "POST") return {"HTTP/1.1 405 Method Not Allowed", ""};
      posted = r.body;
      content_type = r.content_type;
      if (r.body.find("refresh_token=refresh%2Fme%3D") == std::string::npos)
        return {"HTTP/1.1 401 Unauthorized", R"({"error":"invalid_grant"})"};
      return {"HTTP/1.1 200 OK\r\nContent-Type: application/json",
              R"({"access_token":"from-refresh","expires_in":300,"refresh_token":"next"})"};
    }
    if (r.authorization != "Bearer from-refresh")
      return {"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"http://" + host +
                  "/token\",service=\"fake registry\",scope=\"repository:app/web:pull\"",
              ""};
    return {"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json",
            manifest};
  });
  host = server.host();
  ClientOptions o = fake_options();
  std::string token = "refresh/me=";
  o.credentials = [&token](std::string_view, std::string_view) {
    Credentials c;
    c.identity_token = token;
    c.file = "/x/auth.json";
    return std::optional<Credentials>(c);
  };
  RegistryClient client(o);
  EXPECT_EQ(client.fetch_manifest(image_ref(host + "/app/web:v1")).bytes, manifest);
  EXPECT_EQ(content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(posted,
            "grant_type=refresh_token&client_id=nook&refresh_token=refresh%2Fme%3D&service=fake%"
            "20registry&scope=repository%3Aapp%2Fweb%3Apull");
  EXPECT_EQ(token_requests, 1);

  // A refused refresh token is a clear error, not a retry loop.
  token = "stale";
  RegistryClient stale(o);
  try {
    stale.fetch_manifest(image_ref(host + "/app/web:v1"));
    FAIL() << "a refused identity token was accepted";
  } catch (const nook::Error& e) {
    EXPECT_NE(std::string(e.what()).find("refused the credentials"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("stale"), std::string::npos) << "secret in the message";
  }
}

TEST(FakeRegistry, ARedirectingTokenServerDoesNotGetTheRefreshTokenResent) {
  std::string host;
  std::vector<std::string> bodies_elsewhere;
  FakeServer server([&](const FakeRequest& r) -> FakeResponse {
    if (r.target == "/token")
      return {"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://" + host + "/elsewhere", ""};
    if (r.target == "/elsewhere") {
      bodies_elsewhere.push_back(r.body);
      return {"HTTP/1.1 200 OK\r\nContent-Type: application/json", R"({"access_token":"stolen"})"};
    }
    return {"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"http://" + host +
                "/token\",service=\"s\"",
            ""};
  });
  host = server.host();
  ClientOptions o = fake_options();
  o.credentials = [](std::string_view, std::string_view) {
    Credentials c;
    c.identity_token = "secret-refresh";
    return std::optional<Credentials>(c);
  };
  RegistryClient client(o);
  EXPECT_THROW(client.fetch_manifest(image_ref(host + "/app/web:v1")), nook::Error);
  EXPECT_TRUE(bodies_elsewhere.empty());
}

TEST(FakeRegistry, ParallelRequestsLookCredentialsUpOnce) {
  std::string host;
  FakeServer server([&](const FakeRequest& r) -> FakeResponse {
    if (r.authorization == "Basic dTpw")
      return {"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json",
              R"({"schemaVersion":2})"};
    return {"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"r\"", ""};
  });
  host = server.host();
  std::atomic<int> lookups{0};
  ClientOptions o = fake_options();
  o.credentials = [&lookups](std::string_view, std::string_view) {
    ++lookups;
    // As slow as a credential helper: the other threads arrive meanwhile.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return std::optional<Credentials>(Credentials{"u", "p", "", "", ""});
  };
  RegistryClient client(o);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&] { client.fetch_manifest(image_ref(host + "/app/web:v1")); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(lookups, 1);
}

TEST(FakeRegistry, AnIdentityTokenCannotAnswerBasicAuth) {
  FakeServer server([&](const FakeRequest&) -> FakeResponse {
    return {"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"r\"", ""};
  });
  ClientOptions o = fake_options();
  o.credentials = [](std::string_view, std::string_view) {
    Credentials c;
    c.identity_token = "tok";
    c.file = "/x/auth.json";
    return std::optional<Credentials>(c);
  };
  RegistryClient client(o);
  try {
    client.fetch_manifest(image_ref(server.host() + "/app/web:v1"));
    FAIL() << "basic auth answered with an identity token";
  } catch (const nook::Error& e) {
    EXPECT_NE(std::string(e.what()).find("are an identity token"), std::string::npos) << e.what();
  }
}

TEST(FakeRegistry, TokenServerRefusalAndMissingToken) {
  std::string host;
  std::string token_body;
  FakeServer server([&](const FakeRequest& r) -> FakeResponse {
    if (r.target.starts_with("/token")) {
      if (token_body.empty()) return {"HTTP/1.1 401 Unauthorized", ""};
      return {"HTTP/1.1 200 OK", token_body};
    }
    return {
        "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"http://" + host + "/token\"",
        ""};
  });
  host = server.host();
  RegistryClient client(fake_options());
  std::string e = error_of([&] { client.fetch_manifest(image_ref(host + "/a/b:c")); });
  EXPECT_NE(e.find("refused anonymous access"), std::string::npos) << e;
  token_body = R"({"expires_in":300})";
  e = error_of([&] { client.fetch_manifest(image_ref(host + "/a/b:c")); });
  EXPECT_NE(e.find("answered without a token"), std::string::npos) << e;
  token_body = R"({"token":"t"})";  // accepted, but the registry still says 401
  e = error_of([&] { client.fetch_manifest(image_ref(host + "/a/b:c")); });
  EXPECT_NE(e.find("authentication failed"), std::string::npos) << e;
}

TEST(FakeRegistry, CorruptBlobIsRejectedAndNotKept) {
  const std::string good = "the real layer";
  const std::string digest = compute_digest(good);
  FakeServer server([&](const FakeRequest&) -> FakeResponse {
    return {"HTTP/1.1 200 OK", "the fake layer"};
  });
  RegistryClient client(fake_options());
  nook::test::TempDir dir = make_temp_dir("corrupt-blob");
  std::string out = dir.path("blob");
  std::string e = error_of([&] {
    client.fetch_blob_to_file(image_ref(server.host() + "/a/b"), digest, good.size(), out);
  });
  EXPECT_NE(e.find("digest mismatch: expected " + digest), std::string::npos) << e;
  EXPECT_FALSE(nook::path_exists(out));
  EXPECT_FALSE(nook::path_exists(out + ".partial"));
}

TEST(FakeRegistry, ManifestDigestChecks) {
  const std::string body =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json"})";
  std::string served_digest;
  FakeServer server([&](const FakeRequest&) -> FakeResponse {
    std::string head = "HTTP/1.1 200 OK";
    if (!served_digest.empty()) head += "\r\nDocker-Content-Digest: " + served_digest;
    return {head, body};
  });
  RegistryClient client(fake_options());
  std::string h = server.host();
  // No Content-Type: reported as such (classify_manifest reads the body).
  EXPECT_EQ(client.fetch_manifest(image_ref(h + "/a/b:c")).media_type, "");
  std::string wrong = compute_digest("other");
  std::string e = error_of([&] { client.fetch_manifest(image_ref(h + "/a/b@" + wrong)); });
  EXPECT_NE(e.find("digest mismatch"), std::string::npos) << e;
  served_digest = wrong;
  e = error_of([&] { client.fetch_manifest(image_ref(h + "/a/b:c")); });
  EXPECT_NE(e.find("registry says its digest is " + wrong), std::string::npos) << e;
  served_digest = "sha256:zz";
  e = error_of([&] { client.fetch_manifest(image_ref(h + "/a/b:c")); });
  EXPECT_NE(e.find("invalid Docker-Content-Digest"), std::string::npos) << e;
  served_digest = compute_digest(body, "sha512");
  EXPECT_EQ(client.fetch_manifest(image_ref(h + "/a/b:c")).digest, compute_digest(body));
}

TEST(FakeRegistry, ManifestSizeLimit) {
  FakeServer server([&](const FakeRequest&) -> FakeResponse {
    return {"HTTP/1.1 200 OK", std::string(kManifestSizeLimit + 1, ' ')};
  });
  RegistryClient client(fake_options());
  std::string e = error_of([&] { client.fetch_manifest(image_ref(server.host() + "/a/b:c")); });
  EXPECT_NE(e.find("larger than 4194304 bytes"), std::string::npos) << e;
}

TEST(FakeRegistry, ResumesABrokenDownloadWithRange) {
  std::string blob;
  for (int i = 0; i < 200000; ++i) blob.push_back(static_cast<char>('a' + i % 26));
  const std::string digest = compute_digest(blob);
  std::vector<std::string> ranges;
  FakeServer server([&](const FakeRequest& r) -> FakeResponse {
    ranges.push_back(r.range);
    if (r.range.empty()) return {"HTTP/1.1 200 OK", blob, 70000};  // dies at 70000
    size_t from = std::stoul(r.range.substr(6));
    return {"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + std::to_string(from) + "-" +
                std::to_string(blob.size() - 1) + "/" + std::to_string(blob.size()),
            blob.substr(from)};
  });
  RegistryClient client(fake_options());
  std::string got;
  client.fetch_blob(image_ref(server.host() + "/a/b"), digest, blob.size(),
                    [&](const char* d, size_t n) { got.append(d, n); });
  EXPECT_EQ(got, blob);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[1], "bytes=70000-");
}

TEST(FakeRegistry, ResumeWhenTheRegistryIgnoresRange) {
  std::string blob(150000, 'x');
  for (size_t i = 0; i < blob.size(); i += 7) blob[i] = 'y';
  int calls = 0;
  FakeServer server([&](const FakeRequest&) -> FakeResponse {
    return {"HTTP/1.1 200 OK", blob, ++calls == 1 ? size_t{50000} : std::string::npos};
  });
  RegistryClient client(fake_options());
  std::string got;
  client.fetch_blob(image_ref(server.host() + "/a/b"), compute_digest(blob), blob.size(),
                    [&](const char* d, size_t n) { got.append(d, n); });
  EXPECT_EQ(got, blob);
  EXPECT_EQ(calls, 2);
}

TEST(FakeRegistry, RetriesServerErrorsThenGivesUp) {
  int calls = 0;
  int fail_first = 2;
  FakeServer server([&](const FakeRequest&) -> FakeResponse {
    if (++calls <= fail_first) return {"HTTP/1.1 503 Service Unavailable", "busy"};
    return {"HTTP/1.1 200 OK\r\nContent-Type: application/json", R"({"name":"a/b","tags":["x"]})"};
  });
  RegistryClient client(fake_options());
  EXPECT_EQ(client.list_tags(image_ref(server.host() + "/a/b")), std::vector<std::string>{"x"});
  EXPECT_EQ(calls, 3);
  calls = 0;
  fail_first = 100;
  std::string e = error_of([&] { client.list_tags(image_ref(server.host() + "/a/b")); });
  EXPECT_NE(e.find("HTTP 503"), std::string::npos) << e;
  EXPECT_EQ(calls, 4);  // one try and max_retries=3 retries
}

TEST(FakeRegistry, TagsPaginationFollowsLink) {
  FakeServer server([&](const FakeRequest& r) -> FakeResponse {
    if (r.target == "/v2/a/b/tags/list")
      return {"HTTP/1.1 200 OK\r\nLink: </v2/a/b/tags/list?last=2&n=2>; rel=\"next\"",
              R"({"name":"a/b","tags":["1","2"]})"};
    if (r.target == "/v2/a/b/tags/list?last=2&n=2")
      return {"HTTP/1.1 200 OK", R"({"name":"a/b","tags":["3"]})"};
    return {"HTTP/1.1 404 Not Found", ""};
  });
  RegistryClient client(fake_options());
  EXPECT_EQ(client.list_tags(image_ref(server.host() + "/a/b")),
            (std::vector<std::string>{"1", "2", "3"}));
}

TEST(FakeRegistry, MalformedTagsAndChallengesAreErrors) {
  std::string body;
  std::string challenge;
  FakeServer server([&](const FakeRequest&) -> FakeResponse {
    if (!challenge.empty())
      return {"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: " + challenge, ""};
    return {"HTTP/1.1 200 OK", body};
  });
  RegistryClient client(fake_options());
  auto r = image_ref(server.host() + "/a/b");
  for (const char* b : {"[]", "{\"tags\":\"x\"}", "{\"tags\":[1]}", "not json"}) {
    body = b;
    EXPECT_THROW(client.list_tags(r), nook::Error) << b;
  }
  challenge = "Bearer realm=\"http://x";
  EXPECT_NE(error_of([&] { client.list_tags(r); }).find("malformed WWW-Authenticate"),
            std::string::npos);
  challenge = "Negotiate abc";
  EXPECT_NE(error_of([&] { client.list_tags(r); }).find("unsupported authentication scheme"),
            std::string::npos);
  challenge = "Bearer realm=\"file:///etc/shadow\"";
  EXPECT_NE(error_of([&] { client.list_tags(r); }).find("not an http(s) URL"), std::string::npos);
}

TEST(FakeRegistry, ConnectionRefusedIsRetriedThenReported) {
  int port = free_port();  // nothing listens there
  ClientOptions o = fake_options();
  o.max_retries = 1;
  RegistryClient client(o);
  std::string e = error_of([&] { client.ping("127.0.0.1:" + std::to_string(port)); });
  EXPECT_NE(e.find("GET http://127.0.0.1:" + std::to_string(port) + "/v2/"), std::string::npos)
      << e;
}

TEST(RegistryHelpers, ErrorMessagesAndApiHost) {
  EXPECT_EQ(registry_error_message(
                R"({"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]})"),
            "BLOB_UNKNOWN: blob unknown to registry");
  EXPECT_EQ(registry_error_message("<html>"), "");
  EXPECT_EQ(registry_error_message(R"({"errors":[1,{"code":"A"},{"message":"m"}]})"), "A; m");
  EXPECT_EQ(registry_api_host("docker.io"), "registry-1.docker.io");
  EXPECT_EQ(registry_api_host("localhost:5000"), "localhost:5000");
  EXPECT_EQ(resolve_url("http://h:1/v2/a/blobs/uploads/", "/v2/a/blobs/uploads/u?_state=x"),
            "http://h:1/v2/a/blobs/uploads/u?_state=x");
  EXPECT_EQ(url_escape("sha256:ab/c d"), "sha256%3Aab%2Fc%20d");
}

TEST(RegistryHelpers, RedactUrlHidesOnlyThePassword) {
  EXPECT_EQ(redact_url("https://u:pw@h:1/a?b=c"), "https://u:xxxxx@h:1/a?b=c");
  EXPECT_EQ(redact_url("http://u:p@w@h/x"), "http://u:xxxxx@h/x");  // the last @ ends it
  EXPECT_EQ(redact_url("http://u@h/x"), "http://u@h/x");
  EXPECT_EQ(redact_url("http://h/x@y:z"), "http://h/x@y:z");  // @ in the path is no user info
  EXPECT_EQ(redact_url("http://u:pw@h"), "http://u:xxxxx@h");
  EXPECT_EQ(redact_url("no scheme:pw@h"), "no scheme:pw@h");
  EXPECT_EQ(redact_url(""), "");
}

TEST(RegistryHelpers, ATransportErrorShowsTheUrlWithoutItsPassword) {
  HttpClient http(HttpOptions{"nook-test"});
  HttpRequest req;
  // Nothing listens there: the connection is refused.
  req.url = "http://me:s3cret@127.0.0.1:" + std::to_string(free_port()) + "/root.tar";
  try {
    http.perform(req);
    FAIL() << "a refused connection should throw";
  } catch (const nook::Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("GET http://me:xxxxx@127.0.0.1:"), std::string::npos) << what;
    EXPECT_EQ(what.find("s3cret"), std::string::npos) << what;
  }
}

}  // namespace
