// podman's sizes and ages (docker/go-units), and the RFC 3339 parser that
// feeds them from untrusted image configs.
#include <gtest/gtest.h>

#include "format/units.hpp"

using namespace nook::format;
using std::chrono::seconds;

TEST(HumanSize, ThreeSignificantDigitsDecimalUnitsWithASpace) {
  EXPECT_EQ(human_size(0), "0 B");
  EXPECT_EQ(human_size(999), "999 B");
  EXPECT_EQ(human_size(1000), "1 kB");
  EXPECT_EQ(human_size(4096), "4.1 kB");
  EXPECT_EQ(human_size(1459200), "1.46 MB");
  EXPECT_EQ(human_size(123456789), "123 MB");
  EXPECT_EQ(human_size(5'870'000), "5.87 MB");
  EXPECT_EQ(human_size(2'000'000'000'000), "2 TB");
}

TEST(HumanDuration, GoUnitsBuckets) {
  EXPECT_EQ(human_duration(seconds(0)), "Less than a second");
  EXPECT_EQ(human_duration(seconds(-5)), "Less than a second");
  EXPECT_EQ(human_duration(seconds(1)), "1 second");
  EXPECT_EQ(human_duration(seconds(45)), "45 seconds");
  EXPECT_EQ(human_duration(seconds(60)), "About a minute");
  EXPECT_EQ(human_duration(seconds(119)), "About a minute");
  EXPECT_EQ(human_duration(seconds(120)), "2 minutes");
  EXPECT_EQ(human_duration(seconds(3600)), "About an hour");
  EXPECT_EQ(human_duration(seconds(5 * 3600)), "5 hours");
  EXPECT_EQ(human_duration(seconds(3 * 86400)), "3 days");
  EXPECT_EQ(human_duration(seconds(20 * 86400)), "2 weeks");
  EXPECT_EQ(human_duration(seconds(90 * 86400)), "3 months");
  EXPECT_EQ(human_duration(seconds(3 * 365 * 86400)), "3 years");
}

TEST(Rfc3339, ParsesZuluOffsetsAndFractions) {
  int64_t s = 0, ns = 0;
  ASSERT_TRUE(parse_rfc3339("1970-01-01T00:00:00Z", s, ns));
  EXPECT_EQ(s, 0);
  ASSERT_TRUE(parse_rfc3339("2024-02-29T12:34:56.123456789Z", s, ns));
  EXPECT_EQ(s, 1709210096);
  EXPECT_EQ(ns, 123456789);
  ASSERT_TRUE(parse_rfc3339("2024-02-29T12:34:56.5+01:00", s, ns));
  EXPECT_EQ(s, 1709210096 - 3600);
  EXPECT_EQ(ns, 500000000);
  ASSERT_TRUE(parse_rfc3339("2024-02-29T12:34:56.1234567891234Z", s, ns));
  EXPECT_EQ(ns, 123456789);
  EXPECT_EQ(go_time_string(1709210096, 500000000), "2024-02-29 12:34:56.5 +0000 UTC");
  EXPECT_EQ(go_time_string(0, 0), "1970-01-01 00:00:00 +0000 UTC");
}

TEST(Rfc3339, RefusesMalformedText) {
  int64_t s = 0, ns = 0;
  for (const char* bad :
       {"", "2024", "2024-13-01T00:00:00Z", "2024-01-01 00:00:00Z", "2024-01-01T00:00:00",
        "2024-01-01T00:00:00.Z", "2024-01-01T25:00:00Z", "2024-01-01T00:00:00+0100",
        "2024-01-01T00:00:00Zjunk", "2024-01-01T00:00:00+01:00x", "x024-01-01T00:00:00Z"})
    EXPECT_FALSE(parse_rfc3339(bad, s, ns)) << bad;
}
