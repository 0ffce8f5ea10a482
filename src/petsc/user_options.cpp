#include "hyperpetsc/petsc/user_options.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace {

// "" if `path` is a readable regular file, else why not.
std::string unreadable_file(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::strerror(errno);
  if (S_ISDIR(st.st_mode)) return "it is a directory";
  if (!S_ISREG(st.st_mode)) return "it is not a regular file";
  if (access(path.c_str(), R_OK) != 0) return std::strerror(errno);
  return "";
}

// "" if a file can be created or overwritten at `path`, else why not.
std::string unwritable_file(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return "it is a directory";
    return access(path.c_str(), W_OK) == 0 ? "" : std::strerror(errno);
  }
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  if (stat(dir.c_str(), &st) != 0) return "its folder does not exist";
  if (!S_ISDIR(st.st_mode)) return "its folder is not a directory";
  if (access(dir.c_str(), W_OK | X_OK) != 0) return std::string("its folder: ") + std::strerror(errno);
  return "";
}

// -log_view's value is [type][:file[:format[:mode]]]; the file, or "" for the terminal
// (or a viewer type without a file).
std::string log_view_file(const std::string& value) {
  const std::size_t colon = value.find(':');
  if (colon == std::string::npos) return "";
  const std::string type = value.substr(0, colon);
  if (!type.empty() && type != "ascii" && type != "binary") return "";
  std::string file = value.substr(colon + 1);
  file = file.substr(0, file.find(':'));
  if (file == "stdout" || file == "stderr") return "";
  return file;
}

}  // namespace

bool is_bad_option_code(PetscErrorCode code) {
  switch (code) {
    case PETSC_ERR_ARG_UNKNOWN_TYPE:
    case PETSC_ERR_ARG_WRONG:
    case PETSC_ERR_ARG_OUTOFRANGE:
    case PETSC_ERR_ARG_INCOMP:
    case PETSC_ERR_SUP:
    case PETSC_ERR_MISSING_FACTOR:
    case PETSC_ERR_FILE_OPEN:
    case PETSC_ERR_FILE_READ:
    case PETSC_ERR_FILE_WRITE:
    case PETSC_ERR_FILE_UNEXPECTED:
    case PETSC_ERR_USER:
    case PETSC_ERR_USER_INPUT:
      return true;
    default:
      return false;
  }
}

std::string bad_option_message(const std::string& options, const PetscFailure& failure) {
  std::string said = failure.petsc_message().empty() ? std::string() : quote_user_text(failure.petsc_message(), 200);
  const char* generic = nullptr;
  PetscErrorMessage(failure.code(), &generic, nullptr);
  if (generic && std::strcmp(generic, "unknown") != 0) said += (said.empty() ? "" : " ") + std::string("(") + generic + ")";
  return options + " were rejected by PETSc: " + (said.empty() ? "error " + std::to_string(failure.code()) : said) +
         "; fix or remove the option (in the config's petsc_options or on the command line)";
}

std::string options_file_problem(const std::vector<std::string>& petsc_args) {
  for (std::size_t i = 0; i < petsc_args.size(); ++i) {
    const std::string& name = petsc_args[i];
    if (name != "-options_file" && name != "-options_file_yaml") continue;
    if (i + 1 == petsc_args.size() || petsc_args[i + 1].empty() || petsc_args[i + 1][0] == '-')
      return "the PETSc option " + name + " needs a file name";
    const std::string& path = petsc_args[i + 1];
    const std::string why = unreadable_file(path);
    if (!why.empty())
      return "the PETSc option " + name + " " + quote_user_text(path) + ": cannot read it (" + why +
             "); fix the path or remove the option";
  }
  return "";
}

void prepare_log_view(MPI_Comm comm) {
  std::array<char, PETSC_MAX_PATH_LEN> value{};
  PetscBool set = PETSC_FALSE;
  HP_CALL(PetscOptionsGetString(nullptr, nullptr, "-log_view", value.data(), value.size(), &set));
  if (!set) return;
  std::string error;
  if (comm_rank(comm) == 0) {
    std::string file = log_view_file(value.data());
    if (!file.empty()) {
      // PETSc expands ${HOMEDIRECTORY} and friends in file names; check what it will open.
      std::array<char, PETSC_MAX_PATH_LEN> expanded{};
      if (PetscStrreplace(PETSC_COMM_SELF, file.c_str(), expanded.data(), expanded.size()) == 0) file = expanded.data();
      const std::string why = unwritable_file(file);
      if (!why.empty())
        error = "the PETSc option -log_view " + quote_user_text(value.data()) + ": cannot write the report to " +
                quote_user_text(file) + " (" + why + "); fix the path or remove the option";
    }
  }
  try {
    agree_or_throw(comm, error);
  } catch (const UserError&) {
    // Reported now: PetscFinalize must not try again (and fail on rank 0 alone).
    HP_CALL(PetscOptionsClearValue(nullptr, "-log_view"));
    throw;
  }
  PetscBool active = PETSC_FALSE;
  HP_CALL(PetscLogIsActive(&active));
  if (!active) HP_CALL(PetscLogDefaultBegin());  // -log_view came from petsc_options
}

}  // namespace hp
