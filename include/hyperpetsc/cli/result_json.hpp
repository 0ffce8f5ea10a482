#pragma once
#include <vector>

#include "hyperpetsc/cli/experiment.hpp"
#include "hyperpetsc/cli/json_writer.hpp"

namespace hp {

// The per-method fields shared by `hypergrad` and `compare` output.
void write_result_fields(JsonWriter& j, const Experiment& ex, const HypergradientMethod& method,
                         const HypergradientResult& r, double norm, const std::vector<double>& g);

}  // namespace hp
