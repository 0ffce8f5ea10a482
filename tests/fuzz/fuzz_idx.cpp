// libFuzzer target: the IDX reader through hp::read_rows on an images and a labels file,
// then assembly. Input: one options byte (seed, offset, subset), two bytes (little-endian)
// giving the labels file's length L, L bytes of labels file, the rest the images file;
// either file may be gzipped (zlib reads plain bytes transparently).
#include <petscsys.h>

#include <algorithm>
#include <cmath>

#include "fuzz_support.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/memory_budget.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  hp::fuzz::initialize_petsc();
  // A header may claim 2^32 images: the reader must refuse (check_memory), not allocate
  // past libFuzzer's -rss_limit_mb.
  hp::set_memory_limit_per_rank(256.0 * 1024 * 1024, "the fuzz target's limit");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::uint8_t options = data[0];
  const std::size_t labels_size = std::min<std::size_t>(data[1] | (std::size_t{data[2]} << 8), size - 3);
  hp::DatasetSpec spec;
  spec.key = "problem.train";
  spec.format = "idx";
  spec.seed = (options & 1) ? 1 + (options >> 5) : 0;
  spec.offset = (options >> 1) & 3;
  spec.subset = (options >> 3) & 3;
  spec.labels = hp::fuzz::write_input("labels.idx", data + 3, labels_size);
  spec.path = hp::fuzz::write_input("images.idx", data + 3 + labels_size, size - 3 - labels_size);
  hp::RawRows rows;
  try {
    rows = hp::read_rows(PETSC_COMM_SELF, spec);
  } catch (const hp::UserError& e) {
    hp::fuzz::check_message(e.what());
    return 0;
  }
  hp::fuzz::check_rows(rows);
  if (spec.subset > 0 && rows.global_rows != spec.subset) hp::fuzz::finding("subset not honoured");
  for (const double label : rows.labels)
    if (label != std::floor(label) || label < 0 || label > 255) hp::fuzz::finding("label is not a byte");
  for (const PetscScalar v : rows.vals)
    if (!(v > 0 && v <= 1)) hp::fuzz::finding("pixel value outside (0, 1]");
  hp::fuzz::check_assembly(rows, spec.key);
  return 0;
}
