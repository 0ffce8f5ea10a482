// Checkpoints at 1, 2 and 4 ranks: bitwise round trips, refusing another configuration,
// damaged files named (never a crash), and what a kill at any point of a save leaves.
#include <gtest/gtest.h>
#include <petscsys.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "hyperpetsc/config/yaml_source.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/service/checkpoint.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using hp::CheckpointData;

// PETSC_COMM_WORLD is only set by PetscInitialize, after static initialisation.
MPI_Comm comm() { return PETSC_COMM_WORLD; }

bool is_root() { return hp::comm_rank(comm()) == 0; }

// A run folder shared by every rank, removed when the test ends.
struct RunDir {
  std::string path = hp::test::shared_temp_dir(comm());
  ~RunDir() {
    MPI_Barrier(comm());
    std::error_code ignored;
    if (is_root()) fs::remove_all(path, ignored);
  }
};

std::set<std::string> files_in(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs `edit` on rank 0 only (a file change other ranks must not race), then waits.
template <class F>
void on_root(F edit) {
  if (is_root()) edit();
  MPI_Barrier(comm());
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Doubles that a text or rounding round trip would damage: random bit patterns (NaNs with
// payloads included), denormals, -0, the extremes.
std::vector<double> awkward_doubles(std::size_t n, unsigned seed) {
  std::mt19937_64 bits(seed);
  std::vector<double> v(n);
  for (double& x : v) {
    const std::uint64_t b = bits();
    std::memcpy(&x, &b, sizeof x);
  }
  const double specials[] = {-0.0,
                             0.0,
                             std::numeric_limits<double>::denorm_min(),
                             -std::numeric_limits<double>::denorm_min(),
                             2.2250738585072009e-308,  // the largest denormal
                             std::numeric_limits<double>::max(),
                             -std::numeric_limits<double>::max(),
                             std::numeric_limits<double>::infinity(),
                             0.1,
                             1.0 / 3.0};
  for (std::size_t i = 0; i < std::size(specials) && i < n; ++i) v[i] = specials[i];
  return v;
}

CheckpointData sample(long long step) {
  CheckpointData d;
  d.step = step;
  d.config = {{"inner.iterations", "100"}, {"outer.optimizer", "adam"}, {"hyperparameters.bounds", "[-10, 5]"},
              {"run.dir", "runs/a \"quoted\"\tname"}, {"store", "runs/runs.db"}};
  d.scalars = {{"adam_t", 12},
               {"minus_zero", -0.0},
               {"denormal", 4.9406564584124654e-324},
               {"huge", 1.7976931348623157e308},
               {"tenth", 0.1},
               {"best_val_loss", std::numeric_limits<double>::infinity()},
               {"worst", -std::numeric_limits<double>::infinity()},
               {"rng_state", 18446744073709549568.0},
               {"step size", 1.0 / 3.0}};
  if (is_root()) {  // what the caller gathers; other ranks hold nothing
    d.vectors["lambda"] = awkward_doubles(1000, 1);
    d.vectors["w"] = awkward_doubles(37, 2);
    d.vectors["adam_m"] = awkward_doubles(1000, 3);
    d.vectors["empty"] = {};
  }
  return d;
}

// Step, configuration and scalars (bitwise); the vectors are compared by expect_vectors.
void expect_same_scalars(const CheckpointData& got, const CheckpointData& want) {
  EXPECT_EQ(got.step, want.step);
  EXPECT_EQ(got.config, want.config);
  ASSERT_EQ(got.scalars.size(), want.scalars.size());
  for (const auto& [name, value] : want.scalars) {
    ASSERT_TRUE(got.scalars.count(name)) << name;
    EXPECT_TRUE(same_bits(got.scalars.at(name), value)) << name << ": " << got.scalars.at(name) << " vs " << value;
  }
}

// Every rank holds the whole checkpoint: compare with the vectors rank 0 saved, rebuilt here.
void expect_vectors(const CheckpointData& got, const std::map<std::string, std::vector<double>>& want) {
  ASSERT_EQ(got.vectors.size(), want.size());
  for (const auto& [name, values] : want) {
    ASSERT_TRUE(got.vectors.count(name)) << name;
    const auto& g = got.vectors.at(name);
    ASSERT_EQ(g.size(), values.size()) << name;
    if (!values.empty()) EXPECT_EQ(std::memcmp(g.data(), values.data(), values.size() * sizeof(double)), 0) << name;
  }
}

std::map<std::string, std::vector<double>> sample_vectors() {
  return {{"lambda", awkward_doubles(1000, 1)}, {"w", awkward_doubles(37, 2)}, {"adam_m", awkward_doubles(1000, 3)}, {"empty", {}}};
}

TEST(Checkpoint, RoundTripIsBitwiseOnEveryRank) {
  const RunDir dir;
  const CheckpointData saved = sample(7);
  hp::save_checkpoint(comm(), dir.path, saved);
  // Only the metadata and one data file (no PETSc .info file, no temporaries).
  EXPECT_EQ(files_in(dir.path), (std::set<std::string>{"checkpoint.json", "checkpoint-7.petsc"}));

  const auto loaded = hp::load_checkpoint(comm(), dir.path, saved.config, {});
  ASSERT_TRUE(loaded);
  expect_same_scalars(*loaded, saved);
  expect_vectors(*loaded, sample_vectors());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CheckpointData with_nan = saved;
  with_nan.scalars["not_a_number"] = nan;
  hp::save_checkpoint(comm(), dir.path, with_nan);
  const auto again = hp::load_checkpoint(comm(), dir.path, saved.config, {});
  ASSERT_TRUE(again);
  EXPECT_TRUE(std::isnan(again->scalars.at("not_a_number")));
}

TEST(Checkpoint, DataFileIsPetscBinaryOneVecPerVector) {
  const RunDir dir;
  CheckpointData d;
  d.step = 2;
  if (is_root()) d.vectors = {{"a", {1.5, -2.0}}, {"b", {3.0}}};
  hp::save_checkpoint(comm(), dir.path, d);
  on_root([&] {
    // PETSc's format: per Vec, VEC_FILE_CLASSID and the length (big-endian int32), then
    // the values (big-endian doubles), in the vectors' name order.
    const std::string bytes = read_bytes(dir.path + "/checkpoint-2.petsc");
    ASSERT_EQ(bytes.size(), 2 * 8u + 3 * 8u);
    auto int32_at = [&](std::size_t at) {
      std::uint32_t v = 0;
      for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
      return static_cast<std::int32_t>(v);
    };
    auto double_at = [&](std::size_t at) {
      std::uint64_t v = 0;
      for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
      double x;
      std::memcpy(&x, &v, sizeof x);
      return x;
    };
    EXPECT_EQ(int32_at(0), VEC_FILE_CLASSID);
    EXPECT_EQ(int32_at(4), 2);
    EXPECT_EQ(double_at(8), 1.5);
    EXPECT_EQ(double_at(16), -2.0);
    EXPECT_EQ(int32_at(24), VEC_FILE_CLASSID);
    EXPECT_EQ(int32_at(28), 1);
    EXPECT_EQ(double_at(32), 3.0);
  });
}

TEST(Checkpoint, NothingToLoadIsNullopt) {
  const RunDir dir;
  EXPECT_FALSE(hp::load_checkpoint(comm(), dir.path, {}, {}));
  EXPECT_FALSE(hp::load_checkpoint(comm(), dir.path + "/never-created", {}, {}));
}

TEST(Checkpoint, AnotherConfigurationIsRefusedByName) {
  const RunDir dir;
  const CheckpointData saved = sample(3);
  hp::save_checkpoint(comm(), dir.path, saved);
  auto now = saved.config;
  now["inner.iterations"] = "200";
  now["outer.optimizer"] = "sgd";  // later in sorted order: the first difference is named
  const std::string msg = hp::test::user_error_of([&] { hp::load_checkpoint(comm(), dir.path, now, {}); });
  EXPECT_NE(msg.find("checkpoint '" + dir.path + "/checkpoint.json' was written with another configuration: "
                     "'inner.iterations' is '100' there and '200' now"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("run without --resume in a fresh run.dir"), std::string::npos) << msg;
  EXPECT_NE(msg.find("restore the configuration"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("outer.optimizer"), std::string::npos) << msg;

  // A key on one side only differs too; user text is quoted and escaped.
  auto added = saved.config;
  added["problem.t"] = "0.5\x1b[31m";
  const std::string extra = hp::test::user_error_of([&] { hp::load_checkpoint(comm(), dir.path, added, {}); });
  EXPECT_NE(extra.find("'problem.t' is absent there and '0.5\\x1B[31m' now"), std::string::npos) << extra;
  auto removed = saved.config;
  removed.erase("store");
  const std::string gone = hp::test::user_error_of([&] { hp::load_checkpoint(comm(), dir.path, removed, {}); });
  EXPECT_NE(gone.find("'store' is 'runs/runs.db' there and absent now"), std::string::npos) << gone;
}

TEST(Checkpoint, IgnoredKeysMayDiffer) {
  const RunDir dir;
  const CheckpointData saved = sample(3);
  hp::save_checkpoint(comm(), dir.path, saved);
  auto now = saved.config;
  now["outer.iterations"] = "500";  // absent in the checkpoint
  now["store"] = "elsewhere.db";
  const auto loaded = hp::load_checkpoint(comm(), dir.path, now, {"outer.iterations", "store"});
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->config, saved.config);  // what was saved, not what is expected
  const std::string msg = hp::test::user_error_of([&] { hp::load_checkpoint(comm(), dir.path, now, {"store"}); });
  EXPECT_NE(msg.find("'outer.iterations' is absent there and '500' now"), std::string::npos) << msg;
}

// Every way a data file can be damaged is a UserError naming it, the same on every rank.
TEST(Checkpoint, DamagedDataFileIsNamedNeverACrash) {
  const RunDir dir;
  const CheckpointData saved = sample(4);
  const std::string data = dir.path + "/checkpoint-4.petsc";
  const std::string prefix = "checkpoint '" + dir.path + "/checkpoint.json' is damaged: its data file '" + data + "'";
  auto damage = [&](const std::function<void()>& edit, const std::string& what) {
    on_root([&] {  // a fresh folder, so the data file has its first name
      for (const auto& e : fs::directory_iterator(dir.path)) fs::remove(e.path());
    });
    hp::save_checkpoint(comm(), dir.path, saved);
    on_root(edit);
    const std::string msg = hp::test::user_error_of([&] { hp::load_checkpoint(comm(), dir.path, saved.config, {}); });
    EXPECT_NE(msg.find(prefix + what), std::string::npos) << msg;
    EXPECT_NE(msg.find("run without --resume in a fresh run.dir"), std::string::npos) << msg;
  };
  damage([&] {  // one bit flipped in the middle of λ
    std::fstream f(data, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(100);
    char c = 0;
    f.read(&c, 1);
    c ^= 0x10;
    f.seekp(100);
    f.write(&c, 1);
  }, " fails its checksum");
  damage([&] { fs::resize_file(data, 1000); }, " has 1000 bytes instead of");
  damage([&] { fs::remove(data); }, " is missing");
  damage([&] { fs::resize_file(data, 0); }, " has 0 bytes instead of");
}

TEST(Checkpoint, DamagedMetadataIsNamed) {
  const RunDir dir;
  const CheckpointData saved = sample(4);
  const std::string meta = dir.path + "/checkpoint.json";
  auto damaged = [&](const std::string& text, const std::string& what) {
    hp::save_checkpoint(comm(), dir.path, saved);
    on_root([&] { std::ofstream(meta, std::ios::binary | std::ios::trunc) << text; });
    const std::string msg = hp::test::user_error_of([&] { hp::load_checkpoint(comm(), dir.path, saved.config, {}); });
    EXPECT_NE(msg.find("checkpoint '" + meta + "' is damaged: " + what), std::string::npos) << msg;
  };
  damaged("{\"format\": \"hyperpetsc-checkpoint\", \"vers", "checkpoint.json does not parse");
  damaged("", "checkpoint.json is not a JSON object");
  damaged("[1, 2]", "checkpoint.json is not a JSON object");
  damaged("{\"format\": \"other\"}", "checkpoint.json is not a HyperPETSc checkpoint");
  damaged("{\"format\": \"hyperpetsc-checkpoint\", \"version\": 1}", "checkpoint.json has no \"step\"");
  // A data file outside the run folder is never opened.
  std::string text;
  hp::save_checkpoint(comm(), dir.path, saved);
  if (is_root()) text = read_bytes(meta);
  on_root([&] {
    const auto at = text.find("checkpoint-4.petsc");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, std::strlen("checkpoint-4.petsc"), "../checkpoint-4.petsc");
    std::ofstream(meta, std::ios::binary | std::ios::trunc) << text;
  });
  const std::string msg = hp::test::user_error_of([&] { hp::load_checkpoint(comm(), dir.path, saved.config, {}); });
  EXPECT_NE(msg.find("is not a checkpoint data file name"), std::string::npos) << msg;
}

// What a kill at each point of save_checkpoint leaves behind: the previous checkpoint
// loads, and the next save sweeps the leftovers away.
TEST(Checkpoint, KillDuringSaveLeavesThePreviousCheckpoint) {
  const RunDir dir;
  const CheckpointData first = sample(3);
  hp::save_checkpoint(comm(), dir.path, first);
  on_root([&] {
    // Killed while PETSc wrote step 5; after the data file's rename; while writing
    // checkpoint.json's temporary.
    std::ofstream(dir.path + "/checkpoint-5.petsc.tmp.Ab12Cd", std::ios::binary) << "partial";
    std::ofstream(dir.path + "/checkpoint-5.petsc", std::ios::binary) << "complete but never committed";
    std::ofstream(dir.path + "/checkpoint.json.tmp.abcdefghijkl", std::ios::binary) << "{\"format\": \"hyperp";
  });
  const auto loaded = hp::load_checkpoint(comm(), dir.path, first.config, {});
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->step, 3);
  expect_vectors(*loaded, sample_vectors());

  CheckpointData next = sample(5);
  next.scalars["adam_t"] = 99;
  hp::save_checkpoint(comm(), dir.path, next);
  EXPECT_EQ(files_in(dir.path), (std::set<std::string>{"checkpoint.json", "checkpoint-5.petsc"}));
  const auto resumed = hp::load_checkpoint(comm(), dir.path, first.config, {});
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->step, 5);
  EXPECT_EQ(resumed->scalars.at("adam_t"), 99);
  expect_vectors(*resumed, sample_vectors());
}

// A resumed run checkpointing at the committed step never overwrites the committed file.
TEST(Checkpoint, SaveAtTheCommittedStepUsesTheOtherName) {
  const RunDir dir;
  CheckpointData d;
  d.step = 4;
  if (is_root()) d.vectors["lambda"] = {1, 2, 3};
  hp::save_checkpoint(comm(), dir.path, d);
  if (is_root()) d.vectors["lambda"] = {4, 5, 6};
  hp::save_checkpoint(comm(), dir.path, d);
  EXPECT_EQ(files_in(dir.path), (std::set<std::string>{"checkpoint.json", "checkpoint-4.1.petsc"}));
  auto loaded = hp::load_checkpoint(comm(), dir.path, {}, {});
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->vectors.at("lambda"), (std::vector<double>{4, 5, 6}));
  if (is_root()) d.vectors["lambda"] = {7, 8, 9};
  hp::save_checkpoint(comm(), dir.path, d);
  EXPECT_EQ(files_in(dir.path), (std::set<std::string>{"checkpoint.json", "checkpoint-4.petsc"}));
  loaded = hp::load_checkpoint(comm(), dir.path, {}, {});
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->vectors.at("lambda"), (std::vector<double>{7, 8, 9}));
}

TEST(Checkpoint, UnwritableFolderFailsOnEveryRank) {
  const RunDir dir;
  const std::string missing = dir.path + "/no/such/folder";
  const std::string msg = hp::test::user_error_of([&] { hp::save_checkpoint(comm(), missing, sample(1)); });
  EXPECT_NE(msg.find("cannot save a checkpoint in run folder '" + missing + "': the folder does not exist"),
            std::string::npos)
      << msg;
}

// The size of the default experiment's state (λ per pixel, w, v, Adam's m and s for a
// few hundred thousand parameters): 2.6M doubles, one VecView per vector.
TEST(Checkpoint, MillionsOfValuesRoundTrip) {
  const RunDir dir;
  CheckpointData d;
  d.step = 1;
  std::map<std::string, std::vector<double>> want = {{"lambda", awkward_doubles(2000000, 5)},
                                                     {"w", awkward_doubles(600000, 6)}};
  if (is_root()) d.vectors = want;
  const double t0 = MPI_Wtime();
  hp::save_checkpoint(comm(), dir.path, d);
  const double t1 = MPI_Wtime();
  const auto loaded = hp::load_checkpoint(comm(), dir.path, {}, {});
  const double t2 = MPI_Wtime();
  if (is_root()) expect_vectors(d, want);  // PETSc swapped the bytes back after writing
  ASSERT_TRUE(loaded);
  expect_vectors(*loaded, want);
  if (is_root())
    std::printf("[ timing   ] 2.6M doubles: save %.3f s, load + broadcast to %d ranks %.3f s\n", t1 - t0,
                hp::comm_size(comm()), t2 - t1);
}

TEST(Checkpoint, FlattenConfig) {
  const hp::ConfigNode root = hp::parse_yaml(
      "outer: {optimizer: adam, learning_rate: 0.05}\n"
      "hyperparameters: {init: -3.0, bounds: [-10, 5]}\n"
      "inner: {tol: 0, schedule: {kind: geometric, decay: 0.9}}\n"
      "run: {dir: 'runs/x y', refit: ~}\n"
      "petsc_options: {}\n"
      "store: runs/runs.db\n",
      "flatten.yaml");
  const std::map<std::string, std::string> want = {
      {"outer.optimizer", "adam"},         {"outer.learning_rate", "0.05"},
      {"hyperparameters.init", "-3.0"},    {"hyperparameters.bounds", "[-10, 5]"},
      {"inner.tol", "0"},                  {"inner.schedule.kind", "geometric"},
      {"inner.schedule.decay", "0.9"},     {"run.dir", "runs/x y"},
      {"run.refit", "~"},                  {"petsc_options", "{}"},
      {"store", "runs/runs.db"}};
  EXPECT_EQ(hp::flatten_config(root), want);
  EXPECT_TRUE(hp::flatten_config(hp::ConfigNode{}).empty());
}

}  // namespace
