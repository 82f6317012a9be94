// WWW-Authenticate parsing (hostile headers included) and streaming digests.
#include <gtest/gtest.h>

#include <string>

#include "image/digest.hpp"
#include "image/www_authenticate.hpp"
#include "sys/error.hpp"

using namespace nook::image;

namespace {

std::string error_of(std::string_view header) {
  try {
    parse_www_authenticate(header);
  } catch (const nook::Error& e) {
    return e.what();
  }
  return "(accepted)";
}

Challenge one(std::string_view header) {
  auto v = parse_www_authenticate(header);
  EXPECT_EQ(v.size(), 1u) << header;
  return v.empty() ? Challenge{} : v[0];
}

TEST(WwwAuthenticate, DockerHubBearer) {
  auto c = one(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull")");
  EXPECT_EQ(c.scheme, "bearer");
  EXPECT_EQ(c.param("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(c.param("service"), "registry.docker.io");
  EXPECT_EQ(c.param("scope"), "repository:library/busybox:pull");
}

TEST(WwwAuthenticate, BasicWithRealm) {
  auto c = one(R"(Basic realm="Registry Realm")");
  EXPECT_EQ(c.scheme, "basic");
  EXPECT_EQ(c.param("realm"), "Registry Realm");
}

TEST(WwwAuthenticate, SchemeAndParamNamesCaseInsensitive) {
  auto c = one(R"(BEARER Realm="https://a/t",SERVICE=reg)");
  EXPECT_EQ(c.scheme, "bearer");
  EXPECT_EQ(c.param("realm"), "https://a/t");
  EXPECT_EQ(c.param("service"), "reg");
}

TEST(WwwAuthenticate, UnquotedValueWithColonIsRejected) {
  EXPECT_NE(error_of("Bearer realm=https://a/t").find("malformed"), std::string::npos);
}

TEST(WwwAuthenticate, UnquotedTokenValueAccepted) {
  auto c = one("Bearer service=registry.example.com,error=invalid_token");
  EXPECT_EQ(c.param("service"), "registry.example.com");
  EXPECT_EQ(c.param("error"), "invalid_token");
}

TEST(WwwAuthenticate, WhitespaceAroundEqualsAndCommas) {
  auto c = one("Bearer realm = \"https://a/t\" ,\t service=\"s\"  ");
  EXPECT_EQ(c.param("realm"), "https://a/t");
  EXPECT_EQ(c.param("service"), "s");
}

TEST(WwwAuthenticate, EscapesInQuotedStrings) {
  auto c = one(R"(Basic realm="say \"hi\" \\ back\slash")");
  EXPECT_EQ(c.param("realm"), R"(say "hi" \ backslash)");
}

TEST(WwwAuthenticate, CommaInsideQuotesIsNotASeparator) {
  auto c = one(R"(Bearer realm="https://a/t",scope="repository:a/b:pull,push",service="s")");
  EXPECT_EQ(c.param("scope"), "repository:a/b:pull,push");
  EXPECT_EQ(c.param("service"), "s");
}

TEST(WwwAuthenticate, EqualsInsideQuotes) {
  auto c = one(R"(Bearer realm="https://a/t?x=1&y=2")");
  EXPECT_EQ(c.param("realm"), "https://a/t?x=1&y=2");
}

TEST(WwwAuthenticate, SeveralChallenges) {
  auto v = parse_www_authenticate(R"(Basic realm="r1", Bearer realm="https://a/t", service="s")");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].scheme, "basic");
  EXPECT_EQ(v[0].param("realm"), "r1");
  EXPECT_EQ(v[1].scheme, "bearer");
  EXPECT_EQ(v[1].param("service"), "s");
}

TEST(WwwAuthenticate, SchemeWithoutParams) {
  auto v = parse_www_authenticate("Negotiate, Basic realm=\"x\"");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].scheme, "negotiate");
  EXPECT_TRUE(v[0].params.empty());
}

TEST(WwwAuthenticate, Token68) {
  auto c = one("Negotiate YIIBhwYGKwYBBQUCoIIBezCC==");
  EXPECT_EQ(c.token68, "YIIBhwYGKwYBBQUCoIIBezCC==");
  EXPECT_TRUE(c.params.empty());
}

TEST(WwwAuthenticate, EmptyListElementsSkipped) {
  auto v = parse_www_authenticate(" , Basic realm=\"x\",, ,");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].param("realm"), "x");
}

TEST(WwwAuthenticate, RepeatedParamKeepsFirst) {
  EXPECT_EQ(one(R"(Bearer realm="https://one/",realm="https://two/")").param("realm"),
            "https://one/");
}

TEST(WwwAuthenticate, EmptyQuotedValue) {
  EXPECT_EQ(one(R"(Bearer realm="https://a/t",scope="")").param("scope"), "");
}

TEST(WwwAuthenticate, EmptyHeaderRejected) {
  EXPECT_NE(error_of("").find("empty header"), std::string::npos);
  EXPECT_NE(error_of("   ").find("empty header"), std::string::npos);
  EXPECT_NE(error_of(",,").find("empty header"), std::string::npos);
}

TEST(WwwAuthenticate, UnterminatedQuoteRejected) {
  EXPECT_NE(error_of(R"(Bearer realm="https://a/t)").find("unterminated"), std::string::npos);
  EXPECT_NE(error_of(R"(Bearer realm="abc\)").find("unterminated"), std::string::npos);
}

TEST(WwwAuthenticate, ParamWithoutSchemeRejected) {
  EXPECT_NE(error_of(R"(realm="x")").find("malformed"), std::string::npos);
  EXPECT_NE(error_of(R"(="x")").find("expected an authentication scheme"), std::string::npos);
}

TEST(WwwAuthenticate, MissingValueRejected) {
  EXPECT_NE(error_of("Bearer realm=").find("missing value"), std::string::npos);
  EXPECT_NE(error_of("Bearer realm=,service=x").find("missing value"), std::string::npos);
}

TEST(WwwAuthenticate, GarbageAfterQuotedValueRejected) {
  EXPECT_NE(error_of(R"(Bearer realm="a"b)").find("expected ','"), std::string::npos);
  EXPECT_NE(error_of(R"(Bearer realm="a" service="b")").find("expected ','"), std::string::npos);
}

TEST(WwwAuthenticate, ControlCharactersRejected) {
  EXPECT_NE(error_of(std::string("Basic realm=\"a\nb\"")).find("control"), std::string::npos);
  EXPECT_NE(error_of(std::string("Basic realm=\"a\0b\"", 17)).find("control"), std::string::npos);
}

TEST(WwwAuthenticate, BadSchemeCharactersRejected) {
  EXPECT_NE(error_of("Bea(rer realm=\"x\"").find("malformed"), std::string::npos);
  EXPECT_NE(error_of("\"Bearer\"").find("malformed"), std::string::npos);
  EXPECT_NE(error_of("Bearer; realm=x").find("malformed"), std::string::npos);
}

TEST(WwwAuthenticate, Token68GarbageRejected) {
  EXPECT_NE(error_of("Negotiate abc==def").find("garbage"), std::string::npos);
  EXPECT_NE(error_of("Negotiate abc ;").find("garbage"), std::string::npos);
}

TEST(WwwAuthenticate, BinaryGarbageRejected) {
  EXPECT_NE(error_of("\xff\xfe\x01").find("malformed"), std::string::npos);
  EXPECT_NE(error_of("Basic \xff").find("malformed"), std::string::npos);
}

TEST(WwwAuthenticate, ErrorNamesOffset) {
  EXPECT_NE(error_of(R"(Basic realm="x)").find("at offset 14"), std::string::npos);
}

TEST(ChooseChallenge, PrefersBearerOverBasic) {
  auto a = choose_challenge(R"(Basic realm="r", Bearer realm="https://a/t",service="s",scope="x")");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, AuthChallenge::Kind::bearer);
  EXPECT_EQ(a->realm, "https://a/t");
  EXPECT_EQ(a->service, "s");
  EXPECT_EQ(a->scope, "x");
}

TEST(ChooseChallenge, BasicAlone) {
  auto a = choose_challenge(R"(Basic realm="Registry Realm")");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, AuthChallenge::Kind::basic);
  EXPECT_EQ(a->realm, "Registry Realm");
}

TEST(ChooseChallenge, BasicWithoutRealmIsFine) {
  auto a = choose_challenge("Basic");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, AuthChallenge::Kind::basic);
}

TEST(ChooseChallenge, UnknownSchemeOnlyGivesNothing) {
  EXPECT_FALSE(choose_challenge("Negotiate abc, Digest realm=\"x\", nonce=\"y\""));
}

TEST(ChooseChallenge, BearerWithoutRealmRejected) {
  try {
    choose_challenge(R"(Bearer service="s")");
    FAIL() << "accepted";
  } catch (const nook::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no realm"), std::string::npos);
  }
}

TEST(ChooseChallenge, BearerRealmMustBeHttp) {
  for (const char* h : {R"(Bearer realm="file:///etc/passwd")", R"(Bearer realm="https://")",
                        R"(Bearer realm="/token")", R"(Bearer realm="ftp://x/t")"}) {
    EXPECT_THROW(choose_challenge(h), nook::Error) << h;
  }
  EXPECT_TRUE(choose_challenge(R"(Bearer realm="HTTP://127.0.0.1:1/token")"));
}

TEST(ChooseChallenge, MalformedHeaderThrows) {
  EXPECT_THROW(choose_challenge(R"(Bearer realm="x)"), nook::Error);
}

// --- digests

TEST(Digest, KnownSha256AndSha512) {
  EXPECT_EQ(compute_digest(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(compute_digest("abc", "sha512"),
            "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(Digest, StreamingEqualsWhole) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data.push_back(static_cast<char>(i * 7));
  Hasher h;
  for (size_t off = 0; off < data.size(); off += 4093)
    h.update(data.data() + off, std::min<size_t>(4093, data.size() - off));
  EXPECT_EQ(h.digest(), compute_digest(data));
  // digest() does not end the stream.
  h.update("x");
  EXPECT_EQ(h.digest(), compute_digest(data + "x"));
}

TEST(Digest, VerifierMatchAndMismatch) {
  DigestVerifier ok(compute_digest("hello"));
  ok.update("hel", 3);
  ok.update("lo", 2);
  EXPECT_TRUE(ok.matches());
  EXPECT_EQ(ok.size(), 5u);
  EXPECT_NO_THROW(ok.verify("blob"));

  DigestVerifier bad(compute_digest("hello"));
  bad.update("hellO", 5);
  EXPECT_FALSE(bad.matches());
  try {
    bad.verify("blob x");
    FAIL() << "verified";
  } catch (const nook::Error& e) {
    EXPECT_NE(std::string(e.what()).find("blob x: digest mismatch: expected sha256:2cf24"),
              std::string::npos)
        << e.what();
  }
}

TEST(Digest, Sha512Verifier) {
  DigestVerifier v(compute_digest("data", "sha512"));
  v.update("data", 4);
  EXPECT_TRUE(v.matches());
}

TEST(Digest, MalformedExpectedDigestsRejected) {
  for (const char* d :
       {"", "sha256", "sha256:", ":abc", "sha256:abc", "md5:d41d8cd98f00b204e9800998ecf8427e",
        "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g"}) {
    EXPECT_THROW(DigestVerifier{d}, nook::Error) << d;
  }
  EXPECT_THROW(Hasher("md5"), nook::Error);
}

TEST(Digest, AlgorithmOf) {
  EXPECT_EQ(digest_algorithm(compute_digest("", "sha512")), "sha512");
  EXPECT_THROW(digest_algorithm("sha1:abc"), nook::Error);
}

}  // namespace
