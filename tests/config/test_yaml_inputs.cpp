// YAML shapes and scalars a new user (or a fuzzer) tried: each is a clear hp::UserError
// naming the key or line, never a crash, a hang or a silently different value.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <string>

#include "hyperpetsc/engine/settings.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "config_testing.hpp"
#include "test_support.hpp"
#include "hyperpetsc/problems/labelled_splits.hpp"

namespace {

const char* const kBase = hp::test::kMinimalConfig;


std::string text_error(const std::string& text, const std::vector<std::string>& sets = {}) {
  return hp::test::user_error_of([&] { hp::settings_from_text(text, "c.yaml", ".", sets); });
}

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << (msg)

TEST(YamlInputs, ComplexKeysAreRefused) {
  EXPECT_HAS(text_error(std::string(kBase) + "? [a, b]\n: 1\n"), "a key must be a plain name");
  EXPECT_HAS(text_error(kBase, {"inner={[a]: 1}"}), "a key must be a plain name");
  EXPECT_HAS(text_error(kBase, {"inner={[a]: 1}"}), "--set");
}

TEST(YamlInputs, DuplicateKeysAreRefused) {
  const std::string msg = text_error(std::string(kBase) + "inner: {iterations: 50, iterations: 7}\n");
  EXPECT_HAS(msg, "duplicate key");
  EXPECT_HAS(msg, "iterations");
  EXPECT_HAS(msg, "line 5");
  EXPECT_HAS(text_error(std::string(kBase) + "inner: {}\ninner: {}\n"), "duplicate key");
}

TEST(YamlInputs, OutOfRangeIntegersNeverWrap) {
  EXPECT_HAS(text_error("problem:\n  type: ridge_l2\n  train: {format: csv, path: a.csv, label_column: 4294967296}\n"
                        "  val: {format: synthetic}\n"),
             "problem.train.label_column");
  EXPECT_HAS(text_error(kBase, {"inner.iterations=2147483648"}), "32-bit");
  EXPECT_HAS(text_error(kBase, {"inner.iterations=99999999999999999999999"}), "inner.iterations");
  EXPECT_HAS(text_error(kBase, {"inner.iterations=1.5"}), "expected an integer");
  // Integers written as whole numbers are exact.
  EXPECT_EQ(hp::settings_from_text(kBase, "c.yaml", ".", {"inner.iterations=1e3"}).inner.iterations, 1000);
}

TEST(YamlInputs, EmptySetValuesAreRefused) {
  EXPECT_HAS(text_error(kBase, {"inner.iterations="}), "no value after '='");
  EXPECT_HAS(text_error(kBase, {"=5"}), "expected section.key=value");
  EXPECT_HAS(text_error(kBase, {"inner..iterations=5"}), "empty key segment");
}

TEST(YamlInputs, SetValuesAreReportedAsComingFromSet) {
  const std::string msg = text_error(kBase, {"inner.iterations=abc"});
  EXPECT_HAS(msg, "--set 'inner.iterations=abc'");
  EXPECT_EQ(msg.find("line"), std::string::npos) << msg;
}

TEST(YamlInputs, NumbersThatUnderflowOrOverflowAreNamedAsSuch) {
  EXPECT_HAS(text_error(kBase, {"hypergradient.tol=1e-400"}), "underflows");
  EXPECT_HAS(text_error(kBase, {"hyperparameters.init=1e400"}), "overflows");
  EXPECT_HAS(text_error(kBase, {"hyperparameters.init=.nan"}), "finite");
  EXPECT_HAS(text_error(kBase, {"hyperparameters.init=0x10"}), "expected a number");
}

TEST(YamlInputs, DeepNestingAndAliasBombsAreRefused) {
  std::string deep = std::string(kBase) + "x: ";
  for (int i = 0; i < 200; ++i) deep += "[";
  for (int i = 0; i < 200; ++i) deep += "]";
  const std::string msg = text_error(deep + "\n");
  EXPECT_TRUE(msg.find("nested") != std::string::npos || msg.find("deep") != std::string::npos) << msg;
  std::string bomb = std::string(kBase) + "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 8; ++i)
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [*a" + std::to_string(i - 1) + ", *a" +
            std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + ", *a" +
            std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + ", *a" +
            std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + "]\n";
  EXPECT_HAS(text_error(bomb), "values");
}

TEST(YamlInputs, UserBytesInKeysAreQuotedAndEscaped) {
  const std::string msg = text_error(std::string(kBase) + "inner: {\"\\e[31mred\": 1}\n");
  EXPECT_HAS(msg, "\\x1B[31mred");
  EXPECT_EQ(msg.find('\x1b'), std::string::npos);
  const std::string long_key(100000, 'k');
  const std::string m2 = text_error(std::string(kBase) + "inner: {" + long_key + ": 1}\n");
  EXPECT_LT(m2.size(), 400u) << m2.size();
}

TEST(YamlInputs, BytesTheParserQuotesAreEscaped) {
  // yaml-cpp names a bad escape by its raw byte (a fuzz finding of fuzz_sweep_spec).
  const std::string msg = text_error(std::string(kBase) + "x: \"\\\x04\"\n");
  EXPECT_HAS(msg, "unknown escape character: \\x04");
  for (const char c : msg) EXPECT_GE(static_cast<unsigned char>(c), 0x20u) << msg;
}

TEST(YamlInputs, ConfigPathsThatAreNotRegularFilesAreRefusedWithoutHanging) {
  char dir[] = "/tmp/hp-yaml-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string fifo = std::string(dir) + "/fifo.yaml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_HAS(hp::test::user_error_of([&] { hp::load_settings(fifo, {}); }), "FIFO");
  EXPECT_HAS(hp::test::user_error_of([&] { hp::load_settings(dir, {}); }), "folder");
  EXPECT_HAS(hp::test::user_error_of([&] { hp::load_settings("/dev/zero", {}); }), "character device");
  EXPECT_HAS(hp::test::user_error_of([&] { hp::load_settings(std::string(dir) + "/none.yaml", {}); }), "not found");
  unlink(fifo.c_str());
  rmdir(dir);
}

TEST(YamlInputs, RelativeDataPathsResolveAgainstTheConfigFolder) {
  const hp::Settings s = hp::settings_from_text(
      "problem: {type: ridge_l2, train: {path: d/a.svm}, val: {path: /abs/b.svm}}", "x/c.yaml", "/base/x", {});
  const auto& o = std::any_cast<const hp::LabelledDataOptions&>(s.problem.options);
  EXPECT_EQ(o.train.path, "/base/x/d/a.svm");
  EXPECT_EQ(o.val.path, "/abs/b.svm");
}

}  // namespace
