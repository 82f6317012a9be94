#pragma once
// Sizes and ages the way podman prints them (docker/go-units), so that
// `nook images` reads like `podman images`.
#include <chrono>
#include <cstdint>
#include <string>

namespace nook::format {

// 3 significant digits, decimal units, a space before the unit:
// "1.46 MB", "4.1 kB", "512 B" (podman's images SIZE column).
std::string human_size(int64_t bytes);

// go-units HumanDuration: "Less than a second", "About a minute",
// "3 hours", "2 weeks", "5 years".
std::string human_duration(std::chrono::seconds d);

// RFC 3339 text (as image configs carry it) → seconds since the epoch and
// nanoseconds; false when it does not parse.
bool parse_rfc3339(const std::string& text, int64_t& seconds_out, int64_t& nanos_out);

// "2024-01-02 15:04:05.999999999 +0000 UTC", Go's time.Time String().
std::string go_time_string(int64_t seconds, int64_t nanos);

// "2024-01-02T15:04:05.999999999Z", Go's time.RFC3339Nano in UTC.
std::string rfc3339_string(int64_t seconds, int64_t nanos);

}  // namespace nook::format
