#include "runtime/capabilities.hpp"

#include <sys/capability.h>
#include <sys/prctl.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <memory>

#include "sys/error.hpp"

namespace nook::runtime {
namespace {

// Capability numbers are bit positions in the kernel's 64-bit masks.
constexpr int kMaxCapBits = 64;

struct CapFree {
  void operator()(void* p) const noexcept { cap_free(p); }
};
using CapState = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;

int kernel_cap_count() {
  return static_cast<int>(cap_max_bits());
}

// "cap_chown" → "CAP_CHOWN"; numbers (libcap's spelling for a capability it
// has no name for) come back as nullopt.
std::optional<std::string> spec_name(int value) {
  char* raw = cap_to_name(static_cast<cap_value_t>(value));
  if (raw == nullptr) return std::nullopt;
  std::string name(raw);
  cap_free(raw);
  if (name.rfind("cap_", 0) != 0) return std::nullopt;
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

std::string display_name(int value) {
  auto name = spec_name(value);
  return name ? *name : "capability " + std::to_string(value);
}

// libcap's number for a spec-spelled name, whether or not this kernel has it.
std::optional<int> libcap_value(const std::string& name) {
  if (name.size() <= 4 || name.compare(0, 4, "CAP_") != 0) return std::nullopt;
  cap_value_t value = 0;
  if (cap_from_name(name.c_str(), &value) != 0) return std::nullopt;
  // cap_from_name ignores case, takes numbers and stops at the first
  // character that cannot be part of a name ("CAP_CHOWN1" is CAP_CHOWN), so
  // only an exact round trip proves the name was spelled as the spec says.
  if (value < 0 || value >= kMaxCapBits || spec_name(value) != name) return std::nullopt;
  return static_cast<int>(value);
}

uint64_t bit(int value) {
  return uint64_t{1} << value;
}

// The set as a mask of the capabilities this kernel has; throws for a name
// that is no capability, skips the ones only a newer kernel has.
uint64_t mask_of(const std::vector<std::string>& names, const char* set) {
  uint64_t mask = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    auto value = libcap_value(names[i]);
    if (!value) {
      throw Error(std::string("process.capabilities.") + set + "[" + std::to_string(i) +
                  "]: unknown capability `" + names[i] + "`");
    }
    if (*value < kernel_cap_count()) mask |= bit(*value);
  }
  return mask;
}

struct Masks {
  uint64_t bounding, effective, permitted, inheritable, ambient;
};

Masks masks_of(const oci::Capabilities& caps) {
  return Masks{mask_of(caps.bounding, "bounding"), mask_of(caps.effective, "effective"),
               mask_of(caps.permitted, "permitted"), mask_of(caps.inheritable, "inheritable"),
               mask_of(caps.ambient, "ambient")};
}

// Rules the kernel enforces whatever the process holds; checked up front so
// the error names the capability instead of a bare EPERM.
void check_consistency(const Masks& m) {
  for (int v = 0; v < kMaxCapBits; ++v) {
    if ((m.effective & bit(v)) && !(m.permitted & bit(v))) {
      throw Error("process.capabilities.effective: " + display_name(v) +
                  " is not in the permitted set, and the kernel only makes permitted "
                  "capabilities effective");
    }
  }
}

void prctl_or_throw(int option, unsigned long arg2, unsigned long arg3, const char* op,
                    const std::string& what = {}) {
  if (prctl(option, arg2, arg3, 0UL, 0UL) != 0) throw_errno(op, what);
}

// Drops from the bounding set every capability not in keep. Capabilities past
// the kernel's last one read as EINVAL and are skipped.
void shrink_bounding_set(uint64_t keep) {
  for (int v = 0; v < kMaxCapBits; ++v) {
    if (keep & bit(v)) continue;
    int present = prctl(PR_CAPBSET_READ, static_cast<unsigned long>(v), 0UL, 0UL, 0UL);
    if (present < 0 && errno == EINVAL) continue;
    if (present < 0) throw_errno("prctl(PR_CAPBSET_READ)", display_name(v));
    if (present == 0) continue;
    if (prctl(PR_CAPBSET_DROP, static_cast<unsigned long>(v), 0UL, 0UL, 0UL) != 0 &&
        errno != EINVAL) {
      throw_errno("prctl(PR_CAPBSET_DROP)", display_name(v));
    }
  }
}

CapState current_caps() {
  CapState state(cap_get_proc());
  if (!state) throw_errno("cap_get_proc");
  return state;
}

bool has_flag(const CapState& state, int value, cap_flag_t flag) {
  cap_flag_value_t v = CAP_CLEAR;
  if (cap_get_flag(state.get(), static_cast<cap_value_t>(value), flag, &v) != 0) return false;
  return v == CAP_SET;
}

void set_flags(const CapState& state, uint64_t mask, cap_flag_t flag) {
  for (int v = 0; v < kernel_cap_count() && v < kMaxCapBits; ++v) {
    if (!(mask & bit(v))) continue;
    cap_value_t value = static_cast<cap_value_t>(v);
    if (cap_set_flag(state.get(), flag, 1, &value, CAP_SET) != 0) {
      throw_errno("cap_set_flag", display_name(v));
    }
  }
}

void set_process_caps(uint64_t effective, uint64_t permitted, uint64_t inheritable) {
  CapState state(cap_init());
  if (!state) throw_errno("cap_init");
  set_flags(state, effective, CAP_EFFECTIVE);
  set_flags(state, permitted, CAP_PERMITTED);
  set_flags(state, inheritable, CAP_INHERITABLE);
  if (cap_set_proc(state.get()) != 0) throw_errno("cap_set_proc");
}

}  // namespace

std::optional<int> capability_from_name(const std::string& name) {
  auto value = libcap_value(name);
  if (!value || *value >= kernel_cap_count()) return std::nullopt;
  return value;
}

std::vector<std::string> known_capabilities() {
  std::vector<std::string> names;
  for (int v = 0; v < kernel_cap_count() && v < kMaxCapBits; ++v) {
    if (auto name = spec_name(v)) names.push_back(*name);
  }
  return names;
}

std::vector<std::string> validate_capabilities(const oci::Capabilities& caps) {
  check_consistency(masks_of(caps));
  std::vector<std::string> unavailable;
  for (const auto* set :
       {&caps.bounding, &caps.effective, &caps.permitted, &caps.inheritable, &caps.ambient}) {
    for (const auto& name : *set) {
      if (capability_from_name(name)) continue;
      bool seen = false;
      for (const auto& u : unavailable) seen = seen || u == name;
      if (!seen) unavailable.push_back(name);
    }
  }
  return unavailable;
}

void prepare_capabilities(const oci::Capabilities& caps) {
  uint64_t bounding = mask_of(caps.bounding, "bounding");
  prctl_or_throw(PR_SET_KEEPCAPS, 1, 0, "prctl(PR_SET_KEEPCAPS, 1)");
  shrink_bounding_set(bounding);
}

void apply_capabilities(const oci::Capabilities& caps) {
  Masks m = masks_of(caps);
  check_consistency(m);

  // The kernel answers EPERM for both of these; say which capability and why.
  CapState now = current_caps();
  for (int v = 0; v < kernel_cap_count() && v < kMaxCapBits; ++v) {
    if ((m.permitted & bit(v)) && !has_flag(now, v, CAP_PERMITTED)) {
      throw Error("set capabilities", "", EPERM,
                  display_name(v) +
                      " is asked for but no longer permitted (was the user switched without "
                      "keeping capabilities, or was it dropped from the bounding set?)");
    }
    if ((m.inheritable & bit(v)) && !has_flag(now, v, CAP_INHERITABLE) &&
        prctl(PR_CAPBSET_READ, static_cast<unsigned long>(v), 0UL, 0UL, 0UL) != 1) {
      throw Error("set capabilities", "", EPERM,
                  "inheritable " + display_name(v) + " is not in the bounding set");
    }
  }
  set_process_caps(m.effective, m.permitted, m.inheritable);

  prctl_or_throw(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
  for (int v = 0; v < kMaxCapBits; ++v) {
    // The kernel raises an ambient capability only when it is permitted and
    // inheritable. `runc spec` lists ambient capabilities without the
    // inheritable set; runc and crun then leave them out silently, so do we.
    if (!(m.ambient & m.permitted & m.inheritable & bit(v))) continue;
    prctl_or_throw(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, static_cast<unsigned long>(v),
                   "prctl(PR_CAP_AMBIENT_RAISE)", display_name(v));
  }
  prctl_or_throw(PR_SET_KEEPCAPS, 0, 0, "prctl(PR_SET_KEEPCAPS, 0)");
}

void drop_all_capabilities() {
  // Shrinking the bounding set needs CAP_SETPCAP effective; after setresuid
  // with PR_SET_KEEPCAPS only the permitted copy of it survived.
  CapState now = current_caps();
  if (has_flag(now, CAP_SETPCAP, CAP_PERMITTED) && !has_flag(now, CAP_SETPCAP, CAP_EFFECTIVE)) {
    cap_value_t setpcap = CAP_SETPCAP;
    if (cap_set_flag(now.get(), CAP_EFFECTIVE, 1, &setpcap, CAP_SET) != 0) {
      throw_errno("cap_set_flag", "CAP_SETPCAP");
    }
    if (cap_set_proc(now.get()) != 0) throw_errno("cap_set_proc");
  }
  shrink_bounding_set(0);
  prctl_or_throw(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
  set_process_caps(0, 0, 0);
  prctl_or_throw(PR_SET_KEEPCAPS, 0, 0, "prctl(PR_SET_KEEPCAPS, 0)");
}

}  // namespace nook::runtime
