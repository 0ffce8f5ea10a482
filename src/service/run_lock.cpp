#include "hyperpetsc/service/run_lock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <utility>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace {

// The lock files this process holds, by (device, inode): fcntl cannot tell us (see the
// header), and a folder may be named in many ways (relative, symlinks).
std::mutex held_mutex;
std::set<std::pair<unsigned long long, unsigned long long>>& held_files() {
  static std::set<std::pair<unsigned long long, unsigned long long>> held;
  return held;
}

std::string this_hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string in_use(const std::string& run_dir, const std::string& holder) {
  return "run folder " + quote_user_path(run_dir) + " is in use by another hyperpetsc process (" + holder +
         "); wait for it to finish or set run.dir to another folder";
}

// "pid P on host H" from the lock file's "<pid> <hostname>" (written by the holder right
// after it locked, so it may still be empty).
std::string describe_holder(int fd) {
  char buf[512] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string text(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  const auto space = text.find(' ');
  if (space == std::string::npos || space == 0) return "its pid and host are not recorded yet";
  const std::string pid = text.substr(0, space);
  const bool digits = pid.find_first_not_of("0123456789") == std::string::npos;
  return "pid " + (digits ? pid : quote_user_text(pid)) + " on host " + quote_user_text(text.substr(space + 1));
}

}  // namespace

RunLock::RunLock(const std::string& run_dir) : path_((std::filesystem::path(run_dir) / ".lock").string()) {
  std::error_code ec;
  std::filesystem::create_directories(run_dir, ec);
  if (ec)
    throw UserError("cannot create run folder " + quote_user_path(run_dir) + " (" + ec.message() +
                    "); set run.dir to a writable folder");

  std::lock_guard<std::mutex> guard(held_mutex);
  // Before opening: opening and closing a lock file this process holds would release it.
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 &&
      held_files().count({static_cast<unsigned long long>(st.st_dev), static_cast<unsigned long long>(st.st_ino)}))
    throw UserError(in_use(run_dir, "pid " + std::to_string(::getpid()) + " on host " + quote_user_text(this_hostname()) +
                                        ", this very process"));

  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd_ < 0)
    throw UserError("cannot create the lock file " + quote_user_path(path_) + " (" + std::strerror(errno) +
                    "); set run.dir to a writable folder");
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;  // l_start = l_len = 0: the whole file
  if (::fcntl(fd_, F_SETLK, &lock) != 0) {
    const int error = errno;
    const std::string holder = error == EACCES || error == EAGAIN ? describe_holder(fd_) : std::string();
    ::close(fd_);
    fd_ = -1;
    if (!holder.empty()) throw UserError(in_use(run_dir, holder));
    throw UserError("cannot lock " + quote_user_path(path_) + " (" + std::strerror(error) +
                    "); the file system of run.dir must support fcntl locks (on NFS, the lock manager)");
  }
  if (::fstat(fd_, &st) == 0) {
    device_ = static_cast<unsigned long long>(st.st_dev);
    inode_ = static_cast<unsigned long long>(st.st_ino);
  }
  held_files().insert({device_, inode_});
  // Who holds it, for the message another process prints; a failure here only loses that.
  const std::string owner = std::to_string(::getpid()) + " " + this_hostname() + "\n";
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, owner.data(), owner.size(), 0);
}

RunLock::~RunLock() {
  std::lock_guard<std::mutex> guard(held_mutex);
  (void)!::ftruncate(fd_, 0);
  held_files().erase({device_, inode_});
  ::close(fd_);  // releases the lock
}

}  // namespace hp
