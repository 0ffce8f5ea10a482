#include "hyperpetsc/cli/result_json.hpp"

namespace hp {

void write_result_fields(JsonWriter& j, const HypergradientSession& session, const HypergradientMethod& method,
                         const HypergradientResult& r, double norm, const std::vector<double>& g) {
  j.key_value("method", method.name());
  j.key_value("problem", const_cast<HypergradientSession&>(session).problem().name());
  j.key_value("inner_solver", session.inner().name());
  j.key_value("step_size", session.step_size());
  j.key_value("t", static_cast<long long>(r.t));
  j.key_value("k", static_cast<long long>(r.k));
  j.key_value("outer_objective", r.outer_objective);
  j.key_value("hypergradient_norm", norm);
  j.key_value("linear_solver_iterations", static_cast<long long>(r.linear_solver_iterations));
  j.key_value("converged_reason", r.converged_reason);
  j.key_array("hypergradient", g);
}

}  // namespace hp
