#pragma once
// The parts of Go's strconv that template output depends on: float
// formatting (shortest round-trip digits, Go's exponent rules) and quoting.
#include <string>
#include <string_view>

namespace nook::format::detail {

// strconv.FormatFloat(v, verb, prec, 64) for verb e, E, f, g, G; prec -1
// means the shortest representation that reads back as v ('g' then switches
// to an exponent below 1e-4 and from 1e+06 on, as Go does).
std::string format_float(double v, char verb, int prec);
// strconv.Quote / QuoteToASCII: invalid UTF-8 bytes as \xNN.
std::string quote(std::string_view s, bool ascii_only = false);
// strconv.QuoteRune / QuoteRuneToASCII.
std::string quote_rune(char32_t r, bool ascii_only = false);
// strconv.CanBackquote.
bool can_backquote(std::string_view s);

}  // namespace nook::format::detail
