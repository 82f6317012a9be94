#include "runtime/state_store.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>

#include "runtime/cgroup.hpp"
#include "sys/error.hpp"
#include "sys/file.hpp"
#include "sys/process.hpp"

namespace nook::runtime {

const char* status_name(Status s) {
  switch (s) {
    case Status::creating:
      return "creating";
    case Status::created:
      return "created";
    case Status::running:
      return "running";
    case Status::paused:
      return "paused";
    case Status::stopped:
      return "stopped";
  }
  return "unknown";
}

std::string now_rfc3339() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, sizeof buf - n, ".%09ldZ", ts.tv_nsec);
  return buf;
}

std::string StateStore::default_root() {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (xdg && *xdg) return std::string(xdg) + "/nook-runtime";
  if (::geteuid() == 0) return "/run/nook-runtime";
  throw Error(
      "XDG_RUNTIME_DIR is not set: log in through a session that sets it (pam_systemd), "
      "export XDG_RUNTIME_DIR=/run/user/$(id -u) if that directory exists, or pass --root DIR");
}

void StateStore::validate_id(const std::string& id) {
  bool ok = !id.empty() && id != "." && id != ".." && id.size() <= 1024;
  for (char c : id)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-' || c == '.'))
      ok = false;
  if (!ok)
    throw Error("invalid container id \"" + id +
                "\": use letters, digits, '_', '+', '-' and '.' only");
}

void StateStore::create_dir(const std::string& id) const {
  validate_id(id);
  make_dirs(root_, 0700);
  if (::mkdir(dir(id).c_str(), 0711) < 0) {
    if (errno == EEXIST) throw Error("container \"" + id + "\" already exists", EEXIST);
    throw_errno("mkdir", dir(id));
  }
}

bool StateStore::exists(const std::string& id) const {
  return path_exists(dir(id) + "/state.json");
}

void StateStore::save(const ContainerRecord& r) const {
  nlohmann::json j = {{"id", r.id},
                      {"pid", r.pid},
                      {"pidStartTime", r.pid_start_time},
                      {"bundle", r.bundle},
                      {"rootfs", r.rootfs},
                      {"created", r.created},
                      {"owner", r.owner},
                      {"cgroupPath", r.cgroup_path},
                      {"ownPidNamespace", r.own_pid_namespace},
                      {"annotations", r.annotations}};
  write_file_atomic(dir(r.id) + "/state.json", j.dump(), 0600, /*durable=*/false);
}

ContainerRecord StateStore::load(const std::string& id) const {
  validate_id(id);
  std::string text;
  try {
    text = read_file(dir(id) + "/state.json");
  } catch (const Error& e) {
    if (e.errnum() == ENOENT) throw Error("container \"" + id + "\" does not exist", ENOENT);
    throw;
  }
  try {
    auto j = nlohmann::json::parse(text);
    ContainerRecord r;
    r.id = j.at("id").get<std::string>();
    r.pid = j.at("pid").get<pid_t>();
    r.pid_start_time = j.at("pidStartTime").get<uint64_t>();
    r.bundle = j.at("bundle").get<std::string>();
    r.rootfs = j.at("rootfs").get<std::string>();
    r.created = j.at("created").get<std::string>();
    r.owner = j.value("owner", "");
    r.cgroup_path = j.value("cgroupPath", "");
    r.own_pid_namespace = j.value("ownPidNamespace", true);
    r.annotations = j.value("annotations", std::map<std::string, std::string>{});
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw Error("corrupt state file `" + dir(id) + "/state.json`: " + e.what() +
                " (remove it with `delete --force " + id + "`)");
  }
}

std::vector<std::string> StateStore::list_ids() const {
  std::vector<std::string> ids;
  DIR* d = ::opendir(root_.c_str());
  if (!d) {
    if (errno == ENOENT) return ids;
    throw_errno("opendir", root_);
  }
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (path_exists(root_ + "/" + name + "/state.json")) ids.push_back(name);
  }
  ::closedir(d);
  std::sort(ids.begin(), ids.end());
  return ids;
}

void StateStore::remove(const std::string& id) const {
  validate_id(id);
  remove_tree(dir(id));
}

Status StateStore::status_of(const ContainerRecord& r) const {
  if (r.pid <= 0) return Status::stopped;
  auto start = process_start_time(r.pid);
  if (!start || *start != r.pid_start_time) return Status::stopped;
  auto st = process_state(r.pid);
  if (!st || *st == 'Z' || *st == 'X') return Status::stopped;
  if (path_exists(fifo_path(r.id))) return Status::created;
  if (!r.cgroup_path.empty()) {
    try {
      if (Cgroup::open(r.cgroup_path).is_frozen()) return Status::paused;
    } catch (const Error&) {
    }
  }
  return Status::running;
}

nlohmann::json StateStore::state_json(const ContainerRecord& r, Status s) const {
  return {
      {"ociVersion", "1.0.2"},    {"id", r.id},         {"pid", s == Status::stopped ? 0 : r.pid},
      {"status", status_name(s)}, {"bundle", r.bundle}, {"rootfs", r.rootfs},
      {"created", r.created},     {"owner", r.owner},   {"annotations", r.annotations}};
}

}  // namespace nook::runtime
