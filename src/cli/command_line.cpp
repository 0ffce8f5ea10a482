#include <algorithm>
#include <cstdlib>
#include <string>

#include "hyperpetsc/cli/commands.hpp"
#include "hyperpetsc/petsc/error.hpp"

namespace hp {

namespace {
bool looks_like_config(const std::string& s) {
  auto ends = [&](const std::string& e) { return s.size() > e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0; };
  return ends(".yaml") || ends(".yml");
}
}  // namespace

std::string usage() {
  return "Usage:\n"
         "  hyperpetsc hypergrad CONFIG.yaml [--set section.key=value ...] [--json FILE] [PETSc options]\n"
         "      one hypergradient at the initial hyperparameters; JSON with method, t, k,\n"
         "      outer_objective, hypergradient, hypergradient_norm, seconds, ...\n"
         "  hyperpetsc compare CONFIG.yaml [--set ...] [--sweep T1,T2,...] [--json FILE] [PETSc options]\n"
         "      every method (itd, truncated_itd, aid_fp, aid_neumann, aid_cg, aid_gmres,\n"
         "      aid_cgne) at the config's t and k against `exact`, as a table;\n"
         "      --sweep 10,20,50,100 adds the error of every method at t = k = each value\n"
         "  hyperpetsc --help\n\n"
         "Run under MPI: mpirun -n 4 build/hyperpetsc hypergrad configs/default.yaml\n"
         "PETSc options: -hg_* (adjoint KSP, e.g. -hg_ksp_type bcgs -hg_ksp_monitor),\n"
         "  -exact_inner_*, -exact_hg_* (the exact method), -log_view (HyperPETSc's kernels are\n"
         "  the Hp* events), -hp_data_layout auto|rows|features|dense,\n"
         "  -hp_feature_distribution balanced|contiguous (which rank owns which feature).\n"
         "  The YAML's petsc_options string is applied first; options on the command line win.\n\n" +
         settings_help();
}

CommandLine parse_command_line(int argc, char** argv) {
  CommandLine cl;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h" || a == "help") {
      cl.help = true;
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
          throw UserError("--sweep " + list + ": '" + item + "' is not an iteration count (0..1000000)");
        cl.sweep.push_back(v);
        pos = comma + 1;
      }
    } else if (a.rfind("--set=", 0) == 0) {
      cl.overrides.push_back(a.substr(6));
    } else if (a.rfind("--json=", 0) == 0) {
      cl.json = a.substr(7);
    } else if (a.rfind("--", 0) == 0) {
      throw UserError("unknown option " + a + "; see hyperpetsc --help");
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
  if (cl.command != "hypergrad" && cl.command != "compare")
    throw UserError("unknown command '" + cl.command + "'; commands: hypergrad, compare (see --help)");
  if (positional.size() < 2) throw UserError(cl.command + " needs a CONFIG.yaml argument");
  if (positional.size() > 2) throw UserError("unexpected argument '" + positional[2] + "'");
  if (!cl.sweep.empty() && cl.command != "compare") throw UserError("--sweep is an option of compare");
  cl.config = positional[1];
  return cl;
}

}  // namespace hp
