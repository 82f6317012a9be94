// CA files of certs.d: what counts as a certificate, and what is refused.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "image/http_client.hpp"
#include "image/registry_tls.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"

using namespace nook::image;

namespace {

// A throwaway self-signed EC certificate (openssl req -x509, 100 years).
const std::string kCert = R"(-----BEGIN CERTIFICATE-----
MIIBhTCCASugAwIBAgIUbk3ig0QZGIM8RRcjcbMdD5sx3egwCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMbm9vayB1bml0IENBMCAXDTI2MTEyNDA4NTEyOFoYDzIxMjYx
MDMxMDg1MTI4WjAXMRUwEwYDVQQDDAxub29rIHVuaXQgQ0EwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAARCga9obsYl2F9P6ns69P7NQG8k2Jwenp1GPCA53VTlTA2o
GPgrRuC2adFe8c07Eh563kZPogkYxrDbbM5/tPDyo1MwUTAdBgNVHQ4EFgQUa8cr
Yam3edDlbPDWova2r7SKvmAwHwYDVR0jBBgwFoAUa8crYam3edDlbPDWova2r7SK
vmAwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAobhAckNb7jU3
JPeIyHtuR1PA7UTdt2U3+5f9KZ+FSL8CIHutn0wnpK8d9nBJnz/85dEZpi+VSusl
USzKE2m3xgYj
-----END CERTIFICATE-----
)";

const std::string kKey = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQguQRzrV/D5AhKMw55
w55FP8uD05JW189wjQidzPP2WjihRANCAARCga9obsYl2F9P6ns69P7NQG8k2Jwe
np1GPCA53VTlTA2oGPgrRuC2adFe8c07Eh563kZPogkYxrDbbM5/tPDy
-----END PRIVATE KEY-----
)";

std::string error_of(const std::string& text) {
  try {
    count_pem_certificates(text, "/certs/ca.crt");
  } catch (const nook::Error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(RegistryTls, OneCertificate) {
  EXPECT_EQ(count_pem_certificates(kCert, "ca.crt"), 1);
}

TEST(RegistryTls, BundleWithCommentsAndBlankLines) {
  std::string bundle = "# our CAs\n\n" + kCert + "\nsome text between\n" + kCert + "\n\n";
  EXPECT_EQ(count_pem_certificates(bundle, "ca.crt"), 2);
}

TEST(RegistryTls, RefusedTextsNameTheFile) {
  for (const std::string& bad :
       {std::string(), std::string("not a certificate\n"), kKey, kCert.substr(0, kCert.size() / 2),
        [] {
          std::string s = kCert;
          s[100] = '!';  // a byte outside base64
          return s;
        }(),
        std::string("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")}) {
    std::string e = error_of(bad);
    EXPECT_NE(e.find("/certs/ca.crt: no CA certificate could be read from it"), std::string::npos)
        << e << "\nfor: " << bad;
  }
}

TEST(RegistryTls, ACertificateThenGarbageIsRefused) {
  // The valid first block must not hide a broken second one.
  std::string e =
      error_of(kCert + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  EXPECT_NE(e.find("no CA certificate could be read"), std::string::npos) << e;
}

}  // namespace

namespace {

// A TCP server on 127.0.0.1 that accepts one connection, reads what comes
// (a TLS ClientHello) and resets it: what a TLS 1.3 server refusing our
// client certificate often looks like from curl's side.
class ResettingServer {
 public:
  ResettingServer() {
    fd_ = nook::UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 ||
        ::listen(fd_.get(), 1) < 0 ||
        ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&a), &len) < 0)
      throw nook::Error("resetting server", {}, errno);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      nook::UniqueFd c(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!c) return;
      char buf[4096];
      (void)::read(c.get(), buf, sizeof buf);
      linger l{1, 0};  // close with RST, not FIN
      ::setsockopt(c.get(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
    });
  }
  ~ResettingServer() {
    ::shutdown(fd_.get(), SHUT_RDWR);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  nook::UniqueFd fd_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace

TEST(RegistryTls, AResetBeforeAnyAnswerGetsTheClientCertificateGuess) {
  ResettingServer server;
  nook::image::HttpClient http(nook::image::HttpOptions{"nook-test"});
  nook::image::TlsConfig tls;
  tls.client_cert_hint = "the registry refused the client certificate, or wants one: HERE";
  nook::image::HttpRequest req;
  req.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/v2/";
  req.tls = &tls;
  req.timeout_s = 10;
  try {
    http.perform(req);
    ADD_FAILURE() << "a reset connection answered";
  } catch (const nook::image::TransportError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("(reset in TLS before any answer: perhaps the registry refused the client "
                     "certificate, or wants one: HERE)"),
              std::string::npos)
        << m;
    EXPECT_FALSE(e.permanent()) << "a guess must not stop the retries";
  }
}
