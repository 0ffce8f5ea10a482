// require_regular_file: stat only (a FIFO is never opened), one message per kind of path.
#include <gtest/gtest.h>
#include <petscsys.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/regular_file.hpp"
#include "test_support.hpp"

namespace {

std::string thrown(const std::string& path) {
  try {
    hp::require_regular_file(path, "config file", "give a YAML file");
  } catch (const hp::UserError& e) {
    return e.what();
  }
  return "";
}

TEST(RegularFile, EachKindOfPathHasItsMessage) {
  const std::string dir = hp::test::shared_temp_dir(PETSC_COMM_SELF);
  const std::string file = dir + "/c.yaml", fifo = dir + "/fifo";
  std::ofstream(file) << "a: 1\n";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);

  EXPECT_EQ(thrown(file), "");
  EXPECT_EQ(hp::regular_file_problem(file, "x"), "");
  EXPECT_EQ(thrown(fifo), "config file: '" + fifo +
                              "' is a FIFO (named pipe), not a regular file; give a YAML file");
  EXPECT_EQ(thrown(dir), "config file: '" + dir + "' is a folder, not a regular file; give a YAML file");
  EXPECT_EQ(thrown("/dev/null"),
            "config file: '/dev/null' is a character device, not a regular file; give a YAML file");
  EXPECT_EQ(thrown(dir + "/none.yaml"), "config file: '" + dir + "/none.yaml' not found; give a YAML file");
  EXPECT_EQ(thrown(""), "config file: no file given; give a YAML file");
  // The path is escaped: a terminal never sees its control bytes.
  EXPECT_EQ(hp::regular_file_problem(dir + "/\x1b[2J", "x"), "x: '" + dir + "/\\x1B[2J' not found");
  std::filesystem::remove_all(dir);
}

}  // namespace
