#include "format/template_value.hpp"

#include <cstdint>
#include <limits>

namespace nook::format::detail {

const Json& Value::json_or_null() const {
  static const Json null_json;
  return ptr_ ? *ptr_ : null_json;
}

bool is_int(const Json& j) {
  if (j.is_number_integer() && !j.is_number_unsigned()) return true;
  return j.is_number_unsigned() &&
         j.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
}

std::string type_name(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "<nil>";
    case Json::value_t::boolean:
      return "bool";
    case Json::value_t::number_integer:
      return "int";
    case Json::value_t::number_unsigned:
      return is_int(j) ? "int" : "uint64";
    case Json::value_t::number_float:
      return "float64";
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "[]interface {}";
    case Json::value_t::object:
      return "map[string]interface {}";
    default:
      return "[]uint8";
  }
}

bool truth(const Value& v) {
  if (v.nil()) return false;
  const Json& j = v.json();
  switch (j.type()) {
    case Json::value_t::boolean:
      return j.get<bool>();
    case Json::value_t::number_integer:
      return j.get<int64_t>() != 0;
    case Json::value_t::number_unsigned:
      return j.get<uint64_t>() != 0;
    case Json::value_t::number_float:
      return j.get<double>() != 0;
    case Json::value_t::string:
      return !j.get_ref<const std::string&>().empty();
    case Json::value_t::array:
    case Json::value_t::object:
      return !j.empty();
    default:
      return true;
  }
}

}  // namespace nook::format::detail
