// A YAML section declared once, as a table of keys. Each key has a name, a type, a
// default, an allowed range or choices, and one line of help; the parser, the validation
// messages, the resolved configuration and `hyperpetsc --help` are all generated from
// the table, and each key is bound to the member of the typed settings struct S it fills.
//
//   const KeyTable<InnerSettings>& inner_table() {
//     static const auto t = KeyTable<InnerSettings>("inner", "the inner solver: w_t from w_0")
//         .integer("iterations", &InnerSettings::iterations, 100, 0, kMaxIterations, "t");
//     return t;
//   }
#pragma once
#include <petscsys.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hyperpetsc/config/config_node.hpp"

namespace hp {

// A named choice with its help line (from a registry).
struct NamedChoice {
  std::string name;
  std::string help;
};
using ChoiceList = std::function<std::vector<NamedChoice>()>;

// Where parsing happens: the config file's folder resolves relative paths.
struct ParseContext {
  std::string config_dir;
};

// Bounds of a number; `open` ends exclude the bound.
struct NumberRange {
  double lo = -1e308, hi = 1e308;
  bool lo_open = false, hi_open = false;
  static NumberRange any() { return {}; }
  static NumberRange at_least(double lo) { return {lo, 1e308, false, false}; }
  static NumberRange above(double lo) { return {lo, 1e308, true, false}; }
  static NumberRange closed(double lo, double hi) { return {lo, hi, false, false}; }
  static NumberRange half_open(double lo, double hi) { return {lo, hi, false, true}; }
  bool contains(double v) const;
  std::string describe() const;  // "in [0, 1)", "> 0", ...
};

// Scalar parsing shared by every table: strict, with messages naming the key.
// (`at` is the value's node; `key` the dotted name, e.g. "inner.iterations".)
long long parse_integer(const ConfigNode& at, const std::string& key, long long lo, long long hi);
double parse_number(const ConfigNode& at, const std::string& key, const NumberRange& range);
bool parse_boolean(const ConfigNode& at, const std::string& key);
std::string parse_text(const ConfigNode& at, const std::string& key);
std::string parse_choice(const ConfigNode& at, const std::string& key, const std::vector<NamedChoice>& choices);
std::string format_number(double v);
std::string choice_names(const std::vector<NamedChoice>& choices, const char* separator = " | ");

// One key of a table, type-erased over the settings struct.
template <class S>
struct KeyEntry {
  std::string name;
  std::string type;          // "integer", "number", "true|false", "text", "choice", ...
  std::string default_text;  // as it would be written in YAML ("" = no default: required or optional)
  std::string range_text;    // "in [0, 1)", "gradient_descent | heavy_ball", ...
  std::string help;
  std::vector<std::string> invalid_examples;  // values the table must reject (tests use them)
  ChoiceList choices;                         // for choice keys
  bool required = false;
  std::function<void(S&)> set_default;
  std::function<void(S&, const ConfigNode&, const std::string& key, const ParseContext&)> read;
  std::function<ConfigNode(const S&)> write;  // kind null: omitted from the resolved config
  // "" if the key applies to these settings, else why not ("only used with ...").
  std::function<std::string(const S&)> applies = [](const S&) { return std::string(); };
};

// A key entry to complete with read/write (KeyTable::custom); the common fields first.
template <class S>
KeyEntry<S> key_entry(std::string name, std::string type, std::string default_text, std::string help) {
  KeyEntry<S> e;
  e.name = std::move(name);
  e.type = std::move(type);
  e.default_text = std::move(default_text);
  e.help = std::move(help);
  return e;
}

template <class S>
class KeyTable {
 public:
  KeyTable(std::string section, std::string help) : section_(std::move(section)), help_(std::move(help)) {}

  template <class T>
  KeyTable&& integer(const char* name, T S::*m, long long def, long long lo, long long hi, const char* help) && {
    KeyEntry<S> e = base(name, "integer", std::to_string(def), range_of(lo, hi), help);
    e.invalid_examples = {std::to_string(lo - 1), "1.5", "many"};
    if (hi < 2147483647LL) e.invalid_examples.push_back(std::to_string(hi + 1));
    e.set_default = [m, def](S& s) { s.*m = static_cast<T>(def); };
    e.read = [m, lo, hi](S& s, const ConfigNode& n, const std::string& key, const ParseContext&) {
      s.*m = static_cast<T>(parse_integer(n, key, lo, hi));
    };
    e.write = [m](const S& s) { return ConfigNode::make_scalar(std::to_string(static_cast<long long>(s.*m))); };
    entries_.push_back(std::move(e));
    return std::move(*this);
  }

  KeyTable&& number(const char* name, double S::*m, double def, NumberRange r, const char* help) && {
    KeyEntry<S> e = base(name, "number", format_number(def), r.describe(), help);
    e.invalid_examples = {"abc", ".nan", ".inf"};
    if (r.lo > -1e308) e.invalid_examples.push_back(format_number(r.lo_open ? r.lo : r.lo - 1e-3 * (1 + std::abs(r.lo))));
    if (r.hi < 1e308) e.invalid_examples.push_back(format_number(r.hi_open ? r.hi : r.hi + 1e-3 * (1 + std::abs(r.hi))));
    e.set_default = [m, def](S& s) { s.*m = def; };
    e.read = [m, r](S& s, const ConfigNode& n, const std::string& key, const ParseContext&) {
      s.*m = parse_number(n, key, r);
    };
    e.write = [m](const S& s) { return ConfigNode::make_scalar(format_number(s.*m)); };
    entries_.push_back(std::move(e));
    return std::move(*this);
  }

  KeyTable&& boolean(const char* name, bool S::*m, bool def, const char* help) && {
    KeyEntry<S> e = base(name, "true | false", def ? "true" : "false", "", help);
    e.invalid_examples = {"maybe", "2"};
    e.set_default = [m, def](S& s) { s.*m = def; };
    e.read = [m](S& s, const ConfigNode& n, const std::string& key, const ParseContext&) {
      s.*m = parse_boolean(n, key);
    };
    e.write = [m](const S& s) { return ConfigNode::make_scalar(s.*m ? "true" : "false"); };
    entries_.push_back(std::move(e));
    return std::move(*this);
  }

  KeyTable&& text(const char* name, std::string S::*m, const char* def, const char* help) && {
    KeyEntry<S> e = base(name, "text", def, "", help);
    e.invalid_examples = {"[a, b]", "{a: 1}"};
    e.set_default = [m, def](S& s) { s.*m = def; };
    e.read = [m](S& s, const ConfigNode& n, const std::string& key, const ParseContext&) {
      s.*m = parse_text(n, key);
    };
    e.write = [m](const S& s) { return ConfigNode::make_scalar(s.*m, true); };
    entries_.push_back(std::move(e));
    return std::move(*this);
  }

  // A name from a registry (`choices` is called when needed, so entries registered later,
  // by plugins or tests, are included).
  KeyTable&& choice(const char* name, std::string S::*m, const char* def, ChoiceList choices, const char* help) && {
    KeyEntry<S> e = base(name, "choice", def, "", help);
    e.choices = choices;
    e.invalid_examples = {"no_such_name", "[a, b]"};
    e.set_default = [m, def](S& s) { s.*m = def; };
    e.read = [m, choices](S& s, const ConfigNode& n, const std::string& key, const ParseContext&) {
      s.*m = parse_choice(n, key, choices());
    };
    e.write = [m](const S& s) { return ConfigNode::make_scalar(s.*m); };
    entries_.push_back(std::move(e));
    return std::move(*this);
  }

  // Anything else (nested sections, "number or auto", ...).
  KeyTable&& custom(KeyEntry<S> e) && {
    entries_.push_back(std::move(e));
    return std::move(*this);
  }

  // The last key applies only when `why_not(s)` is empty (e.g. momentum with heavy_ball).
  KeyTable&& only_when(std::function<std::string(const S&)> why_not) && {
    entries_.back().applies = std::move(why_not);
    return std::move(*this);
  }
  // The last key must be given (no default).
  KeyTable&& required() && {
    entries_.back().required = true;
    entries_.back().default_text.clear();
    return std::move(*this);
  }

  // A check over several keys, run after they are all read.
  KeyTable&& check(std::function<void(const S&, const ConfigNode* node, const std::string& prefix)> f) && {
    checks_.push_back(std::move(f));
    return std::move(*this);
  }

  const std::string& section() const { return section_; }
  const std::string& help() const { return help_; }
  const std::vector<KeyEntry<S>>& entries() const { return entries_; }
  std::vector<std::string> names() const {
    std::vector<std::string> v;
    for (const auto& e : entries_) v.push_back(e.name);
    return v;
  }

  // Fill `s` from `node` (a map, null or absent). `prefix` is the dotted path of this
  // section ("inner", "problem.train"); `also_allowed` are keys another table handles.
  void parse(S& s, const ConfigNode* node, const std::string& prefix, const ParseContext& ctx,
             const std::vector<std::string>& also_allowed = {}) const;
  S parse(const ConfigNode* node, const std::string& prefix, const ParseContext& ctx,
          const std::vector<std::string>& also_allowed = {}) const {
    S s{};
    parse(s, node, prefix, ctx, also_allowed);
    return s;
  }
  // Every applicable key with its effective value, in table order.
  void write(const S& s, ConfigNode& into) const;
  // Help lines, indented.
  std::string help_text(int indent) const;

 private:
  static std::string range_of(long long lo, long long hi) {
    if (hi >= 2147483647LL) return ">= " + std::to_string(lo);
    return "in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  }
  static KeyEntry<S> base(const char* name, const char* type, std::string def, std::string range, const char* help) {
    KeyEntry<S> e;
    e.name = name;
    e.type = type;
    e.default_text = std::move(def);
    e.range_text = std::move(range);
    e.help = help;
    return e;
  }
  std::string section_, help_;
  std::vector<KeyEntry<S>> entries_;
  std::vector<std::function<void(const S&, const ConfigNode*, const std::string&)>> checks_;
};

// Non-template helpers of KeyTable (src/config/key_table.cpp).
namespace key_table_detail {
// Rejects a non-map section and keys outside `allowed` (listing them).
void check_section(const ConfigNode* node, const std::string& prefix, const std::vector<std::string>& allowed);
std::string help_line(int indent, const std::string& name, const std::string& type, const std::string& def,
                      const std::string& range, const std::string& help);
std::string join_path(const std::string& prefix, const std::string& name);
// A key as typed by the user, quoted and escaped unless it is a plain name.
std::string shown_key(const std::string& key);
}  // namespace key_table_detail

template <class S>
void KeyTable<S>::parse(S& s, const ConfigNode* node, const std::string& prefix, const ParseContext& ctx,
                        const std::vector<std::string>& also_allowed) const {
  std::vector<std::string> allowed = names();
  allowed.insert(allowed.end(), also_allowed.begin(), also_allowed.end());
  key_table_detail::check_section(node, prefix, allowed);
  for (const auto& e : entries_)
    if (e.set_default) e.set_default(s);
  for (const auto& e : entries_) {
    const ConfigNode* v = node ? node->find(e.name) : nullptr;
    const std::string key = key_table_detail::join_path(prefix, e.name);
    if (v && !v->is_null()) {
      e.read(s, *v, key, ctx);
    } else if (e.required && e.applies(s).empty()) {
      config_fail(v ? v->origin : (node ? node->origin : ConfigOrigin{}), key,
                  "missing; " + (e.help.empty() ? std::string("give a value") : e.help));
    }
  }
  // Checked after every key is read: applicability can depend on later keys.
  for (const auto& e : entries_) {
    const ConfigNode* v = node ? node->find(e.name) : nullptr;
    if (!v || v->is_null()) continue;
    const std::string why = e.applies(s);
    if (!why.empty()) config_fail(v->origin, key_table_detail::join_path(prefix, e.name), why + "; remove it");
  }
  for (const auto& c : checks_) c(s, node, prefix);
}

template <class S>
void KeyTable<S>::write(const S& s, ConfigNode& into) const {
  for (const auto& e : entries_) {
    if (!e.applies(s).empty()) continue;
    ConfigNode v = e.write(s);
    if (!v.is_null()) into.at(e.name) = std::move(v);
  }
}

template <class S>
std::string KeyTable<S>::help_text(int indent) const {
  std::string out;
  for (const auto& e : entries_) {
    std::string range = e.range_text;
    if (e.choices) range = choice_names(e.choices());
    out += key_table_detail::help_line(indent, e.name, e.type, e.required ? "required" : e.default_text, range, e.help);
  }
  return out;
}

}  // namespace hp
