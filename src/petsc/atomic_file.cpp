#include "hyperpetsc/petsc/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace {

std::string folder_of(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

// "<path>.tmp.<12 random base-32 characters>": 60 bits nobody can guess in advance.
std::string random_sibling(const std::string& path, std::random_device& entropy) {
  static constexpr char kDigits[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::uint64_t bits = (std::uint64_t{entropy()} << 32) ^ entropy();
  std::string name = path + ".tmp.";
  for (int i = 0; i < 12; ++i, bits >>= 5) name += kDigits[bits & 31];
  return name;
}

// Writes all of `text`, retrying short writes and interrupted calls; 0 or an errno.
int write_all(int fd, const std::string& text) {
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return 0;
}

// Makes the rename itself durable. Best effort: some file systems cannot fsync a folder,
// and the new file is complete either way.
void sync_folder(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

}  // namespace

void check_writable(const std::string& path, const std::string& what) {
  namespace fs = std::filesystem;
  const std::string dir = folder_of(path);
  const std::string where = what + " " + quote_user_path(path);
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw UserError(where + ": folder " + quote_user_path(dir) + " does not exist; create it first");
  if (::access(dir.c_str(), W_OK) != 0)
    throw UserError(where + ": folder " + quote_user_path(dir) + " is not writable");
  if (fs::is_directory(path, ec)) throw UserError(where + " is a folder; give a file name");
}

void write_file_atomically(const std::string& path, const std::string& text,
                           const std::string& what) {
  const std::string where = what + " " + quote_user_path(path);
  std::random_device entropy;
  std::string tmp;
  int fd = -1;
  int error = 0;
  for (int attempt = 0; attempt < 64 && fd < 0; ++attempt) {
    tmp = random_sibling(path, entropy);
    // Mode 0666: the kernel applies the umask, as for any new file.
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    error = fd < 0 ? errno : 0;
    if (fd < 0 && error != EEXIST) break;
  }
  if (fd < 0) {
    throw UserError(where + ": cannot create a file in its folder (" + std::strerror(error) +
                    "); check that the folder exists and is writable");
  }

  error = write_all(fd, text);
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(tmp.c_str());
    throw UserError(where + ": cannot write (" + std::strerror(error) + ")");
  }
  sync_folder(folder_of(path));
}

}  // namespace hp
