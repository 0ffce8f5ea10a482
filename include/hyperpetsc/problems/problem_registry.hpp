// Bilevel problems by name (`problem.type`). An entry declares its own keys of the
// `problem` section (any shape: nested sections are fine), parses them, and builds the
// problem, loading what data it needs through data/. Adding a problem is one file and
// one line in problem_registry.cpp (or problem_registry().add(...) at run time).
#pragma once
#include <mpi.h>

#include <any>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hyperpetsc/config/key_table.hpp"
#include "hyperpetsc/config/registry.hpp"
#include "hyperpetsc/problems/bilevel_problem.hpp"
#include "hyperpetsc/problems/problem_settings.hpp"

namespace hp {

// What a caller asks of an entry's build beyond the settings.
struct ProblemBuildOptions {
  // Re-train on train ∪ validation (run.refit): the training set is the training split's
  // rows followed by the validation split's; validation and test stay as they are. Only
  // entries with can_refit support it.
  bool refit = false;
};

struct ProblemEntry {
  std::string name;
  std::string help;
  std::vector<std::string> keys;             // its keys in `problem`
  std::function<std::string(int indent)> keys_help;
  // Parse its keys from the `problem` section (`common`: keys parsed elsewhere).
  std::function<std::any(const ConfigNode& section, const ParseContext& ctx,
                         const std::vector<std::string>& common)> parse;
  std::function<void(const std::any& options, ConfigNode& section)> write;
  // Collective; throws hp::UserError for bad data.
  std::function<std::unique_ptr<BilevelProblem>(MPI_Comm comm, const ProblemSettings& problem,
                                                const HyperparameterSettings& hyper,
                                                const ProblemBuildOptions& how)> build;
  bool can_refit = false;  // build honours how.refit (else make_problem refuses it)
};

Registry<ProblemEntry>& problem_registry();

namespace detail {
// An entry's name, help and keys from one KeyTable<Options>; build is left to the caller.
template <class Options>
ProblemEntry problem_entry_keys(std::string name, std::string help, const KeyTable<Options>& table) {
  ProblemEntry e;
  e.name = std::move(name);
  e.help = std::move(help);
  e.keys = table.names();
  e.keys_help = [&table](int indent) { return table.help_text(indent); };
  e.parse = [&table](const ConfigNode& section, const ParseContext& ctx, const std::vector<std::string>& common) {
    return std::any(table.parse(&section, "problem", ctx, common));
  };
  e.write = [&table](const std::any& options, ConfigNode& section) {
    table.write(std::any_cast<const Options&>(options), section);
  };
  return e;
}
}  // namespace detail

// An entry whose own keys are one KeyTable<Options>; `build` gets the parsed options.
// Built this way the entry cannot refit; the overload below can.
template <class Options>
ProblemEntry make_problem_entry(
    std::string name, std::string help, const KeyTable<Options>& table,
    std::function<std::unique_ptr<BilevelProblem>(MPI_Comm, const Options&, const ProblemSettings&,
                                                  const HyperparameterSettings&)> build) {
  ProblemEntry e = detail::problem_entry_keys(std::move(name), std::move(help), table);
  e.build = [build](MPI_Comm comm, const ProblemSettings& p, const HyperparameterSettings& h,
                    const ProblemBuildOptions&) {
    return build(comm, std::any_cast<const Options&>(p.options), p, h);
  };
  return e;
}

// The same for a `build` that honours ProblemBuildOptions (refit included).
template <class Options>
ProblemEntry make_problem_entry(
    std::string name, std::string help, const KeyTable<Options>& table,
    std::function<std::unique_ptr<BilevelProblem>(MPI_Comm, const Options&, const ProblemSettings&,
                                                  const HyperparameterSettings&, const ProblemBuildOptions&)>
        build) {
  ProblemEntry e = detail::problem_entry_keys(std::move(name), std::move(help), table);
  e.build = [build](MPI_Comm comm, const ProblemSettings& p, const HyperparameterSettings& h,
                    const ProblemBuildOptions& how) {
    return build(comm, std::any_cast<const Options&>(p.options), p, h, how);
  };
  e.can_refit = true;
  return e;
}

// Build the problem named by `problem.type`. Collective. A refit of a problem whose entry
// cannot refit is an hp::UserError naming run.refit.
std::unique_ptr<BilevelProblem> make_problem(MPI_Comm comm, const ProblemSettings& problem,
                                             const HyperparameterSettings& hyper,
                                             const ProblemBuildOptions& how = {});

// Whether `problem.type` names an entry that can refit (for checking a configuration
// before any data are read). False for an unknown type.
bool problem_can_refit(const ProblemSettings& problem);

}  // namespace hp
