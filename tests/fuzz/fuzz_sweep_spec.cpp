// libFuzzer target: the sweep section. The input is the section's body (YAML, e.g.
// "grid: {inner.iterations: [1, 2]}"), set as `sweep:` of a small valid configuration,
// loaded, expanded and checked against it (hp::sweep_trials), then each trial's settings
// built. hp::UserError is the expected failure; any other exception, crash, sanitizer
// report or broken invariant (below) is a finding.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "hyperpetsc/config/yaml_source.hpp"
#include "hyperpetsc/engine/settings.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/service/sweep_spec.hpp"

namespace {

const char* const kBase =
    "problem:\n"
    "  type: ridge_l2\n"
    "  train: {format: synthetic, rows: 20, features: 3}\n"
    "  val: {format: synthetic, rows: 20, features: 3, stream: 1}\n"
    "hyperparameters: {init: -1}\n"
    "inner: {iterations: 10}\n"
    "petsc_options: \"-adjoint_ksp_rtol 1e-8\"\n";

// Trials checked against the configuration and built, at most (each is a settings load).
constexpr std::size_t kLoadedTrials = 64;

// A strict JSON value: params_json goes to the store and to `runs --json` as is.
struct JsonCheck {
  const std::string& s;
  std::size_t at = 0;
  void space() {
    while (at < s.size() && (s[at] == ' ' || s[at] == '\n' || s[at] == '\t' || s[at] == '\r')) ++at;
  }
  bool literal(const char* word) {
    const std::string w(word);
    if (s.compare(at, w.size(), w) != 0) return false;
    at += w.size();
    return true;
  }
  bool string() {
    if (at >= s.size() || s[at] != '"') return false;
    for (++at; at < s.size(); ++at) {
      const auto c = static_cast<unsigned char>(s[at]);
      if (c == '"') return ++at, true;
      if (c < 0x20) return false;
      if (c == '\\') {
        if (++at >= s.size()) return false;
        if (s[at] == 'u') {
          for (int k = 0; k < 4; ++k)
            if (++at >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[at]))) return false;
        } else if (std::string("\"\\/bfnrt").find(s[at]) == std::string::npos) {
          return false;
        }
      }
    }
    return false;
  }
  bool number() {
    const std::size_t start = at;
    if (at < s.size() && s[at] == '-') ++at;
    if (at >= s.size() || !std::isdigit(static_cast<unsigned char>(s[at]))) return false;
    if (s[at] == '0') ++at;
    else while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at]))) ++at;
    if (at < s.size() && s[at] == '.') {
      if (++at >= s.size() || !std::isdigit(static_cast<unsigned char>(s[at]))) return false;
      while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at]))) ++at;
    }
    if (at < s.size() && (s[at] == 'e' || s[at] == 'E')) {
      ++at;
      if (at < s.size() && (s[at] == '+' || s[at] == '-')) ++at;
      if (at >= s.size() || !std::isdigit(static_cast<unsigned char>(s[at]))) return false;
      while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at]))) ++at;
    }
    return at > start;
  }
  bool value(int depth) {
    if (depth > 200) return false;
    space();
    if (at >= s.size()) return false;
    if (s[at] == '{' || s[at] == '[') {
      const char close = s[at] == '{' ? '}' : ']';
      const bool object = s[at] == '{';
      ++at;
      space();
      if (at < s.size() && s[at] == close) return ++at, true;
      while (true) {
        if (object) {
          space();
          if (!string()) return false;
          space();
          if (at >= s.size() || s[at++] != ':') return false;
        }
        if (!value(depth + 1)) return false;
        space();
        if (at >= s.size()) return false;
        if (s[at] == close) return ++at, true;
        if (s[at++] != ',') return false;
      }
    }
    if (s[at] == '"') return string();
    if (literal("true") || literal("false") || literal("null")) return true;
    return number();
  }
  bool whole() { return value(0) && (space(), at == s.size()); }
};

// Whether every key and scalar of `n` is UTF-8: yaml-cpp writes another byte as an escape
// that reads back as a different character (such a value is no configuration value).
bool all_utf8(const hp::ConfigNode& n) {
  if (!hp::fuzz::valid_utf8(n.scalar)) return false;
  for (const auto& item : n.items)
    if (!all_utf8(item)) return false;
  for (const auto& [key, value] : n.entries)
    if (!hp::fuzz::valid_utf8(key) || !all_utf8(value)) return false;
  return true;
}

void check_trial(const hp::TrialSpec& t, std::size_t position) {
  if (t.index != static_cast<int>(position)) hp::fuzz::finding("trial indices not 0, 1, ...");
  if (t.overrides.size() != t.values.size()) hp::fuzz::finding("overrides and values differ in number");
  if (!JsonCheck{t.params_json}.whole()) hp::fuzz::finding("params_json is not JSON: " + t.params_json.substr(0, 200));
  for (const char c : t.label)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) hp::fuzz::finding("control byte in a label");
  for (std::size_t i = 0; i < t.values.size(); ++i) {
    // "key=value" applied like --set gives the value's own tree.
    if (!all_utf8(t.values[i].value)) continue;
    hp::ConfigNode via_set;
    try {
      hp::apply_set_override(via_set, t.overrides[i]);
    } catch (const hp::UserError& e) {
      hp::fuzz::finding("an override does not apply: " + t.overrides[i].substr(0, 200) + ": " + e.what());
    }
    const hp::ConfigNode* leaf = &via_set;
    const std::string& key = t.values[i].key;
    for (std::size_t at = 0, dot = 0; leaf; at = dot + 1) {
      dot = key.find('.', at);
      leaf = leaf->find(key.substr(at, dot == std::string::npos ? std::string::npos : dot - at));
      if (dot == std::string::npos) break;
    }
    if (!leaf) hp::fuzz::finding("an override sets another key: " + t.overrides[i].substr(0, 200));
    if (hp::emit_yaml_flow(*leaf) != hp::emit_yaml_flow(t.values[i].value))
      hp::fuzz::finding("an override does not round-trip: " + t.overrides[i].substr(0, 200));
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  hp::fuzz::initialize_petsc();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    hp::ConfigNode root = hp::parse_yaml(kBase, "config.yaml");
    root.at("sweep") = hp::parse_yaml(text, "config.yaml");
    const hp::Settings base = hp::settings_from_tree(root, "config.yaml", "/tmp", {});
    if (!base.sweep) return 0;  // an empty body: no sweep
    const auto all = hp::expand_sweep(*base.sweep);
    if (all.empty() || all.size() > static_cast<std::size_t>(hp::kMaxSweepTrials))
      hp::fuzz::finding("a sweep of " + std::to_string(all.size()) + " trials");
    if (hp::expand_sweep(*base.sweep).size() != all.size()) hp::fuzz::finding("expansion not reproducible");
    for (std::size_t i = 0; i < all.size() && i < kLoadedTrials; ++i) check_trial(all[i], i);
    if (all.size() > kLoadedTrials) return 0;
    const auto trials = hp::sweep_trials(base);
    for (std::size_t i = 0; i < trials.size(); ++i) {
      if (trials[i].overrides != all[i].overrides) hp::fuzz::finding("sweep_trials and expand_sweep differ");
      try {
        const hp::Settings s = hp::trial_settings(base, trials[i]);
        if (s.sweep) hp::fuzz::finding("a trial kept the sweep");
      } catch (const hp::UserError& e) {
        hp::fuzz::check_message(e.what());  // a bad value: that trial fails alone
      }
    }
  } catch (const hp::UserError& e) {
    hp::fuzz::check_message(e.what());
  }
  return 0;
}
