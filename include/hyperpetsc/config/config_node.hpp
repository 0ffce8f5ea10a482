// The configuration as a YAML-free tree: what config/ hands to the rest of the code.
// Every node remembers where it came from (file and line, or the --set item), so any
// layer can report a bad value precisely without knowing YAML.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "hyperpetsc/petsc/error.hpp"

namespace hp {

struct ConfigOrigin {
  std::string file;      // the config file as given on the command line
  int line = 0;          // 1-based; 0 when unknown
  std::string set_item;  // non-empty: the value came from `--set <set_item>`
};

class ConfigNode {
 public:
  enum class Kind { null, scalar, map, list };

  Kind kind = Kind::null;
  std::string scalar;  // Kind::scalar
  bool quoted = false; // a quoted YAML scalar ('5' is text, not a number)
  std::vector<std::pair<std::string, ConfigNode>> entries;  // Kind::map, in file order
  std::vector<ConfigNode> items;                            // Kind::list
  ConfigOrigin origin;

  bool is_null() const { return kind == Kind::null; }
  bool is_map() const { return kind == Kind::map; }
  bool is_scalar() const { return kind == Kind::scalar; }
  // The value of `key` in a map (nullptr if absent or not a map).
  const ConfigNode* find(const std::string& key) const;
  ConfigNode* find(const std::string& key);
  // The value of `key`, appended (null) if absent. Makes a null node a map.
  ConfigNode& at(const std::string& key);

  static ConfigNode make_scalar(std::string text, bool quoted = false);
};

// "<file>: <key> (line N): <what>", or "--set <item>: <key>: <what>" for a --set value.
std::string config_message(const ConfigOrigin& where, const std::string& key, const std::string& what);
[[noreturn]] void config_fail(const ConfigOrigin& where, const std::string& key, const std::string& what);

// A key that no table declares, or a --set path through a value that is not a section.
// A UserError like any other; sweep specs tell it apart from a bad value (a swept key
// must exist, but a swept value may be bad: that trial alone fails).
class UnknownKeyError : public UserError {
 public:
  using UserError::UserError;
};
[[noreturn]] void config_fail_unknown_key(const ConfigOrigin& where, const std::string& key, const std::string& what);

}  // namespace hp
