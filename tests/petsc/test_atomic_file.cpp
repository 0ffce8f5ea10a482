// write_file_atomically: never follows a planted symlink, leaves no temporary behind,
// and creates an ordinary file (mode from the umask).
#include <gtest/gtest.h>
#include <petscsys.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "hyperpetsc/petsc/atomic_file.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;

// A private folder removed when the test ends.
struct ScratchDir {
  std::string path = hp::test::shared_temp_dir(PETSC_COMM_SELF);
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

// Sets the umask for one test and restores it.
struct ScopedUmask {
  mode_t old;
  explicit ScopedUmask(mode_t m) : old(::umask(m)) {}
  ~ScopedUmask() { ::umask(old); }
};

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_plain(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

int count_temporaries(const std::string& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp") != std::string::npos) ++n;
  return n;
}

TEST(AtomicFile, PlantedSymlinksAtTemporaryNamesAreNotFollowed) {
  const ScratchDir dir;
  const ScopedUmask mask(022);
  const std::string victim = dir.path + "/victim", out = dir.path + "/out.json";
  write_plain(victim, "precious");
  // Every name a predictable scheme would use: <out>.tmp.<pid> for nearby pids (the old
  // scheme), plain suffixes, and dot-prefixed siblings.
  std::vector<std::string> planted = {out + ".tmp", out + "~", out + ".new", out + ".part",
                                      dir.path + "/.out.json.tmp", out + ".tmp.0"};
  const long pid = static_cast<long>(::getpid());
  for (long p = pid - 64; p <= pid + 64; ++p)
    if (p > 0) planted.push_back(out + ".tmp." + std::to_string(p));
  for (const auto& name : planted) fs::create_symlink(victim, name);

  hp::write_file_atomically(out, "{\"ok\": 1}\n");

  EXPECT_EQ(read_all(victim), "precious");
  ASSERT_TRUE(fs::is_regular_file(fs::symlink_status(out)));
  EXPECT_EQ(read_all(out), "{\"ok\": 1}\n");
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  for (const auto& name : planted) EXPECT_TRUE(fs::is_symlink(name)) << name << " was replaced";
}

TEST(AtomicFile, SymlinkAtTheTargetIsReplacedNotFollowed) {
  const ScratchDir dir;
  const std::string victim = dir.path + "/victim", out = dir.path + "/out.json";
  write_plain(victim, "precious");
  fs::create_symlink(victim, out);
  hp::write_file_atomically(out, "new");
  EXPECT_EQ(read_all(victim), "precious");
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(out)));
  EXPECT_EQ(read_all(out), "new");
}

TEST(AtomicFile, ModeFollowsTheUmaskAndContentIsReplacedWhole) {
  const ScratchDir dir;
  const std::string out = dir.path + "/result.json";
  const std::string big(3 << 20, 'x');  // several write(2) calls' worth
  for (const mode_t m : {mode_t{022}, mode_t{027}, mode_t{0}}) {
    const ScopedUmask mask(m);
    fs::remove(out);
    hp::write_file_atomically(out, big);
    struct stat st {};
    ASSERT_EQ(::stat(out.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0666u & ~m) << "umask " << m;
  }
  hp::write_file_atomically(out, "short");  // an existing, longer file is replaced
  EXPECT_EQ(read_all(out), "short");
  EXPECT_EQ(count_temporaries(dir.path), 0);
}

TEST(AtomicFile, FailuresLeaveNoTemporaryAndKeepTheTarget) {
  const ScratchDir dir;
  // The target is a folder: the rename fails after the temporary was written.
  const std::string folder = dir.path + "/taken";
  fs::create_directory(folder);
  write_plain(folder + "/inside", "kept");
  EXPECT_THROW(hp::write_file_atomically(folder, "data"), hp::UserError);
  EXPECT_EQ(count_temporaries(dir.path), 0);
  EXPECT_EQ(read_all(folder + "/inside"), "kept");
  // No such folder: nothing can be created.
  try {
    hp::write_file_atomically(dir.path + "/missing/out.json", "data");
    ADD_FAILURE() << "no error for a missing folder";
  } catch (const hp::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("missing/out.json"), std::string::npos) << e.what();
  }
}

TEST(AtomicFile, CheckWritableNamesTheProblem) {
  const ScratchDir dir;
  auto message = [](const std::string& path) -> std::string {
    try {
      hp::check_writable(path, "--json");
    } catch (const hp::UserError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(message(dir.path + "/fine.json"), "");
  EXPECT_NE(message(dir.path + "/no/such/x.json").find("does not exist"), std::string::npos);
  EXPECT_NE(message(dir.path).find("is a folder"), std::string::npos);
  EXPECT_NE(message(dir.path + "/a\x1b[31m/x.json").find("\\x1B[31m"), std::string::npos);
}

}  // namespace
