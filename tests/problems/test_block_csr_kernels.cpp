// The sparse × block kernels (block_csr_kernels.hpp) against a naive reference written
// here, for the portable and the AVX2 variant, and the two variants against each other:
// every Epilogue mode of csr_times_block, csr_fused_step with and without ghost blocks,
// csr_transpose_times_block_add; block widths c = 1…9 (every remainder of the 4-wide AVX2
// registers, on both sides of 4) and 33 (past the specialised widths); random CSR matrices
// with empty rows, one-entry rows and a full row.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "hyperpetsc/problems/block_csr_kernel_variants.hpp"

namespace {

using hp::BlockCsrKernels;
using hp::CsrView;
using hp::Epilogue;
using hp::FusedStep;

// A CSR matrix that owns its arrays.
struct Csr {
  PetscInt rows = 0, cols = 0;
  std::vector<PetscInt> ia{0}, ja;
  std::vector<PetscScalar> a;
  CsrView view() const {
    CsrView v;
    v.rows = rows;
    v.ia = ia.data();
    v.ja = ja.data();
    v.a = a.data();
    return v;
  }
};

std::vector<double> random_values(std::mt19937_64& rng, size_t n) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> v(n);
  for (double& x : v) x = u(rng);
  return v;
}

// Rows 0 and rows/2 empty, row 1 one entry, row 2 every column, the rest ~40% dense.
Csr random_csr(std::mt19937_64& rng, PetscInt rows, PetscInt cols) {
  std::uniform_real_distribution<double> u(-1.0, 1.0), coin(0.0, 1.0);
  Csr m;
  m.rows = rows;
  m.cols = cols;
  for (PetscInt i = 0; i < rows; ++i) {
    for (PetscInt j = 0; j < cols; ++j) {
      bool take = false;
      if (i == 0 || i == rows / 2) take = false;
      else if (i == 1) take = j == cols - 1;
      else if (i == 2) take = true;
      else take = coin(rng) < 0.4;
      if (take) {
        m.ja.push_back(j);
        m.a.push_back(u(rng));
      }
    }
    m.ia.push_back(static_cast<PetscInt>(m.ja.size()));
  }
  return m;
}

// ---------------------------------------------------------------- naive reference
std::vector<double> row_products(const Csr& A, PetscInt c, const std::vector<double>& x) {
  std::vector<double> s(static_cast<size_t>(A.rows * c), 0.0);
  for (PetscInt i = 0; i < A.rows; ++i)
    for (PetscInt p = A.ia[i]; p < A.ia[i + 1]; ++p)
      for (PetscInt k = 0; k < c; ++k) s[i * c + k] += A.a[p] * x[A.ja[p] * c + k];
  return s;
}

std::vector<double> naive_times_block(const Csr& A, PetscInt c, const std::vector<double>& x,
                                      std::vector<double> y, const Epilogue& e) {
  const std::vector<double> s = row_products(A, c, x);
  for (PetscInt i = 0; i < A.rows; ++i)
    for (PetscInt k = 0; k < c; ++k) {
      double& yi = y[i * c + k];
      switch (e.mode) {
        case Epilogue::overwrite: yi = s[i * c + k]; break;
        case Epilogue::add: yi += e.beta * s[i * c + k]; break;
        case Epilogue::combine: yi = e.row_scale[i] * e.w[i * c + k] + e.beta * s[i * c + k]; break;
      }
    }
  return y;
}

std::vector<double> naive_transpose_add(const Csr& A, PetscInt c, const std::vector<double>& x,
                                        std::vector<double> y) {
  for (PetscInt i = 0; i < A.rows; ++i)
    for (PetscInt p = A.ia[i]; p < A.ia[i + 1]; ++p)
      for (PetscInt k = 0; k < c; ++k) y[A.ja[p] * c + k] += A.a[p] * x[i * c + k];
  return y;
}

// ---------------------------------------------------------------- comparisons
double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

// Every entry within rounding of the reference (sums of ≤ 40 products of magnitude ≤ 1).
void expect_close(const std::vector<double>& got, const std::vector<double>& want,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  const double tol = 1e-13 * std::max(1.0, max_abs(want));
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tol) << what << ", entry " << i;
}

using Param = std::tuple<std::string, PetscInt>;  // variant ("generic", "avx2"), width c

// Each test checks one variant against the naive reference and, for avx2, against the
// portable variant on the same input.
class BlockCsrKernelsTest : public ::testing::TestWithParam<Param> {
 protected:
  static constexpr PetscInt kRows = 13, kCols = 11, kGhosts = 6;
  void SetUp() override {
    if (std::get<0>(GetParam()) == "avx2") {
      kernels_ = hp::avx2_block_csr_kernels();
      if (!kernels_) GTEST_SKIP() << "no AVX2+FMA variant on this build or CPU";
      other_ = &hp::generic_block_csr_kernels();
    } else if (std::get<0>(GetParam()) == "avx512") {
      kernels_ = hp::avx512_block_csr_kernels();
      if (!kernels_) GTEST_SKIP() << "no AVX-512 variant on this build or CPU";
      other_ = &hp::generic_block_csr_kernels();
    } else {
      kernels_ = &hp::generic_block_csr_kernels();
    }
  }
  PetscInt c() const { return std::get<1>(GetParam()); }
  std::string name() const { return std::get<0>(GetParam()); }
  const BlockCsrKernels* kernels_ = nullptr;
  const BlockCsrKernels* other_ = nullptr;  // the portable variant, when testing avx2
  std::mt19937_64 rng_{static_cast<std::uint64_t>(1234 + c())};
};

TEST_P(BlockCsrKernelsTest, TimesBlockEveryEpilogue) {
  const PetscInt c = this->c();
  const Csr A = random_csr(rng_, kRows, kCols);
  const std::vector<double> x = random_values(rng_, static_cast<size_t>(kCols * c));
  const std::vector<double> y0 = random_values(rng_, static_cast<size_t>(kRows * c));
  const std::vector<double> w = random_values(rng_, static_cast<size_t>(kRows * c));
  const std::vector<double> scale = random_values(rng_, static_cast<size_t>(kRows));
  for (auto mode : {Epilogue::overwrite, Epilogue::add, Epilogue::combine}) {
    Epilogue e;
    e.mode = mode;
    e.beta = mode == Epilogue::overwrite ? 1.0 : -0.7;
    e.row_scale = scale.data();
    e.w = w.data();
    const std::string what = name() + " times_block, epilogue mode " + std::to_string(mode);
    std::vector<double> y = y0;
    kernels_->times_block(A.view(), c, x.data(), y.data(), e);
    expect_close(y, naive_times_block(A, c, x, y0, e), what);
    if (other_) {
      std::vector<double> y_other = y0;
      other_->times_block(A.view(), c, x.data(), y_other.data(), e);
      expect_close(y, y_other, what + " vs generic");
    }
  }
}

TEST_P(BlockCsrKernelsTest, EpilogueDotIsTheDotOfTheFinishedRows) {
  const PetscInt c = this->c();
  const Csr A = random_csr(rng_, kRows, kCols);
  const std::vector<double> x = random_values(rng_, static_cast<size_t>(kCols * c));
  const std::vector<double> y0 = random_values(rng_, static_cast<size_t>(kRows * c));
  const std::vector<double> w = random_values(rng_, static_cast<size_t>(kRows * c));
  const std::vector<double> with = random_values(rng_, static_cast<size_t>(kRows * c));
  const std::vector<double> scale = random_values(rng_, static_cast<size_t>(kRows));
  for (auto mode : {Epilogue::overwrite, Epilogue::add, Epilogue::combine}) {
    Epilogue e;
    e.mode = mode;
    e.beta = -0.7;
    e.row_scale = scale.data();
    e.w = w.data();
    std::vector<double> lanes(static_cast<size_t>(c), 0.0);
    e.dot_acc = lanes.data();
    e.dot_with = with.data();
    std::vector<double> y = y0;
    kernels_->times_block(A.view(), c, x.data(), y.data(), e);
    const std::vector<double> want_y = naive_times_block(A, c, x, y0, e);
    double want = 0, got = 0;
    for (size_t i = 0; i < want_y.size(); ++i) want += want_y[i] * with[i];
    for (double l : lanes) got += l;
    expect_close(y, want_y, name() + " times_block with dot, mode " + std::to_string(mode));
    EXPECT_NEAR(got, want, 1e-13 * std::max(1.0, std::fabs(want))) << name() << " mode " << mode;
  }
}

TEST_P(BlockCsrKernelsTest, UpdateThenTransposeTimesBlockAdd) {
  const PetscInt c = this->c();
  const Csr A = random_csr(rng_, kRows, kCols);
  const std::vector<double> u = random_values(rng_, static_cast<size_t>(kRows * c));
  const std::vector<double> x0 = random_values(rng_, static_cast<size_t>(kRows * c));
  const std::vector<double> y0 = random_values(rng_, static_cast<size_t>(kCols * c));
  for (double beta : {0.0, 0.6}) {
    std::vector<double> want_x = u;
    if (beta != 0.0)
      for (size_t i = 0; i < want_x.size(); ++i) want_x[i] += beta * x0[i];
    // beta = 0: x's old content must not matter, not even a NaN.
    std::vector<double> x = beta == 0.0 ? std::vector<double>(x0.size(), std::nan("")) : x0;
    std::vector<double> y = y0;
    kernels_->update_transpose_times_block_add(A.view(), c, u.data(), beta, x.data(), y.data());
    const std::string what = name() + " update_transpose_times_block_add, beta " + std::to_string(beta);
    expect_close(x, want_x, what + " (x)");
    expect_close(y, naive_transpose_add(A, c, want_x, y0), what + " (y)");
  }
}

TEST_P(BlockCsrKernelsTest, TransposeTimesBlockAdd) {
  const PetscInt c = this->c();
  const Csr A = random_csr(rng_, kRows, kCols);
  const std::vector<double> x = random_values(rng_, static_cast<size_t>(kRows * c));
  const std::vector<double> y0 = random_values(rng_, static_cast<size_t>(kCols * c));
  const std::string what = name() + " transpose_times_block_add";
  std::vector<double> y = y0;
  kernels_->transpose_times_block_add(A.view(), c, x.data(), y.data());
  expect_close(y, naive_transpose_add(A, c, x, y0), what);
  if (other_) {
    std::vector<double> y_other = y0;
    other_->transpose_times_block_add(A.view(), c, x.data(), y_other.data());
    expect_close(y, y_other, what + " vs generic");
  }
}

// out = row_scale⊙w + beta·(D r_local + O r_ghost); z_local += Dᵀ out; z_ghost += Oᵀ out.
TEST_P(BlockCsrKernelsTest, FusedStepWithAndWithoutGhosts) {
  const PetscInt c = this->c();
  const Csr D = random_csr(rng_, kRows, kCols);
  const Csr O = random_csr(rng_, kRows, kGhosts);
  const std::vector<double> r_local = random_values(rng_, static_cast<size_t>(kCols * c));
  const std::vector<double> r_ghost = random_values(rng_, static_cast<size_t>(kGhosts * c));
  const std::vector<double> w = random_values(rng_, static_cast<size_t>(kRows * c));
  const std::vector<double> scale = random_values(rng_, static_cast<size_t>(kRows));
  const std::vector<double> z_local0 = random_values(rng_, static_cast<size_t>(kCols * c));
  const std::vector<double> z_ghost0 = random_values(rng_, static_cast<size_t>(kGhosts * c));
  const double beta = -0.3;
  for (bool ghosts : {true, false}) {
    const std::string label = ghosts ? " with ghosts" : " without ghosts";
    // Reference, through the naive products.
    std::vector<double> sum = row_products(D, c, r_local);
    if (ghosts) {
      const std::vector<double> g = row_products(O, c, r_ghost);
      for (size_t i = 0; i < sum.size(); ++i) sum[i] += g[i];
    }
    std::vector<double> want_out(static_cast<size_t>(kRows * c));
    for (PetscInt i = 0; i < kRows; ++i)
      for (PetscInt k = 0; k < c; ++k) want_out[i * c + k] = scale[i] * w[i * c + k] + beta * sum[i * c + k];
    const std::vector<double> want_zl = naive_transpose_add(D, c, want_out, z_local0);
    const std::vector<double> want_zg = ghosts ? naive_transpose_add(O, c, want_out, z_ghost0) : z_ghost0;

    // out, z_local and z_ghost of one run, concatenated.
    auto run = [&](const BlockCsrKernels& k) {
      std::vector<double> out(static_cast<size_t>(kRows * c), 0.0), zl = z_local0, zg = z_ghost0;
      FusedStep f;
      f.diag = D.view();
      if (ghosts) f.offd = O.view();  // else a default CsrView: no ghost block (one rank)
      f.r_local = r_local.data();
      f.r_ghost = r_ghost.data();
      f.w = w.data();
      f.row_scale = scale.data();
      f.beta = beta;
      f.out = out.data();
      f.z_local = zl.data();
      f.z_ghost = zg.data();
      k.fused_step(f, c);
      out.insert(out.end(), zl.begin(), zl.end());
      out.insert(out.end(), zg.begin(), zg.end());
      return out;
    };
    std::vector<double> want = want_out;
    want.insert(want.end(), want_zl.begin(), want_zl.end());
    want.insert(want.end(), want_zg.begin(), want_zg.end());
    const std::vector<double> got = run(*kernels_);
    // Entries [0, rows·c) are out, then z_local (cols·c), then z_ghost.
    expect_close(got, want, name() + " fused_step" + label);
    if (other_) expect_close(got, run(*other_), name() + " fused_step" + label + " vs generic");
  }
}

INSTANTIATE_TEST_SUITE_P(Widths, BlockCsrKernelsTest,
                         ::testing::Combine(::testing::Values("generic", "avx2", "avx512"),
                                            ::testing::Values(1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 17, 20, 33)),
                         [](const auto& info) {
                           return std::get<0>(info.param) + "_c" + std::to_string(std::get<1>(info.param));
                         });

}  // namespace
