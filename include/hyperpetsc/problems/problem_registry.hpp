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
                                                const HyperparameterSettings& hyper)> build;
};

Registry<ProblemEntry>& problem_registry();

// An entry whose own keys are one KeyTable<Options>; `build` gets the parsed options.
template <class Options>
ProblemEntry make_problem_entry(
    std::string name, std::string help, const KeyTable<Options>& table,
    std::function<std::unique_ptr<BilevelProblem>(MPI_Comm, const Options&, const ProblemSettings&,
                                                  const HyperparameterSettings&)> build) {
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
  e.build = [build](MPI_Comm comm, const ProblemSettings& p, const HyperparameterSettings& h) {
    return build(comm, std::any_cast<const Options&>(p.options), p, h);
  };
  return e;
}

// Build the problem named by `problem.type`. Collective.
std::unique_ptr<BilevelProblem> make_problem(MPI_Comm comm, const ProblemSettings& problem,
                                             const HyperparameterSettings& hyper);

}  // namespace hp
