// Writes the train, validation and (when the config has one) test splits of a HyperPETSc
// config to LIBSVM text, so that another implementation (bench/pytorch_hypergrad.py,
// bench/optuna_peer.py) can use exactly the same data.
//
//   build/bench/dump_dataset CONFIG.yaml OUTDIR [--set section.key=value ...]
//
// Writes OUTDIR/train.libsvm, OUTDIR/val.libsvm, OUTDIR/test.libsvm (if problem.test is
// set) and OUTDIR/meta.json. Run on ONE rank, where X's columns are the data's natural
// feature order (a feature permutation exists only across ranks). Any data format works
// (LIBSVM, CSV, IDX, synthetic): the data come from hp::load_settings + hp::load_splits,
// i.e. the very loader the CLI uses (same feature count d and class list). Labels are written as 0-based class
// indices for classification (logistic_l2) and as raw targets for regression (ridge_l2);
// feature indices are 1-based; values are printed with 17 significant digits, which
// round-trips every double exactly.
#include <petscmat.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "hyperpetsc/engine/settings.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/problems/labelled_splits.hpp"

namespace {

struct Written {
  PetscInt rows = 0;
  long long nnz = 0;
};

Written write_split(const std::string& path, Mat X, const std::vector<double>& labels,
                    const std::vector<PetscInt>* classes) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw std::runtime_error("cannot write " + path);
  std::vector<char> buf(1 << 20);
  std::setvbuf(f, buf.data(), _IOFBF, buf.size());
  PetscInt lo = 0, hi = 0;
  HP_CALL(MatGetOwnershipRange(X, &lo, &hi));
  Written w;
  for (PetscInt i = lo; i < hi; ++i) {
    const std::size_t li = static_cast<std::size_t>(i - lo);
    if (classes)
      std::fprintf(f, "%d", static_cast<int>((*classes)[li]));
    else
      std::fprintf(f, "%.17g", labels[li]);
    PetscInt ncols = 0;
    const PetscInt* cols = nullptr;
    const PetscScalar* vals = nullptr;
    HP_CALL(MatGetRow(X, i, &ncols, &cols, &vals));
    for (PetscInt e = 0; e < ncols; ++e)
      std::fprintf(f, " %d:%.17g", static_cast<int>(cols[e] + 1), vals[e]);
    w.nnz += ncols;
    HP_CALL(MatRestoreRow(X, i, &ncols, &cols, &vals));
    std::fputc('\n', f);
    ++w.rows;
  }
  if (std::fclose(f) != 0) throw std::runtime_error("error writing " + path);
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string config, outdir;
  std::vector<std::string> overrides;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--set" && i + 1 < args.size()) {
      overrides.push_back(args[++i]);
    } else if (config.empty()) {
      config = args[i];
    } else if (outdir.empty()) {
      outdir = args[i];
    } else {
      std::fprintf(stderr, "dump_dataset: unexpected argument '%s'\n", args[i].c_str());
      return 2;
    }
  }
  if (config.empty() || outdir.empty()) {
    std::fprintf(stderr, "usage: dump_dataset CONFIG.yaml OUTDIR [--set section.key=value ...]\n");
    return 2;
  }
  int pargc = 1;
  char** pargv = argv;
  if (PetscInitialize(&pargc, &pargv, nullptr, nullptr)) return 3;
  PetscPushErrorHandler(PetscReturnErrorHandler, nullptr);
  int code = 0;
  try {
    int size = 1;
    MPI_Comm_size(PETSC_COMM_WORLD, &size);
    if (size != 1) throw std::runtime_error("run on one MPI rank");
    const hp::Settings s = hp::load_settings(config, overrides);
    hp::LabelledSplits sp = hp::load_splits(
        PETSC_COMM_WORLD, std::any_cast<const hp::LabelledDataOptions&>(s.problem.options), s.problem, true);
    const bool classification = s.problem.type == "logistic_l2";
    if (sp.partition.position) throw std::runtime_error("the feature order is permuted on one rank");
    std::vector<PetscInt> ct, cv, cs;
    if (classification) {
      ct = hp::class_indices(sp.train_labels, sp.classes);
      cv = hp::class_indices(sp.val_labels, sp.classes);
      if (sp.test) cs = hp::class_indices(sp.test_labels, sp.classes);
    }
    const Written wt = write_split(outdir + "/train.libsvm", sp.train.X, sp.train_labels,
                                   classification ? &ct : nullptr);
    const Written wv = write_split(outdir + "/val.libsvm", sp.val.X, sp.val_labels,
                                   classification ? &cv : nullptr);
    Written ws;
    if (sp.test)
      ws = write_split(outdir + "/test.libsvm", sp.test->X, sp.test_labels, classification ? &cs : nullptr);
    std::FILE* m = std::fopen((outdir + "/meta.json").c_str(), "w");
    if (!m) throw std::runtime_error("cannot write " + outdir + "/meta.json");
    std::fprintf(m,
                 "{\"config\": \"%s\", \"problem\": \"%s\", \"features\": %d, \"classes\": %d, "
                 "\"train_rows\": %d, \"train_nnz\": %lld, \"val_rows\": %d, \"val_nnz\": %lld, \"test_rows\": %d, \"test_nnz\": %lld}\n",
                 config.c_str(), s.problem.type.c_str(), static_cast<int>(sp.features),
                 classification ? static_cast<int>(sp.classes.size()) : 0,
                 static_cast<int>(wt.rows), wt.nnz, static_cast<int>(wv.rows), wv.nnz, static_cast<int>(ws.rows), ws.nnz);
    if (std::fclose(m) != 0) throw std::runtime_error("error writing " + outdir + "/meta.json");
    std::printf("dump_dataset: %s -> %s (train %d x %d, nnz %lld; val %d rows, nnz %lld; test %d rows, nnz %lld)\n",
                config.c_str(), outdir.c_str(), static_cast<int>(wt.rows),
                static_cast<int>(sp.features), wt.nnz, static_cast<int>(wv.rows), wv.nnz,
                static_cast<int>(ws.rows), ws.nnz);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dump_dataset: error: %s\n", e.what());
    code = 2;
  }
  PetscFinalize();
  return code;
}
