#include "hyperpetsc/config/config_node.hpp"

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

const ConfigNode* ConfigNode::find(const std::string& key) const {
  if (kind != Kind::map) return nullptr;
  for (const auto& kv : entries)
    if (kv.first == key) return &kv.second;
  return nullptr;
}

ConfigNode* ConfigNode::find(const std::string& key) {
  return const_cast<ConfigNode*>(static_cast<const ConfigNode*>(this)->find(key));
}

ConfigNode& ConfigNode::at(const std::string& key) {
  if (kind == Kind::null) kind = Kind::map;
  if (ConfigNode* n = find(key)) return *n;
  entries.emplace_back(key, ConfigNode{});
  entries.back().second.origin = origin;
  return entries.back().second;
}

ConfigNode ConfigNode::make_scalar(std::string text, bool quoted) {
  ConfigNode n;
  n.kind = Kind::scalar;
  n.scalar = std::move(text);
  n.quoted = quoted;
  return n;
}

std::string config_message(const ConfigOrigin& where, const std::string& key, const std::string& what) {
  std::string msg;
  if (!where.set_item.empty()) {
    msg = "--set " + quote_user_text(where.set_item, 80) + ": " + key + ": " + what;
  } else {
    msg = where.file + ": " + key;
    if (where.line > 0) msg += " (line " + std::to_string(where.line) + ")";
    msg += ": " + what;
  }
  return msg;
}

void config_fail(const ConfigOrigin& where, const std::string& key, const std::string& what) {
  throw UserError(config_message(where, key, what));
}

void config_fail_unknown_key(const ConfigOrigin& where, const std::string& key, const std::string& what) {
  throw UnknownKeyError(config_message(where, key, what));
}

}  // namespace hp
