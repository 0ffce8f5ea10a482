#include "hyperpetsc/engine/settings.hpp"

#include <filesystem>

#include "hyperpetsc/config/yaml_source.hpp"
#include "hyperpetsc/data/dataset_settings.hpp"
#include "hyperpetsc/methods/hypergradient_method.hpp"
#include "hyperpetsc/outer/outer_optimizer.hpp"
#include "hyperpetsc/problems/problem_registry.hpp"
#include "hyperpetsc/service/sweep_spec.hpp"

namespace hp {

namespace {

// The top-level keys: every section, in the order they are written and documented.
struct TopLevelEntry {
  std::string name;
  std::string help;
  std::function<void(Settings&, const ConfigNode* node, const ParseContext&)> read;
  std::function<ConfigNode(const Settings&)> write;
  std::function<std::string(int indent)> keys_help;
};

template <class S>
TopLevelEntry section(const KeyTable<S>& table, S Settings::*m) {
  return {table.section(), table.help(),
          [&table, m](Settings& s, const ConfigNode* n, const ParseContext& ctx) {
            table.parse(s.*m, n, table.section(), ctx);
          },
          [&table, m](const Settings& s) {
            ConfigNode n;
            table.write(s.*m, n);
            return n;
          },
          [&table](int indent) { return table.help_text(indent); }};
}

const std::vector<TopLevelEntry>& top_level() {
  static const std::vector<TopLevelEntry> entries = {
      {"problem", problem_common_table().help(),
       [](Settings& s, const ConfigNode* n, const ParseContext& ctx) { s.problem = parse_problem(n, ctx); },
       [](const Settings& s) { return write_problem(s.problem); }, problem_help},
      section(hyperparameters_table(), &Settings::hyperparameters),
      section(inner_table(), &Settings::inner),
      section(hypergradient_table(), &Settings::hypergradient),
      section(outer_table(), &Settings::outer),
      section(run_table(), &Settings::run),
      {"store", "the run store: an SQLite file (hyperpetsc run; --store wins)",
       [](Settings& s, const ConfigNode* n, const ParseContext&) {
         s.store = n && !n->is_null() ? parse_text(*n, "store") : kDefaultStorePath;
         if (s.store.empty()) config_fail(n->origin, "store", "is empty; give the path of the run store's file");
       },
       [](const Settings& s) { return ConfigNode::make_scalar(s.store, true); },
       [](int indent) {
         return std::string(static_cast<size_t>(indent), ' ') + kDefaultStorePath + "  (relative: to the working folder)\n";
       }},
      {"petsc_options", "PETSc options applied first (the command line wins)",
       [](Settings& s, const ConfigNode* n, const ParseContext&) {
         if (n && !n->is_null()) s.petsc_options = parse_text(*n, "petsc_options");
       },
       [](const Settings& s) { return ConfigNode::make_scalar(s.petsc_options, true); },
       [](int indent) { return std::string(static_cast<size_t>(indent), ' ') + "\"-adjoint_ksp_monitor ...\"\n"; }},
      {"sweep", sweep_section_help(),
       [](Settings& s, const ConfigNode* n, const ParseContext&) {
         if (n && !n->is_null()) s.sweep = checked_sweep_section(*n);
       },
       [](const Settings& s) { return s.sweep ? *s.sweep : ConfigNode{}; }, sweep_keys_help},
  };
  return entries;
}

// Choices in one section that another section's choice rules out: an inner solver that
// ITD cannot differentiate through (inner.solver: tao) with itd or truncated_itd.
void check_inner_solver_fits_method(const Settings& s) {
  const MethodEntry* method = method_registry().find(s.hypergradient.method);
  const InnerSolverEntry* inner = inner_solvers().find(s.inner.solver);
  if (!method || !inner || !method->needs_inner_trajectory || inner->differentiable) return;
  const ConfigNode* section = s.source.find("inner");
  const ConfigNode* key = section ? section->find("solver") : nullptr;
  config_fail(key ? key->origin : s.source.origin, "inner.solver",
              inner->name + " cannot be used with hypergradient.method: " + method->name + ", which differentiates "
              "through the gradient-descent recursion of the inner steps; use an aid_* method (e.g. aid_cg) with " +
              inner->name + ", or inner.solver: gradient_descent or heavy_ball with " + method->name);
}

Settings from_tree(ConfigNode root, const std::string& name, const std::string& dir,
                   const std::vector<std::string>& overrides) {
  Settings s;
  s.config_path = name;
  s.config_dir = dir;
  root.origin.file = name;
  for (const auto& o : overrides) apply_set_override(root, o);
  std::vector<std::string> sections;
  for (const auto& e : top_level()) sections.push_back(e.name);
  if (root.is_null()) root.kind = ConfigNode::Kind::map;
  key_table_detail::check_section(&root, "", sections);
  s.source = root;
  const ParseContext ctx{dir};
  for (const auto& e : top_level()) e.read(s, root.find(e.name), ctx);
  check_inner_solver_fits_method(s);
  ConfigNode resolved;
  resolved.kind = ConfigNode::Kind::map;
  for (const auto& e : top_level())
    if (ConfigNode n = e.write(s); !n.is_null()) resolved.at(e.name) = std::move(n);  // no sweep: no key
  s.resolved_yaml = emit_yaml(resolved);
  return s;
}

}  // namespace

Settings load_settings(const std::string& path, const std::vector<std::string>& overrides) {
  std::error_code ec;
  const std::string dir = std::filesystem::absolute(path, ec).parent_path().string();
  return from_tree(load_yaml_file(path), path, dir, overrides);
}

Settings settings_from_tree(ConfigNode root, const std::string& name, const std::string& dir,
                            const std::vector<std::string>& overrides) {
  return from_tree(std::move(root), name, dir, overrides);
}

Settings settings_from_text(const std::string& text, const std::string& name, const std::string& dir,
                            const std::vector<std::string>& overrides) {
  return from_tree(parse_yaml(text, name), name, dir, overrides);
}

std::string settings_help() {
  std::string out = "Configuration keys (YAML), with defaults:\n";
  for (const auto& e : top_level()) out += "  " + e.name + ":  (" + e.help + ")\n" + e.keys_help(4);
  out += "  Data sections (problem.train, problem.val, problem.test):\n" + dataset_help(4);
  out += "\nProblems (problem.type):\n" + problem_registry().help_text(2);
  out += "\nMethods (hypergradient.method; also aid_<any PETSc KSP type>, e.g. aid_bcgs):\n" +
         method_registry().help_text(2);
  out += "\nInner solvers (inner.solver):\n" + inner_solvers().help_text(2);
  out += "\nOuter optimizers (outer.optimizer):\n" + outer_optimizers().help_text(2);
  out += "\nData formats (format):\n" + data_formats().help_text(2);
  return out;
}

}  // namespace hp
