// CA files of certs.d: what counts as a certificate, and what is refused.
#include <gtest/gtest.h>

#include <string>

#include "image/registry_tls.hpp"
#include "sys/error.hpp"

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
