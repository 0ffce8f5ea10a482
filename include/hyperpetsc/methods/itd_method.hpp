#pragma once
#include "hyperpetsc/methods/hypergradient_method.hpp"

namespace hp {

// itd (truncated = false) and truncated_itd (K = hypergradient.iterations), storing every
// iterate or, with request.checkpoints = N > 0, N states on a binomial schedule.
class ItdMethod final : public HypergradientMethod {
 public:
  explicit ItdMethod(bool truncated) : truncated_(truncated) {}
  std::string name() const override { return truncated_ ? "truncated_itd" : "itd"; }
  HypergradientResult compute(BilevelProblem& problem, const InnerSolver& inner,
                              const HypergradientRequest& request) override;

 private:
  bool truncated_;
  // Kept across calls (an outer loop): its pre-faulted block is reused when the shape repeats.
  Trajectory trajectory_;
};

}  // namespace hp
