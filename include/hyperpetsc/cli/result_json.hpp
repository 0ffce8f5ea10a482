#pragma once
#include <vector>

#include "hyperpetsc/petsc/json_writer.hpp"
#include "hyperpetsc/engine/hypergradient_session.hpp"

namespace hp {

// The per-method fields shared by `hypergrad` and `compare` output.
void write_result_fields(JsonWriter& j, const HypergradientSession& session, const HypergradientMethod& method,
                         const HypergradientResult& r, double norm, const std::vector<double>& g);

}  // namespace hp
