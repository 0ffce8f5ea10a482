// Data on which some rank owns no training rows or no features must give the 1-rank
// results, for every data layout and feature distribution. LIBSVM rows are split by bytes,
// so a file of short lines ending in one long line leaves ranks without rows; two features
// leave ranks without features from 3 ranks on. Each case is computed on PETSC_COMM_WORLD
// and, as the reference, on PETSC_COMM_SELF by every rank. Registered with 1 to 4 ranks.
// The layout and distribution are set here, so the binary ignores -test_data_layout.
#include <gtest/gtest.h>
#include <petscvec.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "hyperpetsc/data/dataset.hpp"
#include "hyperpetsc/inner/momentum_iteration.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/problems/labelled_splits.hpp"
#include "hyperpetsc/problems/problem_registry.hpp"
#include "small_problems.hpp"
#include "test_support.hpp"

namespace {

using hp::Vector;

// Three one-feature rows, then one row of 60 features: at 2 to 4 ranks the byte split
// gives the long line's rank(s) nothing else and the ranks after it no rows at all.
std::string long_last_line(bool classes) {
  std::ostringstream os;
  os << (classes ? "0" : "1") << " 1:1.0\n" << (classes ? "1" : "2") << " 2:0.5\n"
     << (classes ? "2" : "-1") << " 3:2.0\n" << (classes ? "1" : "0.5");
  for (int j = 1; j <= 60; ++j) os << ' ' << j << ':' << 0.01 * j;
  os << '\n';
  return os.str();
}

// Nine rows of two features: from 3 ranks on some rank owns no feature.
std::string two_features(bool classes) {
  std::ostringstream os;
  for (int i = 0; i < 9; ++i)
    os << (classes ? std::to_string(i % 3) : std::to_string(0.3 * i - 1)) << " 1:"
       << std::sin(1.0 + i) << " 2:" << std::cos(0.5 + 2.0 * i) << '\n';
  return os.str();
}

struct Data {
  const char* label;
  const char* type;
  std::string (*train)(bool);
  std::string (*val)(bool);
};

const Data kData[] = {
    {"ridge_long_line", "ridge_l2", long_last_line, long_last_line},
    {"logistic_long_line", "logistic_l2", long_last_line, long_last_line},
    {"ridge_two_features", "ridge_l2", two_features, two_features},
    {"logistic_two_features", "logistic_l2", two_features, two_features},
    // Training rows on every rank, validation rows on few; d from the validation file.
    {"logistic_uneven_val", "logistic_l2", two_features, long_last_line},
};

using Param = std::tuple<Data, const char*, const char*>;  // data, layout, distribution

hp::Settings settings_for(const Data& data, const std::string& dir, const char* layout,
                          const char* distribution) {
  const bool classes = std::string(data.type) == "logistic_l2";
  const std::string train = dir + "/train.libsvm", val = dir + "/val.libsvm";
  hp::test::write_file(PETSC_COMM_WORLD, train, data.train(classes));
  hp::test::write_file(PETSC_COMM_WORLD, val, data.val(classes));
  return hp::settings_from_text(std::string("problem: {type: ") + data.type + ", train: {path: " + train +
                                    "}, val: {path: " + val + "}, layout: " + layout +
                                    ", feature_distribution: " + distribution + "}",
                                "<test>", dir, {});
}

// Everything the problem computes at one rank-independent point, in natural order.
struct Outcome {
  std::vector<double> phi, gradient, vjp_inner, vjp_outer, outer_gradient, hypergradient;
  double objective = 0;
  PetscInt fewest_features = 0;  // over the ranks
};

Outcome compute(MPI_Comm comm, const hp::Settings& settings) {
  auto problem = hp::make_problem(comm, settings.problem, settings.hyperparameters);
  auto& p = *problem;
  Outcome o;
  Vector lambda = p.create_outer_vector(), w = p.create_inner_vector(), u = p.create_inner_vector();
  hp::test::fill(p, lambda, [](PetscInt j) { return hp::test::lambda_formula(j, -1.0); });
  hp::test::fill(p, w, hp::test::w_formula);
  hp::test::fill(p, u, [](PetscInt i) { return std::cos(0.9 * static_cast<double>(i) + 0.1); });
  PetscInt local = 0;
  HP_CALL(VecGetLocalSize(w, &local));
  MPI_Allreduce(&local, &o.fewest_features, 1, MPIU_INT, MPI_MIN, comm);
  hp::test::configure_auto_step(p, lambda);

  Vector out = p.create_inner_vector(), out_l = p.create_outer_vector();
  p.apply_map(w, lambda, out);
  o.phi = hp::test::gather_all(p, out);
  hp::test::gradient_step(p).inner_gradient(w, lambda, out);
  o.gradient = hp::test::gather_all(p, out);
  p.linearize(w, lambda);
  p.map_vjp_inner(u, out);
  o.vjp_inner = hp::test::gather_all(p, out);
  p.map_vjp_outer(u, out_l);
  o.vjp_outer = hp::test::gather_all(p, out_l);
  o.objective = p.outer_objective(w, lambda);
  p.outer_gradient_inner(w, lambda, out);
  o.outer_gradient = hp::test::gather_all(p, out);

  const hp::MomentumIteration inner("gradient_descent", 0.0);
  o.hypergradient = hp::test::run_method(p, "aid_cg", lambda, inner, 20, 10).g;
  return o;
}

class UnevenData : public ::testing::TestWithParam<Param> {};

TEST_P(UnevenData, SameResultsAsOneRank) {
  const auto& [data, layout, distribution] = GetParam();
  const std::string dir = hp::test::shared_temp_dir(PETSC_COMM_WORLD);
  const hp::Settings settings = settings_for(data, dir, layout, distribution);

  int size = 1;
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  // The data must leave a rank empty, or this test guards nothing.
  const auto& splits = std::any_cast<const hp::LabelledDataOptions&>(settings.problem.options);
  const hp::RawRows train = hp::read_rows(PETSC_COMM_WORLD, splits.train);
  const hp::RawRows val = hp::read_rows(PETSC_COMM_WORLD, splits.val);
  PetscInt fewest_rows = std::min(train.local_rows(), val.local_rows());
  MPI_Allreduce(MPI_IN_PLACE, &fewest_rows, 1, MPIU_INT, MPI_MIN, PETSC_COMM_WORLD);

  const Outcome world = compute(PETSC_COMM_WORLD, settings);
  const Outcome self = compute(PETSC_COMM_SELF, settings);
  if (size >= 3 || (size == 2 && std::string(data.label).find("long_line") != std::string::npos)) {
    EXPECT_TRUE(fewest_rows == 0 || world.fewest_features == 0)
        << "no rank is without rows or features at " << size << " ranks";
  }

  using hp::test::rel_err;
  EXPECT_GT(hp::test::norm2(self.hypergradient), 0.0);
  EXPECT_LT(rel_err(world.phi, self.phi), 1e-12);
  EXPECT_LT(rel_err(world.gradient, self.gradient), 1e-12);
  EXPECT_LT(rel_err(world.vjp_inner, self.vjp_inner), 1e-12);
  EXPECT_LT(rel_err(world.vjp_outer, self.vjp_outer), 1e-12);
  EXPECT_LT(rel_err(world.outer_gradient, self.outer_gradient), 1e-12);
  EXPECT_NEAR(world.objective, self.objective, 1e-13 * std::fabs(self.objective));
  EXPECT_LT(rel_err(world.hypergradient, self.hypergradient), 1e-10);
  MPI_Barrier(PETSC_COMM_WORLD);
  int rank = 0;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (rank == 0) {
    std::remove((dir + "/train.libsvm").c_str());
    std::remove((dir + "/val.libsvm").c_str());
    std::remove(dir.c_str());
  }
}

std::string name(const ::testing::TestParamInfo<Param>& info) {
  return std::string(std::get<0>(info.param).label) + "_" + std::get<1>(info.param) + "_" +
         std::get<2>(info.param);
}

INSTANTIATE_TEST_SUITE_P(Layouts, UnevenData,
                         ::testing::Combine(::testing::ValuesIn(kData),
                                            ::testing::Values("rows", "features", "dense"),
                                            ::testing::Values("balanced", "contiguous")),
                         name);

}  // namespace
