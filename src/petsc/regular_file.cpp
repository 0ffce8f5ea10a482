#include "hyperpetsc/petsc/regular_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a file";
}

}  // namespace

std::string regular_file_problem(const std::string& path, const std::string& what) {
  const std::string where = what + ": " + quote_user_path(path);
  if (path.empty()) return what + ": no file given";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int error = errno;
    if (error == ENOENT) return where + " not found";
    if (error == ENOTDIR) return where + " not found (a part of it is not a folder)";
    return where + " cannot be read (" + std::strerror(error) + ")";
  }
  if (S_ISREG(st.st_mode)) return {};
  return where + " is " + kind_of(st.st_mode) + ", not a regular file";
}

void require_regular_file(const std::string& path, const std::string& what,
                          const std::string& advice) {
  const std::string problem = regular_file_problem(path, what);
  if (!problem.empty()) throw UserError(problem + "; " + advice);
}

}  // namespace hp
