#pragma once
// What a template expression evaluates to. Data is decoded JSON, so a value is
// either a node of the caller's document (borrowed: the document outlives the
// execution), a node of a document computed during execution (kept alive by a
// shared owner), or "missing": Go's invalid reflect.Value, what a map lookup
// of an absent key yields and what prints as "<no value>".
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace nook::format::detail {

using Json = nlohmann::json;

class Value {
 public:
  Value() = default;  // missing
  static Value borrowed(const Json& j) {
    Value v;
    v.ptr_ = &j;
    return v;
  }
  static Value owned(Json j) {
    Value v;
    v.keep_ = std::make_shared<const Json>(std::move(j));
    v.ptr_ = v.keep_.get();
    return v;
  }
  // A node inside this value's document, with the same lifetime.
  Value child(const Json& j) const {
    Value v = *this;
    v.ptr_ = &j;
    return v;
  }

  bool missing() const { return ptr_ == nullptr; }
  // Go's nil: a missing value or a JSON null (a nil interface{}).
  bool nil() const { return ptr_ == nullptr || ptr_->is_null(); }
  const Json& json() const { return *ptr_; }
  // The value, with missing read as JSON null: how Go hands an invalid value
  // to a function parameter of interface type.
  const Json& json_or_null() const;

 private:
  std::shared_ptr<const Json> keep_;
  const Json* ptr_ = nullptr;
};

// Go's type name of a decoded JSON value ("string", "int", "float64", "bool",
// "[]interface {}", "map[string]interface {}", "<nil>").
std::string type_name(const Json& j);
// Go's truth: false, 0, "", empty array/object, nil and missing are false.
bool truth(const Value& v);
// Integer JSON values as Go ints: unsigned values above INT64_MAX are "uint64".
bool is_int(const Json& j);

}  // namespace nook::format::detail
