// Synthetic data whose every value is a function of (seed, stream, row, column) only, so
// the same spec gives bit-identical data on any number of ranks.
#include <petscsys.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "counter_rng.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/memory_budget.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"
#include "readers.hpp"

namespace hp::data_detail {

namespace {

// Purpose tags: independent streams for each kind of quantity drawn.
enum : std::uint64_t {
  kFeatureTag = 0x46454154ULL,  // gaussian feature values
  kColumnTag = 0x434f4c53ULL,   // sparse_text column draws
  kValueTag = 0x56414c53ULL,    // sparse_text values
  kWeightTag = 0x57545255ULL,   // ground-truth model
  kNoiseTag = 0x4e4f4953ULL,    // label noise
};

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string validate(const DatasetSpec& spec) {
  const SyntheticSpec& s = spec.synthetic;
  const std::string& k = spec.key;
  const bool sparse = s.generator == "sparse_text";
  if (!sparse && s.generator != "gaussian") {
    return k + ".generator: unknown generator " + quote_user_text(s.generator) + "; use gaussian or sparse_text";
  }
  if (s.rows < 1) return k + ".rows = " + std::to_string(s.rows) + " must be >= 1";
  if (s.features < 1) return k + ".features = " + std::to_string(s.features) + " must be >= 1";
  if (sparse && (s.nnz_per_row < 1 || s.nnz_per_row > s.features)) {
    return k + ".nnz_per_row = " + std::to_string(s.nnz_per_row) + " must be between 1 and " + k +
           ".features = " + std::to_string(s.features);
  }
  if (s.classes != 0 && s.classes < 2) {
    return k + ".classes = " + std::to_string(s.classes) +
           " must be 0 (regression) or >= 2 (classification)";
  }
  if (!(std::isfinite(s.noise) && s.noise >= 0)) {
    return k + ".noise = " + num(s.noise) + " must be a finite number >= 0";
  }
  if (sparse && !(std::isfinite(s.zipf_exponent) && s.zipf_exponent >= 0)) {
    return k + ".zipf_exponent = " + num(s.zipf_exponent) + " must be a finite number >= 0";
  }
  return {};
}

// The ground-truth model w*[j,k] ~ N(0,1), a function of (seed, j, k) only: train,
// validation and test splits (different streams) share it, and it is never stored
// unless that costs no more memory than the rows themselves (see tabulate()).
class GroundTruth {
 public:
  GroundTruth(std::uint64_t seed, PetscInt outputs) : seed_(seed), outputs_(outputs) {}

  // Memoises every weight. The values are the ones weight() computes, so the data stay
  // bit-identical whether or not a rank tabulates.
  void tabulate(PetscInt features) {
    table_.resize(static_cast<std::size_t>(features) * static_cast<std::size_t>(outputs_));
    for (PetscInt j = 0; j < features; ++j)
      for (PetscInt k = 0; k < outputs_; ++k) table_[index(j, k)] = compute(j, k);
  }

  // scores[k] = sum_e vals[e] * w*[cols[e], k]
  void scores(const PetscInt* cols, const PetscScalar* vals, PetscInt nnz,
              std::vector<double>& out) const {
    out.assign(static_cast<std::size_t>(outputs_), 0.0);
    for (PetscInt e = 0; e < nnz; ++e) {
      for (PetscInt k = 0; k < outputs_; ++k) {
        const double w = table_.empty() ? compute(cols[e], k) : table_[index(cols[e], k)];
        out[static_cast<std::size_t>(k)] += vals[e] * w;
      }
    }
  }

 private:
  std::size_t index(PetscInt j, PetscInt k) const {
    return static_cast<std::size_t>(j) * static_cast<std::size_t>(outputs_) +
           static_cast<std::size_t>(k);
  }
  double compute(PetscInt j, PetscInt k) const {
    return CounterRng{seed_, kWeightTag, static_cast<std::uint64_t>(j)}.normal(
        static_cast<std::uint64_t>(k));
  }

  std::uint64_t seed_;
  PetscInt outputs_;
  std::vector<double> table_;
};

// Draws columns with P(column j) ~ (j+1)^-s: low indices play the frequent words.
class ZipfColumns {
 public:
  ZipfColumns(PetscInt features, double exponent) : cdf_(static_cast<std::size_t>(features)) {
    double sum = 0;
    for (PetscInt j = 0; j < features; ++j) {
      sum += std::pow(static_cast<double>(j + 1), -exponent);
      cdf_[static_cast<std::size_t>(j)] = sum;
    }
  }
  PetscInt draw(double u) const {  // inverse CDF by binary search; u in (0, 1)
    const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u * cdf_.back());
    return static_cast<PetscInt>(
        std::min<std::ptrdiff_t>(it - cdf_.begin(), static_cast<std::ptrdiff_t>(cdf_.size()) - 1));
  }

 private:
  std::vector<double> cdf_;  // unnormalised cumulative weights
};

// One sparse_text row: nnz distinct Zipf columns with tf-like values 1 + |N(0,1)|.
class SparseTextRows {
 public:
  explicit SparseTextRows(const SyntheticSpec& s)
      : s_(s), zipf_(s.features, s.zipf_exponent), used_(static_cast<std::size_t>(s.features), 0) {}

  void append(PetscInt row, RawRows& rows) {
    const auto i = static_cast<std::uint64_t>(row);
    const CounterRng col_rng{s_.seed, s_.stream, i, kColumnTag};
    const CounterRng val_rng{s_.seed, s_.stream, i, kValueTag};
    const auto nnz = static_cast<std::size_t>(s_.nnz_per_row);

    // Redraw duplicates, but bound the attempts: with nnz close to features the rare
    // columns would take forever, so the rest are then the most frequent unused ones.
    picked_.clear();
    const std::uint64_t max_attempts = 8 * static_cast<std::uint64_t>(nnz) + 64;
    for (std::uint64_t t = 0; picked_.size() < nnz && t < max_attempts; ++t) {
      take(zipf_.draw(col_rng.uniform(t)));
    }
    for (PetscInt c = 0; picked_.size() < nnz; ++c) take(c);

    entries_.clear();
    for (std::size_t e = 0; e < nnz; ++e) {
      used_[static_cast<std::size_t>(picked_[e])] = 0;
      entries_.emplace_back(picked_[e], 1.0 + std::fabs(val_rng.normal(e)));
    }
    std::sort(entries_.begin(), entries_.end());
    double scale = 1;
    if (s_.normalize_rows) {
      double ss = 0;
      for (const auto& [c, v] : entries_) ss += v * v;
      scale = 1 / std::sqrt(ss);
    }
    for (const auto& [c, v] : entries_) {
      rows.cols.push_back(c);
      rows.vals.push_back(v * scale);
    }
  }

 private:
  void take(PetscInt c) {
    if (used_[static_cast<std::size_t>(c)]) return;
    used_[static_cast<std::size_t>(c)] = 1;
    picked_.push_back(c);
  }

  const SyntheticSpec& s_;
  ZipfColumns zipf_;
  std::vector<unsigned char> used_;  // columns already in the current row
  std::vector<PetscInt> picked_;
  std::vector<std::pair<PetscInt, double>> entries_;
};

void append_gaussian_row(const SyntheticSpec& s, PetscInt row, RawRows& rows) {
  const CounterRng rng{s.seed, s.stream, static_cast<std::uint64_t>(row), kFeatureTag};
  const double scale = std::sqrt(static_cast<double>(s.features));  // unit-variance scores
  for (PetscInt j = 0; j < s.features; ++j) {
    rows.cols.push_back(j);
    rows.vals.push_back(rng.normal(static_cast<std::uint64_t>(j)) / scale);
  }
}

double make_label(const SyntheticSpec& s, PetscInt row, const std::vector<double>& score) {
  const CounterRng rng{s.seed, s.stream, static_cast<std::uint64_t>(row), kNoiseTag};
  if (s.classes == 0) return score[0] + s.noise * rng.normal(0);
  PetscInt best = 0;
  double best_value = -INFINITY;
  for (PetscInt k = 0; k < s.classes; ++k) {
    const double v =
        score[static_cast<std::size_t>(k)] + s.noise * rng.gumbel(static_cast<std::uint64_t>(k));
    if (v > best_value) {
      best_value = v;
      best = k;
    }
  }
  return static_cast<double>(best);
}

}  // namespace

RawRows generate_synthetic(MPI_Comm comm, const DatasetSpec& spec) {
  const SyntheticSpec& s = spec.synthetic;
  agree_or_throw(comm, validate(spec));

  PetscInt local = PETSC_DECIDE, global = s.rows;
  HP_CALL(PetscSplitOwnership(comm, &local, &global));
  PetscInt first = 0;
  MPI_Exscan(&local, &first, 1, MPIU_INT, MPI_SUM, comm);
  if (comm_rank(comm) == 0) first = 0;  // MPI_Exscan leaves rank 0's result undefined

  const bool sparse = s.generator == "sparse_text";
  const std::int64_t per_row = sparse ? s.nnz_per_row : s.features;
  const std::int64_t local_nnz = per_row * local;
  agree_or_throw(comm, local_nnz > PETSC_MAX_INT
                           ? spec.key + ": " + std::to_string(local_nnz) +
                                 " nonzeros on one MPI rank exceed 32-bit PETSc indices; run "
                                 "with more ranks or reduce " +
                                 spec.key + ".rows"
                           : std::string());

  // Refuse sizes that cannot fit before reserving: the rows (12 bytes a nonzero), the
  // sparse generator's per-feature tables and the tabulated ground truth.
  const PetscInt outputs = std::max<PetscInt>(s.classes, 1);
  const double d = static_cast<double>(s.features);
  const bool tabulated = static_cast<std::int64_t>(s.features) * outputs <= local_nnz;
  check_memory(comm,
               12.0 * static_cast<double>(local_nnz) + 24.0 * static_cast<double>(local) +
                   (sparse ? 9.0 * d : 0.0) + (tabulated ? 8.0 * d * static_cast<double>(outputs) : 0.0),
               spec.key + ": " + std::to_string(s.rows) + " generated rows of " +
                   std::to_string(s.features) + " features",
               "lower " + spec.key + ".rows or " + spec.key + ".features");

  RawRows rows;
  rows.row_ptr.reserve(static_cast<std::size_t>(local) + 1);
  rows.cols.reserve(static_cast<std::size_t>(local_nnz));
  rows.vals.reserve(static_cast<std::size_t>(local_nnz));
  rows.labels.reserve(static_cast<std::size_t>(local));

  GroundTruth truth(s.seed, outputs);
  if (tabulated) truth.tabulate(s.features);
  std::optional<SparseTextRows> sparse_rows;
  if (sparse) sparse_rows.emplace(s);

  std::vector<double> score;
  for (PetscInt i = first; i < first + local; ++i) {
    const std::size_t start = rows.cols.size();
    if (sparse)
      sparse_rows->append(i, rows);
    else
      append_gaussian_row(s, i, rows);
    truth.scores(rows.cols.data() + start, rows.vals.data() + start,
                 static_cast<PetscInt>(rows.cols.size() - start), score);
    rows.row_ptr.push_back(static_cast<PetscInt>(rows.cols.size()));
    rows.labels.push_back(make_label(s, i, score));
  }

  rows.max_col = s.features - 1;
  rows.global_rows = s.rows;
  rows.source = "synthetic";
  return rows;
}

}  // namespace hp::data_detail
