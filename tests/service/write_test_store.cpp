// Writes a small run store through the real API for tests/cli/cli_runs.sh:
//   write_test_store PATH
// trial 1 COMPLETED with three steps (one with NULLs), trial 2 FAILED with an error holding
// terminal escapes, trial 3 left RUNNING by this process, which then exits (so the next
// open marks it INTERRUPTED: its pid is gone).
#include <cstdio>
#include <exception>

#include "hyperpetsc/service/run_store.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PATH\n", argv[0]);
    return 1;
  }
  try {
    hp::RunStore store(argv[1]);
    const long long e = store.create_experiment("demo", "outer: {steps: 3}\n");
    const long long done = store.start_trial(e, R"({"lambda0": -1.5, "method": "aid_cg"})", "runs/demo/1", 2);
    hp::StepRow r;
    for (long long s = 0; s < 3; ++s) {
      r.step = s;
      r.seconds = 0.5 * (s + 1);
      r.train_loss = 0.9 - 0.1 * s;
      r.val_loss = 1.0 - 0.1 * s;
      r.hypergradient_norm = s == 1 ? std::optional<double>() : std::optional<double>(0.01 / (s + 1));
      r.inner_iterations = 100;
      store.add_step(done, r);
    }
    store.finish_trial(done, hp::TrialStatus::completed, {0.8, 0.8, 0.75, 1.5});
    const long long failed = store.start_trial(e, R"({"lambda0": 3.0, "method": "itd"})", "runs/demo/2", 2);
    store.finish_trial(failed, hp::TrialStatus::failed, {}, "inner solve diverged \x1b[31mred\x1b[0m at step 7");
    store.start_trial(e, R"({"lambda0": 0.0, "method": "aid_fp"})", "runs/demo/3", 1);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "write_test_store: %s\n", ex.what());
    return 1;
  }
  return 0;
}
