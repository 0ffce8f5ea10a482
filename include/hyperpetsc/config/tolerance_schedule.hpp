// An inexactness schedule (in the spirit of HOAG, Pedregosa 2016): a relative tolerance
// that may shrink with the outer step,
//     tol_s = max(floor, tol · decay^s)   (schedule: geometric),   tol_s = tol   (constant).
// It is a function of the step alone, so a resumed run recomputes it from the step counter.
// The keys (tol, schedule, decay, floor) are declared once here and added to the `inner`
// and `hypergradient` tables.
#pragma once
#include <cmath>
#include <string>

#include "hyperpetsc/config/key_table.hpp"

namespace hp {

struct ToleranceSchedule {
  double tol = 0.0;               // 0: no tolerance (fixed iteration counts)
  bool geometric = false;         // schedule: constant | geometric
  double decay = 0.9;             // geometric: factor per outer step
  double floor = 0.0;             // geometric: the smallest tolerance

  double at(long long step) const {
    if (tol <= 0 || !geometric) return tol;
    return std::fmax(floor, tol * std::pow(decay, static_cast<double>(step)));
  }
};

// The four keys, bound to `m`; `what` says what the tolerance stops (for the help).
template <class S>
KeyTable<S>&& add_tolerance_keys(KeyTable<S>&& table, ToleranceSchedule S::*m, const char* tol_help,
                                 NumberRange tol_range) {
  auto tol = key_entry<S>("tol", "number", "0", tol_help);
  tol.range_text = tol_range.describe();
  tol.invalid_examples = {"-1", "abc", ".nan"};
  tol.set_default = [m](S& s) { (s.*m).tol = 0.0; };
  tol.read = [m, tol_range](S& s, const ConfigNode& n, const std::string& key, const ParseContext&) {
    (s.*m).tol = parse_number(n, key, tol_range);
  };
  tol.write = [m](const S& s) { return ConfigNode::make_scalar(format_number((s.*m).tol)); };

  auto schedule = key_entry<S>("schedule", "choice", "constant",
                               "how tol changes per outer step: constant, or geometric (tol·decay^step, down to floor)");
  schedule.choices = [] {
    return std::vector<NamedChoice>{{"constant", "the same tol at every outer step"},
                                    {"geometric", "tol · decay^step, never below floor"}};
  };
  schedule.invalid_examples = {"linear", "[geometric]"};
  schedule.set_default = [m](S& s) { (s.*m).geometric = false; };
  schedule.read = [m, c = schedule.choices](S& s, const ConfigNode& n, const std::string& key, const ParseContext&) {
    (s.*m).geometric = parse_choice(n, key, c()) == "geometric";
  };
  schedule.write = [m](const S& s) { return ConfigNode::make_scalar((s.*m).geometric ? "geometric" : "constant"); };
  // `schedule` (and decay, floor) may stay in a file while tol is set to 0 from the
  // command line: they then have no effect.
  const auto only_geometric = [m](const S& s) {
    return (s.*m).geometric ? std::string() : std::string("only used with schedule: geometric");
  };
  auto decay = key_entry<S>("decay", "number", "0.9", "geometric: the factor per outer step");
  const NumberRange decay_range = {0, 1, true, false};  // (0, 1]
  decay.range_text = decay_range.describe();
  decay.invalid_examples = {"0", "1.5", "-0.5"};
  decay.set_default = [m](S& s) { (s.*m).decay = 0.9; };
  decay.read = [m, decay_range](S& s, const ConfigNode& n, const std::string& key, const ParseContext&) {
    (s.*m).decay = parse_number(n, key, decay_range);
  };
  decay.write = [m](const S& s) { return ConfigNode::make_scalar(format_number((s.*m).decay)); };
  decay.applies = only_geometric;

  auto floor = key_entry<S>("floor", "number", "0", "geometric: the tolerance never goes below this");
  floor.range_text = tol_range.describe();
  floor.invalid_examples = {"-1", "abc"};
  floor.set_default = [m](S& s) { (s.*m).floor = 0.0; };
  floor.read = [m, tol_range](S& s, const ConfigNode& n, const std::string& key, const ParseContext&) {
    (s.*m).floor = parse_number(n, key, tol_range);
  };
  floor.write = [m](const S& s) { return ConfigNode::make_scalar(format_number((s.*m).floor)); };
  floor.applies = only_geometric;

  return std::move(table).custom(std::move(tol)).custom(std::move(schedule)).custom(std::move(decay)).custom(std::move(floor));
}

}  // namespace hp
