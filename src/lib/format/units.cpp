#include "format/units.hpp"

#include <cstdio>
#include <ctime>

namespace nook::format {

std::string human_size(int64_t bytes) {
  static const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  double size = static_cast<double>(bytes);
  int i = 0;
  while (size >= 1000.0 && i < 8) {
    size /= 1000.0;
    ++i;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g %s", size, units[i]);
  return buf;
}

std::string human_duration(std::chrono::seconds d) {
  long long seconds = d.count();
  char buf[64];
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%lld seconds", seconds);
    return buf;
  }
  long long minutes = seconds / 60;
  if (minutes == 1) return "About a minute";
  if (minutes < 60) {
    std::snprintf(buf, sizeof buf, "%lld minutes", minutes);
    return buf;
  }
  long long hours = static_cast<long long>(static_cast<double>(seconds) / 3600.0 + 0.5);
  if (hours == 1) return "About an hour";
  if (hours < 48) {
    std::snprintf(buf, sizeof buf, "%lld hours", hours);
  } else if (hours < 24 * 7 * 2) {
    std::snprintf(buf, sizeof buf, "%lld days", hours / 24);
  } else if (hours < 24 * 30 * 2) {
    std::snprintf(buf, sizeof buf, "%lld weeks", hours / 24 / 7);
  } else if (hours < 24 * 365 * 2) {
    std::snprintf(buf, sizeof buf, "%lld months", hours / 24 / 30);
  } else {
    std::snprintf(buf, sizeof buf, "%lld years", seconds / 3600 / 24 / 365);
  }
  return buf;
}

bool parse_rfc3339(const std::string& text, int64_t& seconds_out, int64_t& nanos_out) {
  int y, mo, d, h, mi, s;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) !=
      6)
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 ||
      s > 60)
    return false;
  const char* p = text.c_str() + consumed;
  int64_t nanos = 0;
  if (*p == '.') {
    ++p;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
      if (digits < 9) nanos = nanos * 10 + (*p - '0');
      ++digits;
      ++p;
    }
    if (digits == 0) return false;
    for (int k = digits; k < 9; ++k) nanos *= 10;
  }
  int64_t offset = 0;
  if (*p == 'Z' || *p == 'z') {
    ++p;
  } else if (*p == '+' || *p == '-') {
    int oh, om, n = 0;
    if (std::sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5) return false;
    offset = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
    p += 6;
  } else {
    return false;
  }
  if (*p != '\0') return false;
  struct tm tm = {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  seconds_out = static_cast<int64_t>(::timegm(&tm)) - offset;
  nanos_out = nanos;
  return true;
}

namespace {
// "2024-01-02<sep>15:04:05[.fraction without trailing zeros]" in UTC.
std::string utc_time(int64_t seconds, int64_t nanos, const char* date_time_format) {
  time_t t = static_cast<time_t>(seconds);
  struct tm tm;
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, date_time_format, &tm);
  std::string out = buf;
  if (nanos > 0) {
    char frac[32];
    std::snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(nanos));
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out;
}
}  // namespace

std::string go_time_string(int64_t seconds, int64_t nanos) {
  return utc_time(seconds, nanos, "%Y-%m-%d %H:%M:%S") + " +0000 UTC";
}

std::string rfc3339_string(int64_t seconds, int64_t nanos) {
  return utc_time(seconds, nanos, "%Y-%m-%dT%H:%M:%S") + "Z";
}

}  // namespace nook::format
