#pragma once
// podman's short-name prompt: a list on the terminal, arrow keys (or j/k)
// move, Enter picks, Ctrl-C gives up.
#include <string>
#include <vector>

namespace nook::cli {

// stdin and stdout must be a terminal. Returns the index chosen; throws
// Error("^C") on Ctrl-C or end of input, as podman's prompt does.
size_t select_prompt(const std::string& label, const std::vector<std::string>& items);

}  // namespace nook::cli
