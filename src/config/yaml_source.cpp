#include "hyperpetsc/config/yaml_source.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/regular_file.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace {

constexpr int kMaxDepth = 64;
constexpr long kMaxNodes = 100000;
constexpr long long kMaxBytes = 16LL << 20;

struct Converter {
  std::string file;
  std::string set_item;
  long nodes = 0;

  ConfigOrigin origin_of(const YAML::Node& n) const {
    ConfigOrigin o;
    o.file = file;
    o.set_item = set_item;
    if (set_item.empty() && n.Mark().line >= 0) o.line = n.Mark().line + 1;
    return o;
  }

  ConfigNode convert(const YAML::Node& n, int depth) {
    if (++nodes > kMaxNodes)
      config_fail(origin_of(n), "(document)",
                  "more than " + std::to_string(kMaxNodes) + " values (aliases expanding?); a configuration is small");
    if (depth > kMaxDepth)
      config_fail(origin_of(n), "(document)", "nested deeper than " + std::to_string(kMaxDepth) + " levels");
    ConfigNode out;
    out.origin = origin_of(n);
    switch (n.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out.kind = ConfigNode::Kind::null;
        break;
      case YAML::NodeType::Scalar:
        out.kind = ConfigNode::Kind::scalar;
        out.scalar = n.Scalar();
        out.quoted = n.Tag() == "!";
        break;
      case YAML::NodeType::Sequence:
        out.kind = ConfigNode::Kind::list;
        for (const auto& item : n) out.items.push_back(convert(item, depth + 1));
        break;
      case YAML::NodeType::Map:
        out.kind = ConfigNode::Kind::map;
        for (const auto& kv : n) {
          if (!kv.first.IsScalar())
            config_fail(origin_of(kv.first), "(key)",
                        "a key must be a plain name, not a list or mapping; write key: value");
          const std::string key = kv.first.Scalar();
          if (out.find(key))
            config_fail(origin_of(kv.first), quote_user_text(key),
                        "duplicate key; give each key once");
          out.entries.emplace_back(key, convert(kv.second, depth + 1));
        }
        break;
    }
    return out;
  }
};

// yaml-cpp's message may quote the offending byte raw ("unknown escape character: \x04"):
// every byte outside printable ASCII is escaped as \xHH so the message stays one safe line.
std::string parser_message(const std::string& msg) {
  std::string out;
  for (const char ch : msg) {
    const auto b = static_cast<unsigned char>(ch);
    if (b >= 0x20 && b < 0x7f) {
      out += ch;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", b);
      out += buf;
    }
  }
  return out;
}

ConfigNode parse(const std::string& text, const std::string& file, const std::string& set_item) {
  YAML::Node root;
  ConfigOrigin where;
  where.file = file;
  where.set_item = set_item;
  try {
    root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    where.line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    config_fail(where, "(document)", "nested too deeply to be a configuration");
  } catch (const YAML::ParserException& e) {
    where.line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    config_fail(where, "(document)", "invalid YAML: " + parser_message(e.msg));
  } catch (const YAML::Exception& e) {
    config_fail(where, "(document)", "invalid YAML: " + parser_message(e.msg));
  }
  Converter c{file, set_item};
  try {
    return c.convert(root, 0);
  } catch (const YAML::Exception& e) {  // e.g. a bad alias, discovered while walking
    config_fail(where, "(document)", "invalid YAML: " + parser_message(e.msg));
  }
}

// `flow`: maps too in flow style, so a value fits on one line.
void emit(YAML::Emitter& out, const ConfigNode& n, bool flow) {
  switch (n.kind) {
    case ConfigNode::Kind::null:
      out << YAML::Null;
      break;
    case ConfigNode::Kind::scalar:
      if (n.quoted) out << YAML::DoubleQuoted;
      out << n.scalar;
      break;
    case ConfigNode::Kind::list:
      out << YAML::Flow << YAML::BeginSeq;
      for (const auto& i : n.items) emit(out, i, flow);
      out << YAML::EndSeq;
      break;
    case ConfigNode::Kind::map:
      if (flow) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const auto& kv : n.entries) {
        out << YAML::Key << kv.first << YAML::Value;
        emit(out, kv.second, flow);
      }
      out << YAML::EndMap;
      break;
  }
}

}  // namespace

ConfigNode parse_yaml(const std::string& text, const std::string& file) { return parse(text, file, ""); }

ConfigNode load_yaml_file(const std::string& path) {
  const std::string shown = quote_user_text(path, 200);
  require_regular_file(path, "the config file", "pass the path of a YAML file such as configs/default.yaml");
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > static_cast<std::uintmax_t>(kMaxBytes))
    throw UserError(shown + ": the config file is " + std::to_string(size) + " bytes; a configuration is at most 16 MiB");
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  if (!f && !f.eof()) throw UserError(shown + ": cannot read the config file");
  return parse(ss.str(), path, "");
}

void apply_set_override(ConfigNode& root, const std::string& item) {
  const std::string shown = "--set " + quote_user_text(item, 80);
  const auto eq = item.find('=');
  if (eq == std::string::npos || eq == 0) throw UserError(shown + ": expected section.key=value");
  const std::string key = item.substr(0, eq);
  const std::string text = item.substr(eq + 1);
  if (text.find_first_not_of(" \t") == std::string::npos)
    throw UserError(shown + ": no value after '='; give a value (write " + quote_user_text(key) +
                    "='' for an empty string)");
  std::vector<std::string> parts;
  std::stringstream ss(key);
  for (std::string p; std::getline(ss, p, '.');) {
    if (p.empty()) throw UserError(shown + ": empty key segment in " + quote_user_text(key));
    parts.push_back(p);
  }
  if (key.back() == '.') throw UserError(shown + ": empty key segment in " + quote_user_text(key));
  ConfigNode value = parse(text, root.origin.file, item);
  if (root.kind == ConfigNode::Kind::null) root.kind = ConfigNode::Kind::map;
  if (!root.is_map()) throw UserError(shown + ": the configuration's top level is not a mapping");
  ConfigNode* at = &root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    ConfigNode* child = at->find(parts[i]);
    if (child && !child->is_null() && !child->is_map())
      throw UnknownKeyError(shown + ": " + quote_user_text(parts[i]) + " is not a section");
    at = &at->at(parts[i]);
    if (at->is_null()) {
      at->kind = ConfigNode::Kind::map;
      at->origin = value.origin;
    }
  }
  at->at(parts.back()) = std::move(value);
}

std::string emit_yaml(const ConfigNode& root) {
  YAML::Emitter out;
  emit(out, root, false);
  return out.c_str();
}

std::string emit_yaml_flow(const ConfigNode& value) {
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out.SetSeqFormat(YAML::Flow);
  emit(out, value, true);
  return out.c_str();
}

}  // namespace hp
