#include "hyperpetsc/inner/inner_settings.hpp"

#include "hyperpetsc/inner/momentum_iteration.hpp"
#include "hyperpetsc/inner/tao_inner_solver.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

Registry<InnerSolverEntry>& inner_solvers() {
  static Registry<InnerSolverEntry> r({
      {"gradient_descent", "w_{i+1} = Φ(w_i, λ)", false, true,
       [](const InnerSettings&) { return std::make_unique<MomentumIteration>("gradient_descent", 0.0); }},
      {"heavy_ball", "w_{i+1} = Φ(w_i, λ) + β(w_i − w_{i−1}), β = inner.momentum", true, true,
       [](const InnerSettings& s) { return std::make_unique<MomentumIteration>("heavy_ball", s.momentum); }},
      {"tao", "min_w L(w, λ) by a PETSc TAO method (-inner_tao_type, default lmvm); AID methods only", false,
       false, [](const InnerSettings&) { return std::make_unique<TaoInnerSolver>("tao"); }},
  });
  return r;
}

std::unique_ptr<InnerSolver> make_inner_solver(const InnerSettings& inner) {
  const InnerSolverEntry* e = inner_solvers().find(inner.solver);
  if (!e)
    throw UserError("inner.solver: unknown solver " + quote_user_text(inner.solver) + "; choose " +
                    choice_names(inner_solvers().choices()));
  return e->make(inner);
}

namespace {

// `step_size`: a positive number, or auto (1/L_max, always contractive).
KeyEntry<InnerSettings> step_size_entry() {
  auto e = key_entry<InnerSettings>("step_size", "number | auto", "auto",
                                    "η of the gradient step; auto = 1/L from a Lanczos estimate");
  e.range_text = "> 0";
  e.invalid_examples = {"0", "-1", "fast", ".inf"};
  e.set_default = [](InnerSettings& s) {
    s.step_auto = true;
    s.step_size = 0.0;
  };
  e.read = [](InnerSettings& s, const ConfigNode& n, const std::string& key, const ParseContext&) {
    if (n.is_scalar() && n.scalar == "auto") return;
    s.step_auto = false;
    s.step_size = parse_number(n, key, NumberRange::above(0));
  };
  e.write = [](const InnerSettings& s) {
    return ConfigNode::make_scalar(s.step_auto ? "auto" : format_number(s.step_size));
  };
  return e;
}

}  // namespace

const KeyTable<InnerSettings>& inner_table() {
  static const KeyTable<InnerSettings> t = add_tolerance_keys(
      KeyTable<InnerSettings>("inner", "the inner solver: w_t from w_0 (0, or the previous w_t in run; t = iterations)")
          .choice("solver", &InnerSettings::solver, "gradient_descent", [] { return inner_solvers().choices(); },
                  "how w_t is computed (see Inner solvers below)")
          .custom(step_size_entry())
          .integer("iterations", &InnerSettings::iterations, 100, 0, 2147483647LL, "t, the inner steps (TAO iterations for tao; a maximum when tol > 0)")
          .number("momentum", &InnerSettings::momentum, 0.9, NumberRange::half_open(0, 1), "β of heavy_ball")
          .only_when([](const InnerSettings& s) {
            const InnerSolverEntry* e = inner_solvers().find(s.solver);
            if (e && e->uses_momentum) return std::string();
            std::string users;
            for (const auto& x : inner_solvers().entries())
              if (x.uses_momentum) users += (users.empty() ? "" : " | ") + x.name;
            return "only used with inner.solver: " + users;
          })
          .boolean("warm_start", &InnerSettings::warm_start, true,
                   "outer steps start from the previous w_t (hypergrad and compare: always 0)"),
      &InnerSettings::tol,
      "stop the inner solver when ‖∇_wL(w_i)‖ <= tol·‖∇_wL(0)‖ (for a gradient step: ‖Φ(w_i) − w_i‖ relative to "
      "the cold start); 0 runs exactly `iterations` steps",
      NumberRange::half_open(0, 1));
  return t;
}

}  // namespace hp
