#include <petscsys.h>

#include <cmath>
#include <cstdio>

#include "hyperpetsc/cli/commands.hpp"
#include "hyperpetsc/petsc/json_writer.hpp"
#include "hyperpetsc/cli/result_json.hpp"
#include "hyperpetsc/petsc/atomic_file.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"

namespace hp {

void run_hypergrad(MPI_Comm comm, const CommandLine& cl, const Settings& settings) {
  const double t0 = MPI_Wtime();
  const bool root = comm_rank(comm) == 0;
  if (!cl.json.empty()) {
    std::string err;
    if (root) {
      try {
        check_writable(cl.json);
      } catch (const UserError& e) {
        err = e.what();
      }
    }
    agree_or_throw(comm, err);
  }
  auto method = make_method(settings.hypergradient.method);  // before any data is read
  HypergradientSession session(comm, settings);
  HypergradientResult r = session.compute(*method);
  const double total = MPI_Wtime() - t0;
  double norm = 0;
  HP_CALL(VecNorm(r.hypergradient, NORM_2, &norm));
  const std::vector<double> g = session.gather_outer_on_zero(r.hypergradient);
  const auto mem = peak_memory_bytes(comm);

  std::string err;
  if (root) {
    std::printf("%s on %s: t=%d k=%d E=%.10g |g|=%.10g  (%s, %d linear iterations)\n",
                method->name().c_str(), session.problem().name().c_str(), static_cast<int>(r.t),
                static_cast<int>(r.k), r.outer_objective, norm, r.converged_reason.c_str(),
                static_cast<int>(r.linear_solver_iterations));
    std::printf("seconds: total %.3f  load %.3f  setup %.3f  inner %.3f  adjoint %.3f;  peak memory %.1f MB over %d ranks\n",
                total, session.seconds_load(), session.seconds_setup(), r.seconds_inner, r.seconds_adjoint, mem.first / 1e6,
                comm_size(comm));
    if (!cl.json.empty()) {
      JsonWriter j;
      j.begin_object();
      write_result_fields(j, session, *method, r, norm, g);
      j.begin_object("seconds")
          .key_value("total", total)
          .key_value("load", session.seconds_load())
          .key_value("setup", session.seconds_setup())
          .key_value("inner", r.seconds_inner)
          .key_value("adjoint", r.seconds_adjoint)
          .key_value("trajectory", r.seconds_trajectory)
          .end_object();
      j.key_value("recomputed_steps", r.recomputed_steps);
      j.key_value("ranks", comm_size(comm));
      j.key_value("peak_memory_bytes", mem.first);
      j.key_value("peak_memory_bytes_max_rank", mem.second);
      j.key_value("config", settings.resolved_yaml);
      j.end_object();
      try {
        write_file_atomically(cl.json, j.str() + "\n");
      } catch (const UserError& e) {
        err = e.what();
      }
    }
    std::fflush(stdout);
  }
  agree_or_throw(comm, err);
}

}  // namespace hp
