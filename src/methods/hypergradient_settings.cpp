#include "hyperpetsc/methods/hypergradient_settings.hpp"

#include "hyperpetsc/methods/hypergradient_method.hpp"

namespace hp {

namespace {

KeyEntry<HypergradientSettings> method_entry() {
  static const char* const kDefault = "aid_cg";
  auto e = key_entry<HypergradientSettings>("method", "choice", kDefault, "the hypergradient method (see Methods below)");
  e.choices = [] { return method_registry().choices(); };
  e.invalid_examples = {"aid_foo", "newton", "[itd]"};
  e.set_default = [](HypergradientSettings& s) { s.method = kDefault; };
  e.read = [](HypergradientSettings& s, const ConfigNode& n, const std::string& key, const ParseContext&) {
    s.method = parse_text(n, key);
    const std::string why = unknown_method_message(s.method);
    if (!why.empty()) config_fail(n.origin, key, why);
  };
  e.write = [](const HypergradientSettings& s) { return ConfigNode::make_scalar(s.method); };
  return e;
}

}  // namespace

const KeyTable<HypergradientSettings>& hypergradient_table() {
  static const KeyTable<HypergradientSettings> t =
      add_tolerance_keys(KeyTable<HypergradientSettings>("hypergradient", "the hypergradient method and its k")
                             .custom(method_entry())
                             .integer("iterations", &HypergradientSettings::iterations, 100, 0, 2147483647LL,
                                      "k, adjoint or backward iterations (a maximum when tol > 0)"),
                         &HypergradientSettings::tol,
                         "relative residual ‖b − Av‖/‖b‖ of the adjoint solve to stop at; 0 runs exactly k iterations",
                         NumberRange::half_open(0, 1))
          .boolean("warm_start", &HypergradientSettings::warm_start, true,
                   "outer steps start the adjoint from the previous v_k (AID methods)")
          .integer("checkpoints", &HypergradientSettings::checkpoints, 0, 0, 2147483647LL,
                   "itd/truncated_itd: states stored on a binomial schedule, the others recomputed in the "
                   "reverse sweep; 0 (or at least the steps reversed) stores every iterate");
  return t;
}

}  // namespace hp
