#include "hyperpetsc/service/sweep_spec.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "../data/counter_rng.hpp"  // the project's one counter-based RNG (header-only)
#include "hyperpetsc/config/key_table.hpp"
#include "hyperpetsc/config/yaml_source.hpp"
#include "hyperpetsc/engine/settings.hpp"
#include "hyperpetsc/petsc/json_writer.hpp"
#include "hyperpetsc/petsc/user_text.hpp"
#include "hyperpetsc/service/run_settings.hpp"

namespace hp {

namespace {

const char* const kKinds[] = {"grid", "list", "random"};
// Sections a trial may not change: its folder and store are the sweep's.
const char* const kUnsweepable[] = {"run", "store", "sweep"};
// Mixed into the random sweep's RNG key, so its stream differs from data/'s uses of a seed.
constexpr std::uint64_t kRandomSweepTag = 0x5357454550ULL;  // "SWEEP"

enum class Kind { grid, list, random };
enum class Draw { uniform, log_uniform, choice };

struct SweptKey {
  std::string key;
  std::vector<std::string> parts;
  ConfigOrigin origin;
};

struct Distribution {
  Draw draw = Draw::uniform;
  double lo = 0, hi = 0;
  const ConfigNode* node = nullptr;  // the distribution's value ([a, b] or the choices)
};

// The section's shape, checked; nodes point into the section.
struct SweepPlan {
  Kind kind = Kind::grid;
  std::string prefix;           // "sweep.grid", ...
  std::vector<SweptKey> keys;   // grid and random: in file order; list: the union, first use first
  std::vector<const ConfigNode*> grid_values;  // grid: each key's list
  const ConfigNode* list = nullptr;            // list: the items
  std::vector<Distribution> space;             // random: each key's distribution
  long long samples = 0;
  std::uint64_t seed = 0;
  long long trials = 0;
};

// A dotted key as shown in messages: plain, or quoted when it holds odd characters.
std::string shown_key(const std::string& key) {
  bool plain = !key.empty() && key.size() <= 80;
  for (char ch : key) plain = plain && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.');
  return plain ? key : quote_user_text(key);
}

std::string where_key(const std::string& prefix, const std::string& key) { return prefix + "[" + shown_key(key) + "]"; }

SweptKey swept_key(const std::string& key, const ConfigNode& at, const std::string& prefix) {
  SweptKey k{key, {}, at.origin};
  const std::string where = where_key(prefix, key);
  if (key.empty()) config_fail(at.origin, prefix, "an empty key; give a dotted configuration key such as inner.iterations");
  if (key.find_first_of("= \t\r\n") != std::string::npos)
    config_fail(at.origin, where, "not a configuration key (no spaces or '='); give a dotted key such as inner.iterations");
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = key.find('.', start);
    k.parts.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (k.parts.back().empty())
      config_fail(at.origin, where, "an empty segment in the key; give a dotted key such as inner.iterations");
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  for (const char* s : kUnsweepable)
    if (k.parts[0] == s)
      config_fail(at.origin, where,
                  "cannot be swept: a trial's folder (run.dir/trials/<index>), store and sweep are the sweep's; "
                  "remove it from the sweep");
  return k;
}

// Keys must not overlap: `inner` and `inner.iterations` would depend on their order.
void check_distinct(const std::vector<SweptKey>& keys, const std::string& prefix) {
  for (std::size_t i = 0; i < keys.size(); ++i)
    for (std::size_t j = 0; j < keys.size(); ++j) {
      if (i == j) continue;
      const auto& a = keys[i].parts;
      const auto& b = keys[j].parts;
      if (a.size() > b.size() || !std::equal(a.begin(), a.end(), b.begin())) continue;
      if (a.size() == b.size() && i > j) continue;  // the same key: report once
      config_fail(keys[j].origin, where_key(prefix, keys[j].key),
                  a.size() == b.size() ? "swept twice; give each key once"
                                       : "lies inside " + shown_key(keys[i].key) + ", which is swept too; sweep one of them");
    }
}

// `one`: what an item is ("value", "trial {KEY: value, ...}").
const ConfigNode& nonempty_list(const ConfigNode& n, const std::string& key, const char* one) {
  if (n.kind != ConfigNode::Kind::list) config_fail(n.origin, key, std::string("expected a list, each item a ") + one);
  if (n.items.empty()) config_fail(n.origin, key, std::string("the list is empty; give at least one ") + one);
  return n;
}

void count_trials(SweepPlan& plan, long long n, const ConfigOrigin& at) {
  plan.trials = n;
  if (n > kMaxSweepTrials)
    config_fail(at, plan.prefix,
                "gives more than " + std::to_string(kMaxSweepTrials) + " trials, the most a sweep may have; sweep fewer values");
}

void plan_grid(SweepPlan& plan, const ConfigNode& grid) {
  if (!grid.is_map()) config_fail(grid.origin, plan.prefix, "expected a mapping {KEY: [values], ...}");
  if (grid.entries.empty()) config_fail(grid.origin, plan.prefix, "no keys; give {KEY: [values], ...}");
  long long product = 1;
  for (const auto& [key, values] : grid.entries) {
    plan.keys.push_back(swept_key(key, values, plan.prefix));
    plan.grid_values.push_back(&nonempty_list(values, where_key(plan.prefix, key), "value"));
    // Stop multiplying once over the limit: no overflow.
    if (product <= kMaxSweepTrials) product *= static_cast<long long>(values.items.size());
  }
  check_distinct(plan.keys, plan.prefix);
  count_trials(plan, product, grid.origin);
}

void plan_list(SweepPlan& plan, const ConfigNode& list) {
  plan.list = &nonempty_list(list, plan.prefix, "trial {KEY: value, ...}");
  count_trials(plan, static_cast<long long>(list.items.size()), list.origin);
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    const ConfigNode& item = list.items[i];
    const std::string at = plan.prefix + "[" + std::to_string(i) + "]";
    if (!item.is_map() && !item.is_null()) config_fail(item.origin, at, "expected a mapping {KEY: value, ...}");
    std::vector<SweptKey> keys;
    for (const auto& [key, value] : item.entries) keys.push_back(swept_key(key, value, at));
    check_distinct(keys, at);
    for (auto& k : keys) {
      bool seen = false;
      for (const auto& known : plan.keys) seen = seen || known.key == k.key;
      if (!seen) plan.keys.push_back(std::move(k));
    }
  }
}

Distribution distribution(const ConfigNode& spec, const std::string& where) {
  const std::string forms = "{uniform: [a, b]}, {log_uniform: [a, b]} or {choice: [values]}";
  if (!spec.is_map() || spec.entries.size() != 1) config_fail(spec.origin, where, "expected one of " + forms);
  const auto& [name, value] = spec.entries.front();
  const std::string key = where + "." + key_table_detail::shown_key(name);
  Distribution d;
  d.node = &value;
  if (name == "choice") {
    d.draw = Draw::choice;
    nonempty_list(value, key, "value to choose from");
    return d;
  }
  if (name != "uniform" && name != "log_uniform")
    config_fail(spec.origin, key, "unknown distribution; use " + forms);
  d.draw = name == "uniform" ? Draw::uniform : Draw::log_uniform;
  if (value.kind != ConfigNode::Kind::list || value.items.size() != 2)
    config_fail(value.origin, key, "expected two numbers [a, b]");
  d.lo = parse_number(value.items[0], key, NumberRange::any());
  d.hi = parse_number(value.items[1], key, NumberRange::any());
  if (d.lo > d.hi)
    config_fail(value.origin, key,
                "inverted range [" + format_number(d.lo) + ", " + format_number(d.hi) + "]; give a <= b");
  if (d.draw == Draw::log_uniform && !(d.lo > 0))
    config_fail(value.origin, key, "a log-uniform range needs 0 < a <= b, got a = " + format_number(d.lo));
  if (!std::isfinite(d.hi - d.lo))
    config_fail(value.origin, key, "the range [a, b] is too wide for double precision; narrow it");
  return d;
}

void plan_random(SweepPlan& plan, const ConfigNode& random) {
  key_table_detail::check_section(&random, plan.prefix, {"samples", "seed", "space"});
  if (!random.is_map()) config_fail(random.origin, plan.prefix, "expected {samples: N, seed: S, space: {...}}");
  const ConfigNode* samples = random.find("samples");
  if (!samples || samples->is_null()) config_fail(random.origin, plan.prefix + ".samples", "missing; give the number of trials");
  plan.samples = parse_integer(*samples, plan.prefix + ".samples", 1, kMaxSweepTrials);
  const ConfigNode* seed = random.find("seed");
  if (seed && !seed->is_null())
    plan.seed = static_cast<std::uint64_t>(parse_integer(*seed, plan.prefix + ".seed", 0, 9007199254740991LL));
  const ConfigNode* space = random.find("space");
  const std::string space_key = plan.prefix + ".space";
  if (!space || space->is_null()) config_fail(random.origin, space_key, "missing; give {KEY: {uniform: [a, b]}, ...}");
  if (!space->is_map() || space->entries.empty())
    config_fail(space->origin, space_key, "expected a mapping {KEY: {uniform: [a, b]}, ...} with at least one key");
  for (const auto& [key, spec] : space->entries) {
    plan.keys.push_back(swept_key(key, spec, space_key));
    plan.space.push_back(distribution(spec, where_key(space_key, key)));
  }
  check_distinct(plan.keys, space_key);
  count_trials(plan, plan.samples, random.origin);
}

SweepPlan plan_sweep(const ConfigNode& sweep) {
  std::string kinds;
  for (const char* k : kKinds) kinds += std::string(kinds.empty() ? "" : ", ") + k;
  if (!sweep.is_map()) config_fail(sweep.origin, "sweep", "expected a mapping with one of " + kinds);
  const ConfigNode* chosen = nullptr;
  std::string chosen_name;
  for (const auto& [name, value] : sweep.entries) {
    bool known = false;
    for (const char* k : kKinds) known = known || name == k;
    if (!known)
      config_fail(value.origin, "sweep." + key_table_detail::shown_key(name), "unknown sweep kind; use one of " + kinds);
    if (chosen)
      config_fail(value.origin, "sweep", "gives both " + chosen_name + " and " + name + "; give exactly one of " + kinds);
    chosen = &value;
    chosen_name = name;
  }
  if (!chosen) config_fail(sweep.origin, "sweep", "empty; give one of " + kinds);
  SweepPlan plan;
  plan.prefix = "sweep." + chosen_name;
  if (chosen->is_null()) config_fail(chosen->origin, plan.prefix, "empty; give its trials");
  if (chosen_name == "grid") {
    plan.kind = Kind::grid;
    plan_grid(plan, *chosen);
  } else if (chosen_name == "list") {
    plan.kind = Kind::list;
    plan_list(plan, *chosen);
  } else {
    plan.kind = Kind::random;
    plan_random(plan, *chosen);
  }
  return plan;
}

// A YAML scalar as JSON: plain numbers and true/false keep their type, the rest is text.
std::string scalar_json(const ConfigNode& n) {
  const std::string& s = n.scalar;
  if (n.quoted) return "\"" + json_escape(s) + "\"";
  if (s == "true" || s == "false") return s;
  if (!s.empty() && s.find_first_of("xXpPnNiI") == std::string::npos) {
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(s.c_str(), &end);
    if (*end == '\0' && errno != ERANGE && std::isfinite(v)) return format_number(v);
  }
  return "\"" + json_escape(s) + "\"";
}

std::string node_json(const ConfigNode& n) {
  switch (n.kind) {
    case ConfigNode::Kind::null:
      return "null";
    case ConfigNode::Kind::scalar:
      return scalar_json(n);
    case ConfigNode::Kind::list: {
      std::string out = "[";
      for (std::size_t i = 0; i < n.items.size(); ++i) out += (i ? ", " : "") + node_json(n.items[i]);
      return out + "]";
    }
    case ConfigNode::Kind::map: {
      std::string out = "{";
      for (std::size_t i = 0; i < n.entries.size(); ++i)
        out += (i ? ", \"" : "\"") + json_escape(n.entries[i].first) + "\": " + node_json(n.entries[i].second);
      return out + "}";
    }
  }
  return "null";
}

// Label names: each key's shortest dotted suffix that no other swept key ends with
// (`init`, but `train.subset` next to `val.subset`).
std::vector<std::string> short_names(const std::vector<SweptKey>& keys) {
  std::vector<std::string> names;
  for (const auto& k : keys) {
    std::size_t n = 1;
    for (; n < k.parts.size(); ++n) {
      bool unique = true;
      for (const auto& other : keys) {
        if (&other == &k || other.parts.size() < n) continue;
        unique = unique && !std::equal(k.parts.end() - static_cast<long>(n), k.parts.end(),
                                       other.parts.end() - static_cast<long>(n));
      }
      if (unique) break;
    }
    std::string name;
    for (std::size_t i = k.parts.size() - n; i < k.parts.size(); ++i) name += (name.empty() ? "" : ".") + k.parts[i];
    names.push_back(name);
  }
  return names;
}

// Text safe for a terminal table: as is when short printable ASCII, else quoted and escaped.
std::string table_text(const std::string& text) {
  bool plain = text.size() <= 40;
  for (char ch : text) plain = plain && ch >= 0x20 && ch < 0x7f;
  return plain ? text : quote_user_text(text, 40);
}

TrialSpec make_trial(int index, std::vector<SweptValue> values, const std::vector<SweptKey>& keys,
                     const std::vector<std::string>& names) {
  TrialSpec t;
  t.index = index;
  t.params_json = "{";
  for (const auto& v : values) {
    const std::string yaml = emit_yaml_flow(v.value);
    t.overrides.push_back(v.key + "=" + yaml);
    t.params_json += (t.params_json.size() > 1 ? ", \"" : "\"") + json_escape(v.key) + "\": " + node_json(v.value);
    std::string name = v.key;
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (keys[i].key == v.key) name = names[i];
    t.label += (t.label.empty() ? "" : ", ") + table_text(name) + "=" + table_text(yaml);
  }
  t.params_json += "}";
  t.values = std::move(values);
  return t;
}

SweptValue drawn_value(const SweepPlan& plan, std::size_t key_index, long long trial) {
  const Distribution& d = plan.space[key_index];
  const data_detail::CounterRng rng({plan.seed, kRandomSweepTag, static_cast<std::uint64_t>(trial),
                                     static_cast<std::uint64_t>(key_index)});
  const double u = rng.uniform(0);  // in (0, 1)
  SweptValue v{plan.keys[key_index].key, {}};
  if (d.draw == Draw::choice) {
    const std::size_t n = d.node->items.size();
    v.value = d.node->items[std::min(n - 1, static_cast<std::size_t>(u * static_cast<double>(n)))];
    return v;
  }
  double x = d.draw == Draw::uniform ? d.lo + (d.hi - d.lo) * u
                                     : std::exp(std::log(d.lo) + (std::log(d.hi) - std::log(d.lo)) * u);
  x = std::min(d.hi, std::max(d.lo, x));  // rounding must not leave [a, b]
  v.value = ConfigNode::make_scalar(format_number(x));
  v.value.origin = d.node->origin;
  return v;
}

std::vector<TrialSpec> expand(const SweepPlan& plan) {
  const std::vector<std::string> names = short_names(plan.keys);
  std::vector<TrialSpec> trials;
  trials.reserve(static_cast<std::size_t>(plan.trials));
  for (long long i = 0; i < plan.trials; ++i) {
    std::vector<SweptValue> values;
    if (plan.kind == Kind::grid) {
      // Mixed radix, the last key fastest.
      long long rest = i;
      values.resize(plan.keys.size());
      for (std::size_t k = plan.keys.size(); k-- > 0;) {
        const auto n = static_cast<long long>(plan.grid_values[k]->items.size());
        values[k] = {plan.keys[k].key, plan.grid_values[k]->items[static_cast<std::size_t>(rest % n)]};
        rest /= n;
      }
    } else if (plan.kind == Kind::list) {
      for (const auto& [key, value] : plan.list->items[static_cast<std::size_t>(i)].entries) values.push_back({key, value});
    } else {
      for (std::size_t k = 0; k < plan.keys.size(); ++k) values.push_back(drawn_value(plan, k, i));
    }
    trials.push_back(make_trial(static_cast<int>(i), std::move(values), plan.keys, names));
  }
  return trials;
}

// Sets `parts` in `root` to `value`, creating sections. Through a value that is not a
// section the path names no key: an UnknownKeyError.
void set_value(ConfigNode& root, const std::string& key, const std::vector<std::string>& parts, const ConfigNode& value) {
  ConfigNode* at = &root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    ConfigNode* child = at->find(parts[i]);
    if (child && !child->is_null() && !child->is_map())
      config_fail_unknown_key(value.origin, shown_key(key),
                              "not a configuration key: " + quote_user_text(parts[i]) + " is not a section");
    at = &at->at(parts[i]);
    if (at->is_null()) {
      at->kind = ConfigNode::Kind::map;
      at->origin = value.origin;
    }
  }
  at->at(parts.back()) = value;
}

std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1)
    parts.push_back(key.substr(start, dot - start));
  parts.push_back(key.substr(start));
  return parts;
}

bool holds_a_mapping(const ConfigNode& n) {
  if (n.is_map()) return true;
  for (const auto& item : n.items)
    if (holds_a_mapping(item)) return true;
  return false;
}

// Whether every value of `t` sets a key the resolved base configuration has, to a value
// without keys of its own: then no key can be unknown, whatever the values (the common
// case, checked without loading anything).
bool only_known_keys(const ConfigNode& resolved, const TrialSpec& t) {
  for (const auto& v : t.values) {
    if (holds_a_mapping(v.value)) return false;
    const ConfigNode* at = &resolved;
    for (const auto& part : split_key(v.key))
      if (!(at = at->find(part))) return false;
  }
  return true;
}

ConfigNode base_tree(const Settings& base) {
  ConfigNode root = base.source;
  auto& e = root.entries;
  e.erase(std::remove_if(e.begin(), e.end(), [](const auto& kv) { return kv.first == "sweep"; }), e.end());
  return root;
}

Settings load_with(const Settings& base, ConfigNode root, const std::vector<SweptValue>& values) {
  for (const auto& v : values) set_value(root, v.key, split_key(v.key), v.value);
  return settings_from_tree(std::move(root), base.config_path, base.config_dir, {});
}

[[noreturn]] void fail_unknown_key(const UnknownKeyError& e) {
  throw UserError(std::string(e.what()) + " (a key of the sweep; sweep only keys listed by hyperpetsc --help)");
}

// A key whose path runs through a value of the resolved base configuration (every default
// filled in), such as hyperparameters.init.x, names nothing whatever the trial's values.
void check_not_inside_a_value(const ConfigNode& resolved, const SweptValue& v) {
  const std::vector<std::string> parts = split_key(v.key);
  const ConfigNode* at = &resolved;
  for (std::size_t i = 0; i + 1 < parts.size() && at; ++i) {
    at = at->find(parts[i]);
    if (at && !at->is_null() && !at->is_map())
      fail_unknown_key(UnknownKeyError(config_message(
          v.value.origin, shown_key(v.key), "not a configuration key: " + quote_user_text(parts[i]) + " is not a section")));
  }
}

}  // namespace

ConfigNode checked_sweep_section(const ConfigNode& sweep) {
  plan_sweep(sweep);
  return sweep;
}

std::vector<TrialSpec> expand_sweep(const ConfigNode& sweep) { return expand(plan_sweep(sweep)); }

std::vector<TrialSpec> sweep_trials(const Settings& base) {
  if (!base.sweep) return {};
  std::vector<TrialSpec> trials = expand_sweep(*base.sweep);
  const ConfigNode root = base_tree(base);
  const ConfigNode resolved = parse_yaml(base.resolved_yaml, base.config_path);
  std::set<std::string> checked_paths;
  for (const auto& t : trials)
    for (const auto& v : t.values)
      if (checked_paths.insert(v.key).second) check_not_inside_a_value(resolved, v);
  // Values already loaded alone (as their YAML at their key) that are no unknown key.
  std::set<std::string> known;
  for (const auto& t : trials) {
    if (only_known_keys(resolved, t)) continue;
    try {
      load_with(base, root, t.values);
      continue;
    } catch (const UnknownKeyError& e) {
      fail_unknown_key(e);
    } catch (const UserError&) {
      // A bad value, or several; it may hide an unknown key in a later section: load
      // each value alone (the base is valid, so only an unknown key can fail as such).
    }
    for (std::size_t i = 0; i < t.values.size(); ++i) {
      if (!known.insert(t.overrides[i]).second) continue;
      try {
        load_with(base, root, {t.values[i]});
      } catch (const UnknownKeyError& e) {
        fail_unknown_key(e);
      } catch (const UserError&) {
        // A bad value: this trial fails when it runs.
      }
    }
  }
  return trials;
}

std::string trial_folder(const std::string& sweep_dir, int index) {
  return (std::filesystem::path(sweep_dir) / "trials" / std::to_string(index)).string();
}

Settings trial_settings(const Settings& base, const TrialSpec& trial) {
  ConfigNode root = base_tree(base);
  ConfigNode dir = ConfigNode::make_scalar(trial_folder(run_folder(base.run, base.config_path), trial.index), true);
  dir.origin = base.sweep ? base.sweep->origin : root.origin;
  set_value(root, "run.dir", {"run", "dir"}, dir);
  return load_with(base, std::move(root), trial.values);
}

std::string sweep_section_help() {
  return "trials over other keys' values: one of grid, list, random; each in run.dir/trials/<index>";
}

std::string sweep_keys_help(int indent) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  return pad + "grid: {KEY: [values], ...}          every combination, the first key varies slowest\n" +
         pad + "list: [{KEY: value, ...}, ...]      one trial per item\n" +
         pad + "random: {samples: N, seed: 0, space: {KEY: {uniform: [a, b]} | {log_uniform: [a, b]} | {choice: [values]}}}\n" +
         pad + "(KEY: any dotted key, e.g. hyperparameters.init, except run.*, store, sweep.*; at most " +
         std::to_string(kMaxSweepTrials) + " trials)\n";
}

}  // namespace hp
