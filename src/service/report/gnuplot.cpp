#include "hyperpetsc/service/report/gnuplot.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"
#include "hyperpetsc/service/report/display_text.hpp"

extern char** environ;

namespace hp {

namespace {

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

std::string find_gnuplot(const std::string& program) {
  const std::string advice =
      "; the report draws its plots with gnuplot: install Debian's gnuplot-nox "
      "(apt-get install gnuplot-nox, or docker/install-deps.sh)";
  if (program.find('/') != std::string::npos) {
    if (is_executable_file(program)) return program;
    throw UserError("gnuplot " + quote_user_path(program) + " is not an executable file" + advice);
  }
  const char* path_env = std::getenv("PATH");
  const std::string path = path_env ? path_env : "/usr/bin:/bin";
  for (std::size_t pos = 0; pos <= path.size();) {
    std::size_t colon = path.find(':', pos);
    if (colon == std::string::npos) colon = path.size();
    const std::string dir = colon > pos ? path.substr(pos, colon - pos) : ".";
    const std::string candidate = dir + "/" + program;
    if (is_executable_file(candidate)) return candidate;
    pos = colon + 1;
  }
  throw UserError("no " + quote_user_text(program) + " program on PATH" + advice);
}

void run_gnuplot(const std::string& gnuplot_path, const std::string& folder, const std::string& script) {
  namespace fs = std::filesystem;
  const std::string script_path = (fs::path(folder) / "report.gp").string();
  const std::string log_path = (fs::path(folder) / "gnuplot.log").string();
  {
    std::ofstream out(script_path, std::ios::binary);
    out << script;
    if (!out.flush())
      throw UserError("cannot write the gnuplot script " + quote_user_path(script_path) + " (" + std::strerror(errno) +
                      "); is the temporary folder's file system full?");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // gnuplot runs in `folder` (its PNGs land there), reads nothing from us, and its
  // messages go to a file: no pipe to drain, no deadlock.
  posix_spawn_file_actions_addchdir_np(&actions, folder.c_str());
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "gnuplot.log", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::string arg0 = gnuplot_path, arg1 = "--default-settings", arg2 = "report.gp";
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};
  pid_t pid = 0;
  const int spawn_error = posix_spawn(&pid, gnuplot_path.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0)
    throw UserError("cannot start gnuplot " + quote_user_path(gnuplot_path) + " (" + std::strerror(spawn_error) +
                    "); install Debian's gnuplot-nox");
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw UserError(std::string("waiting for gnuplot failed: ") + std::strerror(errno));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  std::string said = read_all(log_path);
  if (said.size() > 600) said = said.substr(said.size() - 600);  // its last words name the failing line
  const std::string how = WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                              : "failed with exit status " + std::to_string(WEXITSTATUS(status));
  throw UserError("gnuplot " + how + " while drawing the report's plots: " + quote_user_text(said, 600) +
                  "; check the gnuplot installation (Debian's gnuplot-nox)");
}

std::string gnuplot_quote(std::string_view text, std::size_t max_bytes) {
  const std::string shown = display_text(text, max_bytes);
  std::string out = "'";
  for (char c : shown) {
    if (c == '\'') out += '\'';  // '' is a quote inside a single-quoted gnuplot string
    out += c;
  }
  return out + "'";
}

std::string gnuplot_png_terminal(int width, int height) {
  return "if (!exists(\"hp_png\")) hp_png = strstrt(GPVAL_TERMINALS, \" pngcairo \") > 0 ? "
         "\"pngcairo enhanced font 'DejaVu Sans,11' linewidth 1.5\" : "
         "\"png enhanced font 'DejaVuSans,11' linewidth 1.5\"\n"
         "set terminal @hp_png size " +
         std::to_string(width) + "," + std::to_string(height) + "\n";
}

}  // namespace hp
