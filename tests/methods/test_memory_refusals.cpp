// Tiny inputs that would exhaust memory are refused before anything big is allocated, on
// every rank with the same message: a LIBSVM line with feature index 2147483647,
// problem.n_features = 2147483647, ITD with inner.iterations = 2147483647. While each
// case runs, a per-rank limit of 4 GB is set (so the verdict does not depend on the
// machine's size; the machine's own limit is tested in tests/petsc) and the address space
// is capped at 4 GB above its current size, so an allocation the check failed to prevent
// fails the test instead of swapping or meeting the OOM killer.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <fstream>
#include <string>

#include "hyperpetsc/inner/momentum_iteration.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/memory_budget.hpp"
#include "hyperpetsc/problems/problem_registry.hpp"
#include "small_problems.hpp"
#include "test_support.hpp"

namespace {

using hp::test::collective_user_error;

double address_space_bytes() {
  std::ifstream f("/proc/self/status");
  std::string name;
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmSize:", 0) == 0) return std::stod(line.substr(7)) * 1024;
  return 0;
}

// The message `f` throws on every rank, with the limits above meanwhile.
std::string refused(const std::function<void()>& f) {
  hp::set_memory_limit_per_rank(4e9, "the test's limit");
  rlimit old{};
  getrlimit(RLIMIT_AS, &old);
  rlimit capped = old;
  capped.rlim_cur = static_cast<rlim_t>(address_space_bytes() + 4e9);
  if (old.rlim_cur != RLIM_INFINITY && old.rlim_cur < capped.rlim_cur) capped.rlim_cur = old.rlim_cur;
  setrlimit(RLIMIT_AS, &capped);
  std::string msg;
  try {
    msg = collective_user_error(PETSC_COMM_WORLD, f);
  } catch (...) {
    setrlimit(RLIMIT_AS, &old);
    hp::set_memory_limit_per_rank(0, "");
    throw;
  }
  setrlimit(RLIMIT_AS, &old);
  hp::set_memory_limit_per_rank(0, "");
  return msg;
}

// The train/val/test options inside settings from small_settings, to edit.
hp::LabelledDataOptions& splits(hp::Settings& s) { return std::any_cast<hp::LabelledDataOptions&>(s.problem.options); }

TEST(MemoryRefusals, ALibsvmLineWithAHugeFeatureIndex) {
  const std::string dir = hp::test::shared_temp_dir(PETSC_COMM_WORLD);
  hp::test::write_file(PETSC_COMM_WORLD, dir + "/huge.svm", "1 2147483647:1\n");
  hp::test::write_file(PETSC_COMM_WORLD, dir + "/small.svm", "1 1:1\n2 2:1\n");
  hp::test::SmallSpec spec;
  hp::Settings s = hp::test::small_settings(spec);
  for (const char* type : {"ridge_l2", "logistic_l2"}) {
    s.problem.type = type;
    splits(s).train.format = "libsvm";
    splits(s).train.path = dir + "/huge.svm";
    splits(s).val.format = "libsvm";
    splits(s).val.path = dir + "/small.svm";
    const std::string msg = refused([&] { hp::make_problem(PETSC_COMM_WORLD, s.problem, s.hyperparameters); });
    EXPECT_HAS(msg, "problem.train: feature index 2147483647 in '" + dir + "/huge.svm'");
    // The smaller limit binds: the test's 4 GB, or what the machine has free right now
    // (a loaded machine can have less; that refusal is the right one then).
    EXPECT_HAS(msg, "GB per rank, more than the ");
    EXPECT_TRUE(msg.find("4.0 GB per rank that the test's limit allows") != std::string::npos ||
                msg.find("GB per rank this machine has available") != std::string::npos)
        << msg;
    EXPECT_HAS(msg, "check the feature indices in that file");
  }
}

TEST(MemoryRefusals, ProblemNFeaturesAtItsLargestValue) {
  hp::test::SmallSpec spec;
  hp::Settings s = hp::test::small_settings(spec);
  splits(s).n_features = 2147483647;
  const std::string msg = refused([&] { hp::make_problem(PETSC_COMM_WORLD, s.problem, s.hyperparameters); });
  EXPECT_HAS(msg, "problem.n_features = 2147483647 needs about");
  EXPECT_HAS(msg, "lower problem.n_features");
  // A synthetic split's own feature count, refused before its rows are generated.
  s = hp::test::small_settings(spec);
  splits(s).val.synthetic.features = 2147483647;
  EXPECT_HAS(refused([&] { hp::make_problem(PETSC_COMM_WORLD, s.problem, s.hyperparameters); }), "lower problem.val.features");
  // Many generated rows: refused before they are reserved.
  s = hp::test::small_settings(spec);
  splits(s).train.synthetic.rows = 500000000;
  splits(s).train.synthetic.features = 1;
  EXPECT_HAS(refused([&] { hp::make_problem(PETSC_COMM_WORLD, s.problem, s.hyperparameters); }),
             "problem.train: 500000000 generated rows of 1 features needs about");
}

TEST(MemoryRefusals, ItdWithTheLargestIterationCount) {
  hp::test::SmallSpec spec;
  auto problem = hp::test::make_small_problem(PETSC_COMM_WORLD, spec);
  hp::Vector lambda = problem->create_outer_vector();
  HP_CALL(VecSet(lambda, -3.0));
  hp::test::configure_auto_step(*problem, lambda);
  const hp::MomentumIteration gd("gradient_descent", 0.0);
  for (const char* method : {"itd", "truncated_itd"}) {
    const std::string msg =
        refused([&] { hp::test::run_method(*problem, method, lambda, gd, 2147483647, 5); });
    EXPECT_HAS(msg, "the stored inner trajectory (t + 1 = 2147483648 iterates of 20 entries");
    EXPECT_HAS(msg, "lower inner.iterations or use an aid_* method");
  }
  // The same problem and method with a sane t still run.
  EXPECT_NO_THROW(hp::test::run_method(*problem, "itd", lambda, gd, 50, 0));
}

}  // namespace
