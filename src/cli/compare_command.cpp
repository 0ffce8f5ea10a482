// `hyperpetsc compare`: the paper's comparison at one (t, k): every method's relative
// error against the exact hypergradient, with its cost.
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

namespace {
// The rows: the registry's methods marked `compared`, in registration order.
std::vector<std::string> compared_methods() {
  std::vector<std::string> names;
  for (const auto& e : method_registry().entries())
    if (e.compared) names.push_back(e.name);
  return names;
}

// The paper's first experiment: relative error of every method at t = k = each value.
void sweep(HypergradientSession& session, Vec ref, double ref_norm, const std::vector<long>& values, bool root,
           JsonWriter& j) {
  if (root) {
    std::printf("\nRelative error versus t = k\n%8s", "t = k");
    for (const auto& name : compared_methods()) std::printf(" %13s", name.c_str());
    std::printf("\n");
  }
  const std::vector<std::string> compared = compared_methods();
  Vector diff = session.problem().create_outer_vector();
  j.begin_array("sweep");
  for (long t : values) {
    session.settings().inner.iterations = t;
    session.settings().hypergradient.iterations = t;
    if (root) std::printf("%8ld", t);
    j.begin_object("").key_value("t", static_cast<long long>(t)).begin_object("relative_error");
    for (const auto& name : compared) {
      auto m = make_method(name);
      try {
        HypergradientResult r = session.compute(*m);
        double err = 0;
        HP_CALL(VecWAXPY(diff, -1.0, ref, r.hypergradient));
        HP_CALL(VecNorm(diff, NORM_2, &err));
        const double rel = ref_norm > 0 ? err / ref_norm : err;
        if (root) std::printf(" %13.4e", rel);
        j.key_value(name, rel);
      } catch (const UserError&) {
        if (root) std::printf(" %13s", "failed");
        j.key_value(name, std::string("failed"));
      }
    }
    if (root) std::printf("\n");
    j.end_object().end_object();
  }
  j.end_array();
}

}  // namespace

void run_compare(MPI_Comm comm, const CommandLine& cl, const Settings& settings) {
  const bool root = comm_rank(comm) == 0;
  if (!cl.json.empty()) {
    std::string err;
    if (root) try {
        check_writable(cl.json);
      } catch (const UserError& e) {
        err = e.what();
      }
    agree_or_throw(comm, err);
  }
  HypergradientSession session(comm, settings);
  auto exact = make_method("exact");
  HypergradientResult ref = session.compute(*exact);
  double ref_norm = 0;
  HP_CALL(VecNorm(ref.hypergradient, NORM_2, &ref_norm));

  JsonWriter j;
  j.begin_object();
  j.key_value("problem", session.problem().name());
  j.key_value("ranks", comm_size(comm));
  j.key_value("t", static_cast<long long>(settings.inner.iterations));
  j.key_value("k", static_cast<long long>(settings.hypergradient.iterations));
  j.key_value("step_size", session.step_size());
  j.begin_object("exact");
  write_result_fields(j, session, *exact, ref, ref_norm, session.gather_outer_on_zero(ref.hypergradient));
  j.key_value("seconds", ref.seconds_trajectory + ref.seconds_inner + ref.seconds_adjoint);
  j.end_object();
  j.begin_array("methods");

  if (root) {
    std::printf("Hypergradient comparison: %s, inner %s (step %.4g), t = %d, k = %d, %d ranks\n",
                session.problem().name().c_str(), session.inner().name().c_str(), session.step_size(),
                static_cast<int>(settings.inner.iterations),
                static_cast<int>(settings.hypergradient.iterations), comm_size(comm));
    std::printf("exact: |grad f| = %.6e, E(w*) = %.8g (%d Newton steps, %d adjoint iterations)\n\n",
                ref_norm, ref.outer_objective, static_cast<int>(ref.t), static_cast<int>(ref.k));
    std::printf("%-14s %6s %6s %14s %14s %10s %9s  %s\n", "method", "t", "k", "E(w_t)",
                "rel. error", "seconds", "lin.its", "reason");
  }
  Vector diff = session.problem().create_outer_vector();
  for (const auto& name : compared_methods()) {
    auto m = make_method(name);
    try {
      HypergradientResult r = session.compute(*m);
      double norm = 0, err = 0;
      HP_CALL(VecNorm(r.hypergradient, NORM_2, &norm));
      HP_CALL(VecWAXPY(diff, -1.0, ref.hypergradient, r.hypergradient));
      HP_CALL(VecNorm(diff, NORM_2, &err));
      const double rel = ref_norm > 0 ? err / ref_norm : err;
      const double secs = r.seconds_trajectory + r.seconds_inner + r.seconds_adjoint;
      if (root)
        std::printf("%-14s %6d %6d %14.8g %14.6e %10.4f %9d  %s\n", name.c_str(), static_cast<int>(r.t),
                    static_cast<int>(r.k), r.outer_objective, rel, secs,
                    static_cast<int>(r.linear_solver_iterations), r.converged_reason.c_str());
      j.begin_object("");
      write_result_fields(j, session, *m, r, norm, {});
      j.key_value("relative_error", rel);
      j.key_value("seconds", secs);
      j.end_object();
    } catch (const UserError& e) {
      if (root) std::printf("%-14s failed: %s\n", name.c_str(), e.what());
      j.begin_object("").key_value("method", name).key_value("error", std::string(e.what())).end_object();
    }
  }
  j.end_array();
  if (!cl.sweep.empty()) sweep(session, ref.hypergradient, ref_norm, cl.sweep, root, j);
  const auto mem = peak_memory_bytes(comm);
  j.key_value("peak_memory_bytes", mem.first);
  j.key_value("config", settings.resolved_yaml);
  j.end_object();
  std::string err;
  if (root) {
    std::fflush(stdout);
    if (!cl.json.empty()) try {
        write_file_atomically(cl.json, j.str() + "\n");
      } catch (const UserError& e) {
        err = e.what();
      }
  }
  agree_or_throw(comm, err);
}

}  // namespace hp
