// IDX images + labels (MNIST, Fashion-MNIST, ...), gzipped or not: pixel bytes become
// features in [0, 1] (value / 255, zeros dropped), label bytes class integers.
//
// A gzip stream can only be decompressed from its start, so every rank streams both files
// whole and keeps only its own contiguous block of the selected examples. For MNIST-sized
// files (~30 MB decompressed) that costs a fraction of a second per rank, and no rank holds
// more than its block. Reading to the end also checks the whole file (truncation, gzip
// checksum) identically on every rank.
#include <petscsys.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/memory_budget.hpp"
#include "hyperpetsc/petsc/user_text.hpp"
#include "idx_file.hpp"
#include "index_shuffle.hpp"
#include "readers.hpp"

namespace hp::data_detail {

namespace {

constexpr std::size_t kLabelChunk = std::size_t{1} << 16;

// What is wrong with the two files' shapes or the selection, "" if nothing.
std::string shape_problem(const DatasetSpec& spec, const IdxFile& images, const IdxFile& labels) {
  const std::string& k = spec.key;
  if (images.dims().size() < 2) {
    return images.where() + " has " + std::to_string(images.dims().size()) +
           " dimension; an images file has at least 2 (count x rows x columns): is it the labels file? "
           "check " + k + ".path and " + k + ".labels";
  }
  if (labels.dims().size() != 1) {
    return labels.where() + " has " + std::to_string(labels.dims().size()) +
           " dimensions; a labels file has 1 (the count): is it an images file? check " + k + ".path and " + k +
           ".labels";
  }
  if (images.items() != labels.items()) {
    return k + ": the images file " + quote_user_path(spec.path) + " (" + k + ".path) holds " +
           std::to_string(images.items()) + " examples but the labels file " + quote_user_path(spec.labels) + " (" +
           k + ".labels) holds " + std::to_string(labels.items()) + "; give the labels file that belongs to the images";
  }
  if (images.item_bytes() == 0 || images.items() == 0) {
    return images.where() + " has shape " + images.shape() + ", which holds no pixels; give a non-empty images file";
  }
  if (images.item_bytes() > PETSC_MAX_INT) {
    return images.where() + " has shape " + images.shape() + ": more pixels per image than this PETSc build's " +
           "32-bit indices allow (" + std::to_string(PETSC_MAX_INT) + ")";
  }
  if (images.items() > PETSC_MAX_INT) {
    return images.where() + " holds " + std::to_string(images.items()) + " examples, more than this PETSc " +
           "build's 32-bit indices allow (" + std::to_string(PETSC_MAX_INT) + ")";
  }
  const std::int64_t count = images.items();
  if (spec.subset < 0 || spec.offset < 0) {
    return k + ": subset (" + std::to_string(spec.subset) + ") and offset (" + std::to_string(spec.offset) +
           ") must be >= 0";
  }
  if (std::int64_t{spec.offset} + spec.subset > count) {
    return k + ".offset (" + std::to_string(spec.offset) + ") + " + k + ".subset (" + std::to_string(spec.subset) +
           ") exceed the " + std::to_string(count) + " examples in " + quote_user_path(spec.path) + "; lower them";
  }
  if (spec.subset == 0 && spec.offset >= count) {
    return k + ".offset (" + std::to_string(spec.offset) + ") leaves none of the " + std::to_string(count) +
           " examples in " + quote_user_path(spec.path) + "; lower it";
  }
  return {};
}

// Which selected examples this rank keeps: position k of the selection is file index
// shuffle(offset + k) (file order with seed 0); this rank holds positions [first, first + local).
class Selection {
 public:
  Selection(const DatasetSpec& spec, std::int64_t count, PetscInt first, PetscInt local)
      : shuffle_(static_cast<std::uint64_t>(count), spec.seed),
        shuffled_(spec.seed != 0),
        begin_(std::int64_t{spec.offset} + first),
        end_(begin_ + local) {}

  // This rank's row for file index i, or -1 if it is not ours.
  std::int64_t row_of(std::int64_t i) const {
    const auto k = shuffled_ ? static_cast<std::int64_t>(shuffle_.inverse(static_cast<std::uint64_t>(i))) : i;
    return k >= begin_ && k < end_ ? k - begin_ : -1;
  }

 private:
  IndexShuffle shuffle_;
  bool shuffled_;
  std::int64_t begin_, end_;
};

// Streams the labels file and keeps this rank's labels (rows in selection order).
bool read_labels(IdxFile& file, const Selection& sel, std::vector<unsigned char>& out) {
  std::vector<unsigned char> chunk(static_cast<std::size_t>(std::min<std::int64_t>(file.items(), kLabelChunk)));
  for (std::int64_t start = 0; start < file.items();) {
    const auto n = static_cast<std::size_t>(std::min<std::int64_t>(file.items() - start, kLabelChunk));
    if (!file.read(chunk.data(), n)) return false;
    for (std::size_t j = 0; j < n; ++j)
      if (const std::int64_t row = sel.row_of(start + static_cast<std::int64_t>(j)); row >= 0)
        out[static_cast<std::size_t>(row)] = chunk[j];
    start += static_cast<std::int64_t>(n);
  }
  return file.finish();
}

// Streams the images file; this rank's images land straight in their rows of `pixels`.
bool read_images(IdxFile& file, const Selection& sel, unsigned char* pixels) {
  const auto width = static_cast<std::size_t>(file.item_bytes());
  std::vector<unsigned char> skipped(width);
  for (std::int64_t i = 0; i < file.items(); ++i) {
    const std::int64_t row = sel.row_of(i);
    unsigned char* into = row >= 0 ? pixels + static_cast<std::size_t>(row) * width : skipped.data();
    if (!file.read(into, width)) return false;
  }
  return file.finish();
}

}  // namespace

RawRows read_idx(MPI_Comm comm, const DatasetSpec& spec) {
  IdxFile images(spec.key + ".path", spec.path);
  IdxFile labels(spec.key + ".labels", spec.labels);
  agree_or_throw(comm, images.error().empty() ? labels.error() : images.error());
  agree_or_throw(comm, shape_problem(spec, images, labels));

  const std::int64_t count = images.items();
  const PetscInt features = static_cast<PetscInt>(images.item_bytes());
  PetscInt selected = spec.subset > 0 ? spec.subset : static_cast<PetscInt>(count - spec.offset);
  PetscInt local = PETSC_DECIDE, first = 0;
  HP_CALL(PetscSplitOwnership(comm, &local, &selected));
  MPI_Exscan(&local, &first, 1, MPIU_INT, MPI_SUM, comm);
  if (comm_rank(comm) == 0) first = 0;  // MPI_Exscan leaves rank 0's result undefined

  const double raw_bytes = static_cast<double>(local) * (static_cast<double>(features) + 1.0);
  check_memory(comm, raw_bytes + static_cast<double>(features),
               spec.key + ": " + std::to_string(selected) + " IDX images of " + std::to_string(features) + " pixels",
               "lower " + spec.key + ".subset or run with more ranks");
  // Not value-initialised: a page is touched only when an image arrives, so a header that
  // claims more images than the file holds costs no memory.
  const std::size_t pixel_count = static_cast<std::size_t>(local) * static_cast<std::size_t>(features);
  const std::unique_ptr<unsigned char[]> pixels(new unsigned char[pixel_count]);
  std::vector<unsigned char> classes(static_cast<std::size_t>(local));

  const Selection sel(spec, count, first, local);
  if (read_labels(labels, sel, classes)) read_images(images, sel, pixels.get());
  agree_or_throw(comm, labels.error().empty() ? images.error() : labels.error());

  // Sparse rows: count first, so the check and the allocation are exact.
  const auto nnz = static_cast<std::int64_t>(
      pixel_count - static_cast<std::size_t>(std::count(pixels.get(), pixels.get() + pixel_count, 0)));
  agree_or_throw(comm, nnz > PETSC_MAX_INT ? spec.key + ": more than " + std::to_string(PETSC_MAX_INT) +
                                                 " nonzero pixels on one MPI rank; run with more ranks"
                                           : std::string());
  check_memory(comm, 12.0 * static_cast<double>(nnz) + 12.0 * static_cast<double>(local),
               spec.key + ": " + std::to_string(selected) + " IDX images as sparse rows",
               "lower " + spec.key + ".subset or run with more ranks");
  RawRows rows;
  rows.row_ptr.reserve(static_cast<std::size_t>(local) + 1);
  rows.cols.reserve(static_cast<std::size_t>(nnz));
  rows.vals.reserve(static_cast<std::size_t>(nnz));
  rows.labels.reserve(static_cast<std::size_t>(local));
  for (PetscInt r = 0; r < local; ++r) {
    const unsigned char* px = pixels.get() + static_cast<std::size_t>(r) * static_cast<std::size_t>(features);
    for (PetscInt j = 0; j < features; ++j) {
      if (px[j] == 0) continue;
      rows.cols.push_back(j);
      rows.vals.push_back(static_cast<PetscScalar>(px[j]) / 255.0);
    }
    rows.row_ptr.push_back(static_cast<PetscInt>(rows.cols.size()));
    rows.labels.push_back(static_cast<double>(classes[static_cast<std::size_t>(r)]));
  }

  // d counts every pixel, even ones that are zero throughout.
  finish_rows(comm, spec, features - 1, rows);
  return rows;
}

}  // namespace hp::data_detail
