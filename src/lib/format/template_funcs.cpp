#include "format/template_funcs.hpp"

#include <cstdint>
#include <limits>

#include "format/go_fmt.hpp"
#include "format/go_json.hpp"
#include "format/utf8.hpp"

namespace nook::format::detail {

namespace {

Value str(std::string s) {
  return Value::owned(Json(std::move(s)));
}
Value boolean(bool b) {
  return Value::owned(Json(b));
}
Value integer(int64_t i) {
  return Value::owned(Json(i));
}
const std::string& s_of(const Value& v) {
  return v.json().get_ref<const std::string&>();
}
int64_t i_of(const Value& v) {
  return v.json().get<int64_t>();
}

void check_size(size_t n, const FuncContext& ctx) {
  if (n > ctx.max_bytes)
    throw FuncError{"result of " + std::to_string(n) + " bytes exceeds the limit of " +
                    std::to_string(ctx.max_bytes)};
}

std::vector<const Json*> jsons(const std::vector<Value>& args, size_t from = 0) {
  std::vector<const Json*> out;
  for (size_t i = from; i < args.size(); ++i) out.push_back(&args[i].json_or_null());
  return out;
}

// Go's basicKind, over decoded JSON.
enum class Kind { Invalid, Bool, Int, Uint, Float, String, Other };

Kind kind_of(const Value& v) {
  if (v.nil()) return Kind::Invalid;
  const Json& j = v.json();
  if (j.is_boolean()) return Kind::Bool;
  if (j.is_number_integer()) return is_int(j) ? Kind::Int : Kind::Uint;
  if (j.is_number_float()) return Kind::Float;
  if (j.is_string()) return Kind::String;
  return Kind::Other;
}

const char* const kBadComparisonType = "invalid type for comparison";
const char* const kBadComparison = "incompatible types for comparison";

// eq for one pair; throws FuncError for values Go cannot compare.
bool equal(const Value& a, const Value& b) {
  Kind k1 = kind_of(a), k2 = kind_of(b);
  if (k1 != k2) {
    if (k1 == Kind::Int && k2 == Kind::Uint)
      return a.json().get<int64_t>() >= 0 &&
             static_cast<uint64_t>(a.json().get<int64_t>()) == b.json().get<uint64_t>();
    if (k1 == Kind::Uint && k2 == Kind::Int)
      return b.json().get<int64_t>() >= 0 &&
             a.json().get<uint64_t>() == static_cast<uint64_t>(b.json().get<int64_t>());
    if (k1 != Kind::Invalid && k2 != Kind::Invalid) throw FuncError{kBadComparison};
    return false;
  }
  switch (k1) {
    case Kind::Invalid:
      return true;
    case Kind::Bool:
      return a.json().get<bool>() == b.json().get<bool>();
    case Kind::Int:
      return a.json().get<int64_t>() == b.json().get<int64_t>();
    case Kind::Uint:
      return a.json().get<uint64_t>() == b.json().get<uint64_t>();
    case Kind::Float:
      return a.json().get<double>() == b.json().get<double>();
    case Kind::String:
      return s_of(a) == s_of(b);
    case Kind::Other:
      break;
  }
  throw FuncError{"non-comparable type " + sprintf("%s", {&b.json()}) + ": " + type_name(b.json())};
}

bool less(const Value& a, const Value& b) {
  Kind k1 = kind_of(a), k2 = kind_of(b);
  auto comparable = [](Kind k) {
    return k != Kind::Invalid && k != Kind::Other && k != Kind::Bool;
  };
  if (k1 == Kind::Invalid || k1 == Kind::Other || k2 == Kind::Invalid || k2 == Kind::Other)
    throw FuncError{kBadComparisonType};
  if (k1 != k2) {
    if (k1 == Kind::Int && k2 == Kind::Uint)
      return a.json().get<int64_t>() < 0 ||
             static_cast<uint64_t>(a.json().get<int64_t>()) < b.json().get<uint64_t>();
    if (k1 == Kind::Uint && k2 == Kind::Int)
      return b.json().get<int64_t>() >= 0 &&
             a.json().get<uint64_t>() < static_cast<uint64_t>(b.json().get<int64_t>());
    throw FuncError{kBadComparison};
  }
  if (!comparable(k1)) throw FuncError{kBadComparisonType};
  switch (k1) {
    case Kind::Int:
      return a.json().get<int64_t>() < b.json().get<int64_t>();
    case Kind::Uint:
      return a.json().get<uint64_t>() < b.json().get<uint64_t>();
    case Kind::Float:
      return a.json().get<double>() < b.json().get<double>();
    default:
      return s_of(a) < s_of(b);
  }
}

Value fn_not(std::vector<Value>& a, const FuncContext&) {
  return boolean(!truth(a[0]));
}

Value fn_len(std::vector<Value>& a, const FuncContext&) {
  if (a[0].nil()) throw FuncError{"len of nil pointer"};
  const Json& j = a[0].json();
  if (j.is_string()) return integer(static_cast<int64_t>(j.get_ref<const std::string&>().size()));
  if (j.is_array() || j.is_object()) return integer(static_cast<int64_t>(j.size()));
  throw FuncError{"len of type " + type_name(j)};
}

// Go's indexArg: an integer index in [0, cap].
size_t index_arg(const Value& index, size_t cap) {
  if (index.nil()) throw FuncError{"cannot index slice/array with nil"};
  const Json& j = index.json();
  if (!j.is_number_integer()) throw FuncError{"cannot index slice/array with type " + type_name(j)};
  if (!is_int(j) || j.get<int64_t>() < 0 || static_cast<uint64_t>(j.get<int64_t>()) > cap) {
    std::string n =
        is_int(j) ? std::to_string(j.get<int64_t>()) : std::to_string(j.get<uint64_t>());
    throw FuncError{"index out of range: " + n};
  }
  return static_cast<size_t>(j.get<int64_t>());
}

// A map lookup of an absent key yields the element type's zero value. Go maps
// of strings (labels, annotations) give ""; for JSON we take an object whose
// values are all strings to be such a map, and any other object to hold
// interface{} values, whose zero is nil.
Value missing_key_zero(const Json& object) {
  for (const auto& [k, v] : object.items()) {
    if (!v.is_string()) return Value::owned(Json());
  }
  return str("");
}

Value fn_index(std::vector<Value>& a, const FuncContext&) {
  if (a[0].nil()) throw FuncError{"index of untyped nil"};
  Value item = a[0];
  for (size_t i = 1; i < a.size(); ++i) {
    if (item.nil()) throw FuncError{"index of nil pointer"};
    const Json& j = item.json();
    if (j.is_array() || j.is_string()) {
      size_t len = j.is_array() ? j.size() : j.get_ref<const std::string&>().size();
      size_t x = index_arg(a[i], len);
      if (x == len) throw FuncError{"index out of range: " + std::to_string(x)};
      if (j.is_array()) {
        item = item.child(j[x]);
      } else {
        item = integer(static_cast<unsigned char>(j.get_ref<const std::string&>()[x]));
      }
    } else if (j.is_object()) {
      if (a[i].nil()) throw FuncError{"value is nil; should be of type string"};
      if (!a[i].json().is_string())
        throw FuncError{"value has type " + type_name(a[i].json()) + "; should be string"};
      auto it = j.find(s_of(a[i]));
      item = it != j.end() ? item.child(*it) : missing_key_zero(j);
    } else {
      throw FuncError{"can't index item of type " + type_name(j)};
    }
  }
  return item;
}

Value fn_slice(std::vector<Value>& a, const FuncContext&) {
  if (a[0].nil()) throw FuncError{"slice of untyped nil"};
  size_t n = a.size() - 1;
  if (n > 3) throw FuncError{"too many slice indexes: " + std::to_string(n)};
  const Json& j = a[0].json();
  size_t len;
  if (j.is_string()) {
    if (n == 3) throw FuncError{"cannot 3-index slice a string"};
    len = j.get_ref<const std::string&>().size();
  } else if (j.is_array()) {
    len = j.size();
  } else {
    throw FuncError{"can't slice item of type " + type_name(j)};
  }
  size_t idx[3] = {0, len, len};
  for (size_t i = 0; i < n; ++i) idx[i] = index_arg(a[i + 1], len);
  if (idx[0] > idx[1])
    throw FuncError{"invalid slice index: " + std::to_string(idx[0]) + " > " +
                    std::to_string(idx[1])};
  if (n == 3 && idx[1] > idx[2])
    throw FuncError{"invalid slice index: " + std::to_string(idx[1]) + " > " +
                    std::to_string(idx[2])};
  if (j.is_string()) return str(j.get_ref<const std::string&>().substr(idx[0], idx[1] - idx[0]));
  Json out = Json::array();
  for (size_t i = idx[0]; i < idx[1]; ++i) out.push_back(j[i]);
  return Value::owned(std::move(out));
}

Value fn_print(std::vector<Value>& a, const FuncContext&) {
  return str(sprint(jsons(a)));
}
Value fn_println(std::vector<Value>& a, const FuncContext&) {
  return str(sprintln(jsons(a)));
}
Value fn_printf(std::vector<Value>& a, const FuncContext&) {
  return str(sprintf(s_of(a[0]), jsons(a, 1)));
}

Value fn_eq(std::vector<Value>& a, const FuncContext&) {
  if (a.size() < 2) throw FuncError{"missing argument for comparison"};
  for (size_t i = 1; i < a.size(); ++i) {
    if (equal(a[0], a[i])) return boolean(true);
  }
  return boolean(false);
}
Value fn_ne(std::vector<Value>& a, const FuncContext&) {
  return boolean(!equal(a[0], a[1]));
}
Value fn_lt(std::vector<Value>& a, const FuncContext&) {
  return boolean(less(a[0], a[1]));
}
Value fn_le(std::vector<Value>& a, const FuncContext&) {
  return boolean(less(a[0], a[1]) || equal(a[0], a[1]));
}
Value fn_gt(std::vector<Value>& a, const FuncContext&) {
  return boolean(!(less(a[0], a[1]) || equal(a[0], a[1])));
}
Value fn_ge(std::vector<Value>& a, const FuncContext&) {
  return boolean(!less(a[0], a[1]));
}

Value fn_json(std::vector<Value>& a, const FuncContext&) {
  std::string out;
  append_go_json(out, a[0].json_or_null());
  return str(std::move(out));
}
Value fn_lower(std::vector<Value>& a, const FuncContext&) {
  return str(to_lower(s_of(a[0])));
}
Value fn_upper(std::vector<Value>& a, const FuncContext&) {
  return str(to_upper(s_of(a[0])));
}
Value fn_title(std::vector<Value>& a, const FuncContext&) {
  return str(to_title(s_of(a[0])));
}

Value fn_join(std::vector<Value>& a, const FuncContext& ctx) {
  const Json& list = a[0].json();
  const std::string& sep = s_of(a[1]);
  size_t total = list.empty() ? 0 : sep.size() * (list.size() - 1);
  for (const auto& e : list) total += e.get_ref<const std::string&>().size();
  check_size(total, ctx);
  std::string out;
  out.reserve(total);
  bool first = true;
  for (const auto& e : list) {
    if (!first) out += sep;
    first = false;
    out += e.get_ref<const std::string&>();
  }
  return str(std::move(out));
}

Value fn_split(std::vector<Value>& a, const FuncContext& ctx) {
  const std::string& s = s_of(a[0]);
  const std::string& sep = s_of(a[1]);
  std::vector<std::pair<size_t, size_t>> parts;
  if (sep.empty()) {
    for (size_t i = 0; i < s.size();) {
      size_t n = decode_rune(s, i).len;
      parts.emplace_back(i, n);
      i += n;
    }
  } else {
    size_t start = 0;
    for (size_t at; (at = s.find(sep, start)) != std::string::npos; start = at + sep.size())
      parts.emplace_back(start, at - start);
    parts.emplace_back(start, s.size() - start);
  }
  // Each array element costs far more than its bytes; count it as 32.
  check_size(s.size() + 32 * parts.size(), ctx);
  Json out = Json::array();
  for (auto [at, n] : parts) out.push_back(s.substr(at, n));
  return Value::owned(std::move(out));
}

Value fn_truncate(std::vector<Value>& a, const FuncContext&) {
  const std::string& s = s_of(a[0]);
  int64_t n = i_of(a[1]);
  if (n >= 0 && s.size() < static_cast<uint64_t>(n)) return a[0];
  if (n < 0)
    throw FuncError{"runtime error: slice bounds out of range [:" + std::to_string(n) + "]"};
  return str(s.substr(0, static_cast<size_t>(n)));
}

Value fn_pad(std::vector<Value>& a, const FuncContext& ctx) {
  const std::string& s = s_of(a[0]);
  if (s.empty()) return a[0];
  int64_t pre = i_of(a[1]), post = i_of(a[2]);
  if (pre < 0 || post < 0) throw FuncError{"strings: negative Repeat count"};
  if (static_cast<uint64_t>(pre) > ctx.max_bytes || static_cast<uint64_t>(post) > ctx.max_bytes)
    throw FuncError{"padding exceeds the limit of " + std::to_string(ctx.max_bytes) + " bytes"};
  check_size(s.size() + static_cast<size_t>(pre) + static_cast<size_t>(post), ctx);
  return str(std::string(static_cast<size_t>(pre), ' ') + s +
             std::string(static_cast<size_t>(post), ' '));
}

const Builtin kBuiltins[] = {
    {"and", {Param::Any, Param::Any}, true, nullptr, true},
    {"eq", {Param::Any, Param::Any}, true, fn_eq},
    {"ge", {Param::Any, Param::Any}, false, fn_ge},
    {"gt", {Param::Any, Param::Any}, false, fn_gt},
    {"index", {Param::Any, Param::Any}, true, fn_index},
    {"join", {Param::StringList, Param::String}, false, fn_join},
    {"json", {Param::Any}, false, fn_json},
    {"le", {Param::Any, Param::Any}, false, fn_le},
    {"len", {Param::Any}, false, fn_len},
    {"lower", {Param::String}, false, fn_lower},
    {"lt", {Param::Any, Param::Any}, false, fn_lt},
    {"ne", {Param::Any, Param::Any}, false, fn_ne},
    {"not", {Param::Any}, false, fn_not},
    {"or", {Param::Any, Param::Any}, true, nullptr, true},
    {"pad", {Param::String, Param::Int, Param::Int}, false, fn_pad},
    {"print", {Param::Any}, true, fn_print},
    {"printf", {Param::String, Param::Any}, true, fn_printf},
    {"println", {Param::Any}, true, fn_println},
    {"slice", {Param::Any, Param::Any}, true, fn_slice},
    {"split", {Param::String, Param::String}, false, fn_split},
    {"title", {Param::String}, false, fn_title},
    {"truncate", {Param::String, Param::Int}, false, fn_truncate},
    {"upper", {Param::String}, false, fn_upper},
};

}  // namespace

const Builtin* find_builtin(std::string_view name) {
  for (const auto& b : kBuiltins) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

}  // namespace nook::format::detail
