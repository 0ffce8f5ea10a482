#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "hyperpetsc/cli/commands.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace {
bool looks_like_config(const std::string& s) {
  auto ends = [&](const std::string& e) { return s.size() > e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0; };
  return ends(".yaml") || ends(".yml");
}
// "4G", "512M", "1.5G", "2000000000": bytes (binary K/M/G/T).
double parse_byte_size(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  double scale = 1;
  const std::string unit = end ? std::string(end) : "";
  if (unit == "K" || unit == "k") scale = 1024.0;
  else if (unit == "M") scale = 1024.0 * 1024;
  else if (unit == "G") scale = 1024.0 * 1024 * 1024;
  else if (unit == "T") scale = 1024.0 * 1024 * 1024 * 1024;
  else if (!unit.empty()) scale = -1;
  if (text.empty() || end == text.c_str() || scale < 0 || !(v > 0) || !std::isfinite(v * scale))
    throw UserError("--max-memory " + quote_user_text(text) + ": give a positive size per rank such as 4G, 512M or 2000000000");
  return v * scale;
}

}  // namespace

std::string usage() {
  std::string out = "Usage:\n";
  for (const auto& c : command_registry().entries()) {
    out += "  hyperpetsc " + c.name + " " + c.usage + "\n";
    std::string help = c.help;
    for (size_t pos = 0; pos <= help.size();) {
      const size_t nl = std::min(help.find('\n', pos), help.size());
      out += "      " + help.substr(pos, nl - pos) + "\n";
      pos = nl + 1;
    }
  }
  out += "  hyperpetsc --help\n"
         "Every command: --max-memory SIZE (per rank, e.g. 4G) refuses runs estimated to need more\n"
         "  (default: what the machine has available per rank).\n\n"
         "Run under MPI: mpirun -n 4 build/hyperpetsc hypergrad configs/default.yaml\n"
         "PETSc options (one prefix per solver object): -adjoint_* (the AID Krylov solve, e.g.\n"
         "  -adjoint_ksp_type bcgs -adjoint_ksp_monitor), -exact_* (the exact method's SNES and KSP:\n"
         "  -exact_snes_monitor), -exact_adjoint_* (its adjoint solve), -log_view (HyperPETSc's\n"
         "  kernels are the Hp* events). -inner_ and -outer_ are reserved. The YAML's petsc_options\n"
         "  string is applied first; options on the command line win.\n\n";
  return out + settings_help();
}

CommandLine parse_command_line(int argc, char** argv) {
  CommandLine cl;
  std::vector<std::string> positional;
  std::vector<std::string> used;  // the command-specific flags given
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h" || a == "help") {
      cl.help = true;
    } else if (a == "--quiet") {
      cl.quiet = true;
      used.push_back("--quiet");
    } else if (a == "--resume") {
      cl.resume = true;
      used.push_back("--resume");
    } else if (a == "--ranks-per-trial" || a.rfind("--ranks-per-trial=", 0) == 0) {
      std::string text;
      if (a == "--ranks-per-trial") {
        if (i + 1 >= argc) throw UserError("--ranks-per-trial needs a number of ranks such as 2");
        text = argv[++i];
      } else {
        text = a.substr(18);
      }
      char* end = nullptr;
      const long v = std::strtol(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || v < 1 || v > 1000000)
        throw UserError("--ranks-per-trial " + quote_user_text(text) + ": give a whole number of ranks >= 1");
      cl.ranks_per_trial = static_cast<int>(v);
      used.push_back("--ranks-per-trial");
    } else if (a == "--spool" || a.rfind("--spool=", 0) == 0) {
      if (a == "--spool" && i + 1 >= argc) throw UserError("--spool needs the spool folder");
      cl.spool = a == "--spool" ? argv[++i] : a.substr(8);
      if (cl.spool.empty()) throw UserError("--spool needs the spool folder");
      used.push_back("--spool");
    } else if (a == "--json" && !positional.empty() && command_registry().find(positional[0]) &&
               !command_registry().find(positional[0])->takes_config) {
      cl.json = "-";  // commands without a config print their JSON to standard output
    } else if (a == "--store" || a.rfind("--store=", 0) == 0) {
      if (a == "--store" && i + 1 >= argc) throw UserError("--store needs the path of a run store");
      cl.store = a == "--store" ? argv[++i] : a.substr(8);
      if (cl.store.empty()) throw UserError("--store needs the path of a run store");
      used.push_back("--store");
    } else if (a == "--set" || a == "--json") {
      if (i + 1 >= argc) throw UserError(a + " needs a value; see hyperpetsc --help");
      (a == "--set" ? cl.overrides.push_back(argv[++i]) : (void)(cl.json = argv[++i]));
    } else if (a == "--sweep" || a.rfind("--sweep=", 0) == 0) {
      std::string list;
      if (a == "--sweep") {
        if (i + 1 >= argc) throw UserError("--sweep needs a list such as 10,20,50,100");
        list = argv[++i];
      } else {
        list = a.substr(8);
      }
      size_t pos = 0;
      while (pos <= list.size()) {
        const size_t comma = std::min(list.find(',', pos), list.size());
        const std::string item = list.substr(pos, comma - pos);
        char* end = nullptr;
        const long v = std::strtol(item.c_str(), &end, 10);
        if (item.empty() || *end != '\0' || v < 0 || v > 1000000)
          throw UserError("--sweep " + quote_user_text(list) + ": " + quote_user_text(item) +
                          " is not an iteration count (0..1000000)");
        cl.sweep.push_back(v);
        pos = comma + 1;
      }
    } else if (a == "--max-memory" || a.rfind("--max-memory=", 0) == 0) {
      std::string text;
      if (a == "--max-memory") {
        if (i + 1 >= argc) throw UserError("--max-memory needs a size per rank such as 4G or 512M");
        text = argv[++i];
      } else {
        text = a.substr(13);
      }
      cl.max_memory_bytes = parse_byte_size(text);
    } else if (a.rfind("--set=", 0) == 0) {
      cl.overrides.push_back(a.substr(6));
    } else if (a.rfind("--json=", 0) == 0) {
      cl.json = a.substr(7);
    } else if (a.rfind("--", 0) == 0) {
      throw UserError("unknown option " + quote_user_text(a) + "; see hyperpetsc --help");
    } else if (a.size() > 1 && a[0] == '-') {
      // A PETSc option and, if the next word is not an option, its value.
      cl.petsc.push_back(a);
      if (i + 1 < argc && argv[i + 1][0] != '-' && !looks_like_config(argv[i + 1]))
        cl.petsc.push_back(argv[++i]);
    } else {
      positional.push_back(a);
    }
  }
  if (cl.help) return cl;
  if (positional.empty()) throw UserError("no command given; see hyperpetsc --help");
  cl.command = positional[0];
  if (!command_registry().find(cl.command))
    throw UserError("unknown command " + quote_user_text(cl.command) + "; commands: " +
                    choice_names(command_registry().choices(), ", ") + " (see --help)");
  if (!cl.sweep.empty()) used.push_back("--sweep");
  // Each flag belongs to some commands only (declared once, here).
  static const std::vector<std::pair<std::string, std::vector<std::string>>> flag_commands = {
      {"--quiet", {"run", "serve"}},         {"--resume", {"run"}},     {"--ranks-per-trial", {"run", "serve"}},
      {"--store", {"run", "runs", "serve"}}, {"--spool", {"serve"}},    {"--sweep", {"compare"}}};
  for (const auto& flag : used)
    for (const auto& [name, commands] : flag_commands)
      if (flag == name && std::find(commands.begin(), commands.end(), cl.command) == commands.end()) {
        std::string list;
        for (const auto& c : commands) list += (list.empty() ? "" : ", ") + c;
        throw UserError(flag + " is an option of " + list + ", not of " + cl.command);
      }
  if (!command_registry().find(cl.command)->takes_config) {
    if (!cl.overrides.empty()) throw UserError(cl.command + " reads no CONFIG.yaml, so --set does not apply");
    cl.arguments.assign(positional.begin() + 1, positional.end());
    return cl;
  }
  if (positional.size() < 2) throw UserError(cl.command + " needs a CONFIG.yaml argument");
  if (positional.size() > 2) throw UserError("unexpected argument " + quote_user_text(positional[2]));
  cl.config = positional[1];
  return cl;
}

}  // namespace hp
