#pragma once
// config.json → Spec. Every rejection is an Error whose message names the
// JSON path of the offending value, e.g.
//   invalid config.json: linux.namespaces[2].type: unknown namespace "foo"
// Parsing never touches the system.
#include <string>
#include <string_view>

#include "oci/spec.hpp"

namespace nook::oci {

// Parses and validates a whole config.json document.
Spec parse_spec(std::string_view json_text);

// Reads <bundle>/config.json, parses it, validates it, and makes root.path
// absolute (relative to the bundle). Checks that the rootfs directory exists.
// With config_text, also hands back the exact bytes that were parsed (the
// runtime keeps them, so later verbs see the config that was validated).
Spec load_spec(const std::string& bundle_dir, std::string* config_text = nullptr);

// Parses a process.json (as given to `exec --process`): the "process" object
// of config.json on its own.
Process parse_process(std::string_view json_text);

}  // namespace nook::oci
