// The IDX reader (format: idx): exact values from plain and gzipped files, the selection
// keys (subset, offset, seed) identical for any number of ranks, one message per kind of
// broken input, and the real Fashion-MNIST files when installed.
#include <gtest/gtest.h>
#include <petscsys.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "data_testing.hpp"
#include "hyperpetsc/config/yaml_source.hpp"
#include "hyperpetsc/data/dataset.hpp"
#include "hyperpetsc/data/dataset_settings.hpp"
#include "test_support.hpp"

namespace {

using hp::test::collective_user_error;

// An IDX file: magic 0 0 <type> <ndims>, big-endian sizes, then `data`.
std::string idx_bytes(const std::vector<std::uint32_t>& dims, const std::string& data, unsigned char type = 0x08) {
  std::string s = {'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  for (const std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((d >> shift) & 0xFF);
  return s + data;
}

std::string gzipped(const std::string& raw) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);  // +16: gzip wrapper
  std::string out(deflateBound(&z, raw.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// An idx spec for images and labels written (by rank 0) into `dir`.
hp::DatasetSpec idx_spec(const std::string& dir, const std::string& images, const std::string& labels,
                         const std::string& suffix = "") {
  hp::DatasetSpec spec;
  spec.key = "problem.train";
  spec.format = "idx";
  spec.path = dir + "/images" + suffix;
  spec.labels = dir + "/labels" + suffix;
  hp::test::write_file(PETSC_COMM_WORLD, spec.path, images);
  hp::test::write_file(PETSC_COMM_WORLD, spec.labels, labels);
  return spec;
}

// Five 2 x 3 images and their labels.
const std::string kPixels = std::string("\x00\xff\x33\x00\x00\x01", 6) + std::string(6, '\0') +
                            std::string("\x80\x00\x00\x00\x00\x02", 6) + std::string("\x10\x20\x30\x40\x50\x60", 6) +
                            std::string("\x00\x00\x00\x00\x00\xfe", 6);
const std::string kLabels = std::string("\x03\x00\x09\x01\x07", 5);

std::vector<double> expected_dense() {
  std::vector<double> v;
  for (const char c : kPixels) v.push_back(static_cast<unsigned char>(c) / 255.0);
  return v;
}

TEST(Idx, PlainAndGzippedFilesGiveExactValues) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  const std::string images = idx_bytes({5, 2, 3}, kPixels), labels = idx_bytes({5}, kLabels);
  for (const bool gz : {false, true}) {
    SCOPED_TRACE(gz ? "gzipped" : "plain");
    const auto spec = gz ? idx_spec(dir, gzipped(images), gzipped(labels), ".gz") : idx_spec(dir, images, labels);
    const hp::RawRows rows = hp::read_rows(PETSC_COMM_WORLD, spec);
    EXPECT_EQ(rows.global_rows, 5);
    EXPECT_EQ(rows.max_col, 5);  // d = every pixel
    EXPECT_EQ(hp::test::dense(PETSC_COMM_WORLD, rows, 6), expected_dense());
    EXPECT_EQ(hp::test::all_labels(PETSC_COMM_WORLD, rows), (std::vector<double>{3, 0, 9, 1, 7}));
    for (const PetscScalar v : rows.vals) EXPECT_NE(v, 0.0);  // sparse: zeros dropped
  }
}

// 37 images of 1 x 2 whose first pixel is 1 + the file index; labels index % 10.
hp::DatasetSpec numbered(const std::string& dir) {
  std::string px, lb;
  for (int i = 0; i < 37; ++i) {
    px += static_cast<char>(i + 1);
    px += static_cast<char>(i % 3 == 0 ? 0 : 200);
    lb += static_cast<char>(i % 10);
  }
  return idx_spec(dir, gzipped(idx_bytes({37, 1, 2}, px)), idx_bytes({37}, lb), ".mixed");
}

// The file indices of the selected rows, in order (from the numbered first pixel).
std::vector<int> file_indices(const hp::RawRows& rows) {
  const std::vector<double> x = hp::test::dense(PETSC_COMM_WORLD, rows, 2);
  std::vector<int> out;
  for (std::size_t r = 0; r < x.size() / 2; ++r) out.push_back(static_cast<int>(x[2 * r] * 255.0 + 0.5) - 1);
  return out;
}

TEST(Idx, SubsetAndOffsetTakeAContiguousRangeInFileOrder) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  auto spec = numbered(dir);
  spec.offset = 5;
  spec.subset = 20;
  const hp::RawRows rows = hp::read_rows(PETSC_COMM_WORLD, spec);
  EXPECT_EQ(rows.global_rows, 20);
  std::vector<int> want(20);
  for (int k = 0; k < 20; ++k) want[k] = 5 + k;
  EXPECT_EQ(file_indices(rows), want);
  const std::vector<double> labels = hp::test::all_labels(PETSC_COMM_WORLD, rows);
  for (int k = 0; k < 20; ++k) EXPECT_EQ(labels[k], (5 + k) % 10);

  spec.subset = 0;  // all after offset
  spec.offset = 30;
  EXPECT_EQ(file_indices(hp::read_rows(PETSC_COMM_WORLD, spec)), (std::vector<int>{30, 31, 32, 33, 34, 35, 36}));
}

TEST(Idx, SeedShufflesReproduciblyAndIdenticallyForAnyRankCount) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  auto spec = numbered(dir);
  spec.seed = 7;
  spec.subset = 15;
  const hp::RawRows first = hp::read_rows(PETSC_COMM_WORLD, spec);
  const hp::RawRows alone = hp::read_rows(PETSC_COMM_SELF, spec);  // every row, one rank
  EXPECT_EQ(hp::test::row_mismatch(PETSC_COMM_WORLD, first, alone), "");
  const std::vector<int> train = file_indices(first);
  EXPECT_EQ(file_indices(hp::read_rows(PETSC_COMM_WORLD, spec)), train);  // reproducible
  std::vector<int> in_order(15);
  for (int k = 0; k < 15; ++k) in_order[k] = k;
  EXPECT_NE(train, in_order);  // shuffled

  // The rest of the same shuffle (another offset) is disjoint: together every example once.
  spec.offset = 15;
  spec.subset = 0;
  const std::vector<int> rest = file_indices(hp::read_rows(PETSC_COMM_WORLD, spec));
  EXPECT_EQ(rest.size(), 22u);
  std::set<int> all(train.begin(), train.end());
  all.insert(rest.begin(), rest.end());
  EXPECT_EQ(all.size(), 37u);
  EXPECT_EQ(*all.begin(), 0);
  EXPECT_EQ(*all.rbegin(), 36);

  spec.seed = 8;
  spec.offset = 0;
  spec.subset = 15;
  EXPECT_NE(file_indices(hp::read_rows(PETSC_COMM_WORLD, spec)), train);  // another seed, another order
}

TEST(Idx, BrokenInputsAreNamedWithTheirKeyAndFile) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  const std::string images = idx_bytes({5, 2, 3}, kPixels), labels = idx_bytes({5}, kLabels);
  std::string bad_crc = gzipped(images);
  bad_crc[bad_crc.size() - 8] ^= 0x5A;  // the gzip trailer's CRC-32
  const std::string gz = gzipped(images);
  struct Case {
    std::string name, images, labels;
    PetscInt offset, subset;
    std::vector<std::string> fragments;
  };
  const std::vector<Case> cases = {
      {"magic", "P5\n2 3\n255\n" + kPixels, labels, 0, 0, {"problem.train.path: '", "is not an IDX file", "0x50 0x35"}},
      {"type", idx_bytes({5, 2, 3}, kPixels, 0x0D), labels, 0, 0, {"holds data of type 0x0D (32-bit float)"}},
      {"counts", images, idx_bytes({4}, kLabels.substr(0, 4)), 0, 0,
       {"problem.train: the images file '", "images.counts' (problem.train.path) holds 5 examples but the labels file '",
        "labels.counts' (problem.train.labels) holds 4"}},
      {"swapped", labels, images, 0, 0, {"problem.train.path: '", "is it the labels file?"}},
      {"truncated", images.substr(0, images.size() - 1), labels, 0, 0,
       {"problem.train.path: '", "is truncated: it ends after 45 bytes", "(5 x 2 x 3)"}},
      {"truncated_header", images.substr(0, 9), labels, 0, 0, {"is truncated", "its header"}},
      {"truncated_gzip", gz.substr(0, gz.size() - 5), labels, 0, 0, {"is truncated: its gzip stream is cut off"}},
      {"corrupt_gzip", bad_crc, labels, 0, 0, {"is not a valid gzip stream", "incorrect data check"}},
      {"trailing", images + "x", labels, 0, 0, {"holds more data than its header (5 x 2 x 3) describes"}},
      {"labels_truncated", images, labels.substr(0, labels.size() - 2), 0, 0, {"problem.train.labels: '", "is truncated"}},
      {"beyond", images, labels, 3, 3, {"problem.train.offset (3) + problem.train.subset (3) exceed the 5 examples"}},
      {"none_left", images, labels, 5, 0, {"problem.train.offset (5) leaves none of the 5 examples"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto spec = idx_spec(dir, c.images, c.labels, "." + c.name);
    spec.offset = c.offset;
    spec.subset = c.subset;
    const std::string msg = collective_user_error(PETSC_COMM_WORLD, [&] { hp::read_rows(PETSC_COMM_WORLD, spec); });
    for (const auto& f : c.fragments) EXPECT_MESSAGE_HAS(msg, f);
  }
}

TEST(Idx, MissingOrSpecialFilesAreRefusedBeforeOpening) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  auto spec = idx_spec(dir, idx_bytes({5, 2, 3}, kPixels), idx_bytes({5}, kLabels));
  auto missing = spec;
  missing.path = spec.path + ".absent";
  std::string msg = collective_user_error(PETSC_COMM_WORLD, [&] { hp::read_rows(PETSC_COMM_WORLD, missing); });
  EXPECT_MESSAGE_HAS(msg, "problem.train.path: '" + missing.path + "' not found; check problem.train.path");
  auto folder = spec;
  folder.labels = dir.path();
  msg = collective_user_error(PETSC_COMM_WORLD, [&] { hp::read_rows(PETSC_COMM_WORLD, folder); });
  EXPECT_MESSAGE_HAS(msg, "problem.train.labels: '" + dir.path() + "' is a folder, not a regular file");
}

TEST(Idx, KeysApplyOnlyWithFormatIdx) {
  const hp::ParseContext ctx{"/cfg"};
  const auto parse = [&](const std::string& yaml) {
    return hp::parse_dataset(hp::parse_yaml(yaml, "t.yaml"), "problem.train", ctx);
  };
  const hp::DatasetSpec d =
      parse("{format: idx, path: a-images.gz, labels: a-labels.gz, subset: 10, offset: 3, seed: 4}");
  EXPECT_EQ(d.path, "/cfg/a-images.gz");
  EXPECT_EQ(d.labels, "/cfg/a-labels.gz");
  EXPECT_EQ(d.subset, 10);
  EXPECT_EQ(d.offset, 3);
  EXPECT_EQ(d.seed, 4u);
  EXPECT_EQ(parse(hp::emit_yaml(hp::write_dataset(d))).labels, d.labels);  // round trip
  EXPECT_EQ(parse("{format: synthetic, seed: 9}").synthetic.seed, 9u);     // synthetic's own seed

  EXPECT_MESSAGE_HAS(hp::test::user_error_of([&] { parse("{format: idx, path: a}"); }), "problem.train.labels");
  EXPECT_MESSAGE_HAS(hp::test::user_error_of([&] { parse("{format: csv, path: a, labels: b}"); }),
                     "only used with format: idx");
  EXPECT_MESSAGE_HAS(hp::test::user_error_of([&] { parse("{format: libsvm, path: a, seed: 2}"); }),
                     "problem.train.seed");
  EXPECT_MESSAGE_HAS(hp::test::user_error_of([&] { parse("{format: idx, path: a, labels: b, subset: -1}"); }),
                     "problem.train.subset");
}

TEST(Idx, FashionMnistTrainingImages) {
  const std::string folder = "/usr/share/datasets/fashion-mnist/";
  hp::DatasetSpec spec;
  spec.key = "problem.train";
  spec.format = "idx";
  spec.path = folder + "train-images-idx3-ubyte.gz";
  spec.labels = folder + "train-labels-idx1-ubyte.gz";
  if (!std::filesystem::exists(spec.path) || !std::filesystem::exists(spec.labels))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  spec.subset = 1000;
  const hp::RawRows rows = hp::read_rows(PETSC_COMM_WORLD, spec);
  EXPECT_EQ(rows.global_rows, 1000);
  EXPECT_EQ(rows.max_col + 1, 784);
  std::vector<double> labels = hp::test::all_labels(PETSC_COMM_WORLD, rows);
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  EXPECT_EQ(labels, (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  for (const PetscScalar v : rows.vals) {
    ASSERT_GT(v, 0.0);
    ASSERT_LE(v, 1.0);
  }
  EXPECT_GT(rows.vals.size(), 100u * static_cast<std::size_t>(rows.local_rows()));  // not blank images
}

}  // namespace
