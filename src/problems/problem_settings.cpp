#include "hyperpetsc/problems/problem_settings.hpp"

#include <filesystem>

#include "hyperpetsc/petsc/user_text.hpp"
#include "hyperpetsc/problems/data_placement.hpp"
#include "hyperpetsc/problems/problem_registry.hpp"

namespace hp {

const KeyTable<ProblemSettings>& problem_common_table() {
  static const KeyTable<ProblemSettings> t =
      KeyTable<ProblemSettings>("problem", "the bilevel problem and its data")
          .choice("type", &ProblemSettings::type, "logistic_l2", [] { return problem_registry().choices(); },
                  "the problem (see Problems below)")
          .choice("layout", &ProblemSettings::layout, "auto", data_layout_choices,
                  "how X is stored and multiplied (performance only)")
          .choice("feature_distribution", &ProblemSettings::feature_distribution, "balanced",
                  feature_distribution_choices, "which rank owns which feature (performance only)");
  return t;
}

namespace {

// `bounds: [lo, hi]`: the box outer optimisers keep λ in (a projection, or TAO's bounds).
KeyEntry<HyperparameterSettings> bounds_entry() {
  auto e = key_entry<HyperparameterSettings>("bounds", "[lo, hi]", "[-700, 700]",
                                             "the box the outer optimiser keeps every λ_j in");
  e.range_text = "-700 <= lo < hi <= 700";
  e.invalid_examples = {"[1, 0]", "[-800, 0]", "5", "[0]", "[a, b]"};
  e.set_default = [](HyperparameterSettings& s) {
    s.lower = -700.0;
    s.upper = 700.0;
  };
  e.read = [](HyperparameterSettings& s, const ConfigNode& n, const std::string& key, const ParseContext&) {
    if (n.kind != ConfigNode::Kind::list || n.items.size() != 2)
      config_fail(n.origin, key, "expected two numbers [lo, hi]");
    s.lower = parse_number(n.items[0], key, NumberRange::closed(-700, 700));
    s.upper = parse_number(n.items[1], key, NumberRange::closed(-700, 700));
    if (!(s.lower < s.upper)) config_fail(n.origin, key, "lo must be below hi");
  };
  e.write = [](const HyperparameterSettings& s) {
    ConfigNode n;
    n.kind = ConfigNode::Kind::list;
    n.items = {ConfigNode::make_scalar(format_number(s.lower)), ConfigNode::make_scalar(format_number(s.upper))};
    return n;
  };
  return e;
}

// `init`: a number for every λ_j, or a file with one value per λ_j (lambda.txt of a run).
KeyEntry<HyperparameterSettings> init_entry() {
  auto e = key_entry<HyperparameterSettings>("init", "number | path", "0",
                                             "initial λ_j (the penalty is exp(λ_j)), or a file with one value per "
                                             "λ_j a line (a run's lambda.txt); must lie within bounds");
  e.range_text = "in [-700, 700]";
  e.invalid_examples = {"800", ".nan", "[1, 2]"};
  e.set_default = [](HyperparameterSettings& s) {
    s.init = 0.0;
    s.init_file.clear();
  };
  e.read = [](HyperparameterSettings& s, const ConfigNode& n, const std::string& key, const ParseContext& ctx) {
    const std::string text = parse_text(n, key);
    char* end = nullptr;
    std::strtod(text.c_str(), &end);
    const bool numeric = !text.empty() && (*end == '\0' || text == ".nan" || text == ".inf" || text == "-.inf");
    if (numeric || text.find('/') == std::string::npos && text.find('.') == std::string::npos) {
      s.init = parse_number(n, key, NumberRange::closed(-700, 700));
      return;
    }
    namespace fs = std::filesystem;
    s.init_file = fs::path(text).is_absolute() ? text : (fs::path(ctx.config_dir) / text).lexically_normal().string();
  };
  e.write = [](const HyperparameterSettings& s) {
    return s.init_file.empty() ? ConfigNode::make_scalar(format_number(s.init)) : ConfigNode::make_scalar(s.init_file, true);
  };
  return e;
}

}  // namespace

const KeyTable<HyperparameterSettings>& hyperparameters_table() {
  static const KeyTable<HyperparameterSettings> t =
      KeyTable<HyperparameterSettings>("hyperparameters", "the outer variables λ")
          .custom(init_entry())
          .boolean("shared", &HyperparameterSettings::shared, false, "one λ for all features")
          .custom(bounds_entry())
          .check([](const HyperparameterSettings& s, const ConfigNode* node, const std::string& prefix) {
            if (s.init_file.empty() && (s.init < s.lower || s.init > s.upper)) {
              const ConfigNode* at = node ? node->find("init") : nullptr;
              config_fail(at ? at->origin : (node ? node->origin : ConfigOrigin{}), prefix + ".init",
                          "must lie within " + prefix + ".bounds [" + format_number(s.lower) + ", " +
                              format_number(s.upper) + "]");
            }
          });
  return t;
}

ProblemSettings parse_problem(const ConfigNode* node, const ParseContext& ctx) {
  if (!node || node->is_null())
    config_fail(node ? node->origin : ConfigOrigin{}, "problem",
                "missing section; give problem.type and the problem's data (see hyperpetsc --help)");
  // The type decides which other keys are allowed.
  ProblemSettings s;
  const ConfigNode* type = node->is_map() ? node->find("type") : nullptr;
  for (const auto& e : problem_common_table().entries())
    if (e.name == "type") e.set_default(s);
  if (type && !type->is_null()) s.type = parse_choice(*type, "problem.type", problem_registry().choices());
  const ProblemEntry* e = problem_registry().find(s.type);
  problem_common_table().parse(s, node, "problem", ctx, e->keys);
  s.options = e->parse(*node, ctx, problem_common_table().names());
  return s;
}

ConfigNode write_problem(const ProblemSettings& s) {
  ConfigNode n;
  problem_common_table().write(s, n);
  if (const ProblemEntry* e = problem_registry().find(s.type)) e->write(s.options, n);
  return n;
}

std::string problem_help(int indent) {
  std::string out = problem_common_table().help_text(indent);
  // Problems that share their keys (one table) are listed together.
  std::vector<std::pair<std::string, std::string>> groups;  // names, keys' help
  for (const auto& e : problem_registry().entries()) {
    const std::string keys = e.keys_help(indent + 2);
    bool merged = false;
    for (auto& g : groups)
      if (g.second == keys) {
        g.first += " | " + e.name;
        merged = true;
      }
    if (!merged) groups.emplace_back(e.name, keys);
  }
  for (const auto& g : groups)
    out += std::string(static_cast<size_t>(indent), ' ') + "with type: " + g.first + ":\n" + g.second;
  return out;
}

}  // namespace hp
