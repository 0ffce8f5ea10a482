#include "hyperpetsc/outer/outer_settings.hpp"

#include "hyperpetsc/outer/outer_optimizer.hpp"

namespace hp {

namespace {
// "" if the chosen optimiser reads `key`, else which optimisers do.
std::function<std::string(const OuterSettings&)> used_by_optimizer(const char* key) {
  return [key](const OuterSettings& s) {
    const OuterOptimizerEntry* chosen = outer_optimizers().find(s.optimizer);
    std::string users;
    for (const auto& e : outer_optimizers().entries())
      for (const auto& k : e.keys)
        if (k == key) {
          if (&e == chosen) return std::string();
          users += (users.empty() ? "" : " | ") + e.name;
        }
    return "only used with outer.optimizer: " + users;
  };
}
}  // namespace

const KeyTable<OuterSettings>& outer_table() {
  static const KeyTable<OuterSettings> t =
      KeyTable<OuterSettings>("outer", "the outer optimiser (hyperpetsc run)")
          .choice("optimizer", &OuterSettings::optimizer, "adam", [] { return outer_optimizers().choices(); },
                  "how λ moves along −ĝ")
          .number("learning_rate", &OuterSettings::learning_rate, 0.05, NumberRange::above(0), "step length")
          .only_when(used_by_optimizer("learning_rate"))
          .number("momentum", &OuterSettings::momentum, 0.9, NumberRange::half_open(0, 1), "sgd: heavy-ball momentum")
          .only_when(used_by_optimizer("momentum"))
          .number("beta1", &OuterSettings::beta1, 0.9, NumberRange::half_open(0, 1), "adam: first-moment decay")
          .only_when(used_by_optimizer("beta1"))
          .number("beta2", &OuterSettings::beta2, 0.999, NumberRange::half_open(0, 1), "adam: second-moment decay")
          .only_when(used_by_optimizer("beta2"))
          .number("epsilon", &OuterSettings::epsilon, 1e-8, NumberRange::above(0), "adam: denominator floor")
          .only_when(used_by_optimizer("epsilon"))
          .integer("iterations", &OuterSettings::iterations, 100, 0, 100000000, "outer steps at most")
          .number("max_seconds", &OuterSettings::max_seconds, 0.0, NumberRange::at_least(0), "wall-clock limit; 0: none")
          .integer("patience", &OuterSettings::patience, 0, 0, 100000000,
                   "stop after this many steps without a better validation loss; 0: never")
          .number("tol", &OuterSettings::tol, 0.0, NumberRange::at_least(0), "stop when ‖ĝ‖ <= tol; 0: never");
  return t;
}

}  // namespace hp
