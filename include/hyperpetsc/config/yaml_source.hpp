// YAML text -> ConfigNode, and back. The only code in the project that includes yaml-cpp.
#pragma once
#include <string>
#include <vector>

#include "hyperpetsc/config/config_node.hpp"

namespace hp {

// Parse `text` (named `file` in messages). Rejects duplicate keys, non-scalar keys,
// nesting deeper than 64 levels and documents of more than 100000 nodes (alias bombs),
// each with an hp::UserError naming the file and line.
ConfigNode parse_yaml(const std::string& text, const std::string& file);

// Read and parse a config file; refuses what is not a regular file (FIFOs, devices and
// folders would hang or crash a reader) and files over 16 MiB.
ConfigNode load_yaml_file(const std::string& path);

// Apply one `--set a.b.c=value` (value parsed as YAML: numbers stay numbers) to `root`.
// The new nodes remember the item, so messages say the value came from --set.
void apply_set_override(ConfigNode& root, const std::string& item);

// The tree as YAML text (the resolved configuration written next to results).
std::string emit_yaml(const ConfigNode& root);
// One value as YAML on one line (flow style), e.g. the value of a `--set key=value` item;
// parsing it back gives the same tree (quoted scalars stay quoted).
std::string emit_yaml_flow(const ConfigNode& value);

}  // namespace hp
