#include "sys/error.hpp"

#include <cstring>

namespace nook {
namespace {
std::string compose(const std::string& op, const std::string& path, int errnum,
                    const std::string& detail) {
  std::string s = op;
  if (!path.empty()) s += " `" + path + "`";
  if (!detail.empty()) s += ": " + detail;
  if (errnum != 0) s += std::string(": ") + std::strerror(errnum);
  return s;
}
}  // namespace

Error::Error(std::string op, std::string path, int errnum, std::string detail)
    : std::runtime_error(compose(op, path, errnum, detail)),
      op_(std::move(op)),
      path_(std::move(path)),
      errnum_(errnum) {}

Error::Error(std::string message) : std::runtime_error(message), op_(std::move(message)) {}

Error::Error(std::string message, int errnum)
    : std::runtime_error(message), op_(std::move(message)), errnum_(errnum) {}

void throw_errno(const std::string& op, const std::string& path) {
  throw_errno(op, path, errno);
}

void throw_errno(const std::string& op, const std::string& path, int errnum) {
  throw Error(op, path, errnum);
}

}  // namespace nook
