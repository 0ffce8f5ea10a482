// The run-folder lock on one process and its forked children (it is local, not
// collective): another process is refused with its pid and host, a dead holder's lock is
// free, a second lock in one process is refused without releasing the first.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/service/run_lock.hpp"

namespace fs = std::filesystem;
using hp::RunLock;

namespace {

class RunLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hp-lock-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    run_dir_ = (base_ / "runs" / "example").string();
  }
  void TearDown() override { fs::remove_all(base_); }
  fs::path base_;
  std::string run_dir_;
};

std::string hostname() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

std::string lock_error(const std::string& run_dir) {
  try {
    RunLock lock(run_dir);
  } catch (const hp::UserError& e) {
    return e.what();
  }
  return "(no error)";
}

// A child process that takes the lock, reports, and holds it until told to exit (or is
// killed).
struct Holder {
  pid_t pid = -1;
  int go_fd = -1;
  explicit Holder(const std::string& run_dir) {
    int ready[2], go[2];
    if (pipe(ready) != 0 || pipe(go) != 0) std::abort();
    pid = fork();
    if (pid == 0) {
      close(ready[0]);
      close(go[1]);
      char c = 'n';
      try {
        RunLock lock(run_dir);
        c = 'y';
        (void)!write(ready[1], &c, 1);
        (void)!read(go[0], &c, 1);  // until the parent writes or closes
      } catch (...) {
        (void)!write(ready[1], &c, 1);
      }
      _exit(0);
    }
    close(ready[1]);
    close(go[0]);
    go_fd = go[1];
    char c = 0;
    if (read(ready[0], &c, 1) != 1 || c != 'y') std::abort();
    close(ready[0]);
  }
  void finish() {
    close(go_fd);
    int status = 0;
    waitpid(pid, &status, 0);
  }
  void kill_hard() {
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    close(go_fd);
  }
};

// Whether another process could take the lock now (it exits 0 if it could).
bool other_process_can_lock(const std::string& run_dir) {
  const pid_t child = fork();
  if (child == 0) {
    try {
      RunLock lock(run_dir);
      _exit(0);
    } catch (...) {
      _exit(1);
    }
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

TEST_F(RunLockTest, AnotherProcessIsRefusedWithItsPidAndHost) {
  Holder holder(run_dir_);
  const std::string msg = lock_error(run_dir_);
  EXPECT_EQ(msg, "run folder '" + run_dir_ + "' is in use by another hyperpetsc process (pid " +
                     std::to_string(holder.pid) + " on host '" + hostname() +
                     "'); wait for it to finish or set run.dir to another folder");
  // Refusing did not disturb the holder.
  EXPECT_FALSE(other_process_can_lock(run_dir_));
  holder.finish();
  EXPECT_TRUE(other_process_can_lock(run_dir_));
  RunLock lock(run_dir_);
}

TEST_F(RunLockTest, AKilledHolderLeavesTheFolderFree) {
  Holder holder(run_dir_);
  holder.kill_hard();  // no destructor ran; the .lock file stays, full of the dead pid
  EXPECT_TRUE(fs::exists(run_dir_ + "/.lock"));
  RunLock lock(run_dir_);
  std::ifstream f(run_dir_ + "/.lock");
  const std::string text((std::istreambuf_iterator<char>(f)), {});
  EXPECT_EQ(text, std::to_string(getpid()) + " " + hostname() + "\n");
}

TEST_F(RunLockTest, SecondLockInOneProcessIsRefusedAndTheFirstStaysHeld) {
  {
    RunLock first(run_dir_);
    // Other spellings of the same folder are the same lock.
    for (const std::string& other : {run_dir_, run_dir_ + "/", run_dir_ + "/../example"}) {
      const std::string msg = lock_error(other);
      EXPECT_NE(msg.find("is in use by another hyperpetsc process (pid " + std::to_string(getpid())), std::string::npos)
          << msg;
      EXPECT_NE(msg.find("this very process"), std::string::npos) << msg;
    }
    EXPECT_FALSE(other_process_can_lock(run_dir_));  // no failed attempt released it
  }
  EXPECT_TRUE(other_process_can_lock(run_dir_));
  RunLock again(run_dir_);
}

TEST_F(RunLockTest, FoldersAreIndependent) {
  RunLock a(run_dir_);
  RunLock b(run_dir_ + "-2");
  EXPECT_TRUE(fs::is_directory(run_dir_ + "-2"));
}

TEST_F(RunLockTest, UncreatableFolderIsAUserError) {
  std::ofstream(base_ / "file") << "x";
  const std::string msg = lock_error((base_ / "file" / "run").string());
  EXPECT_NE(msg.find("cannot create run folder"), std::string::npos) << msg;
}
