#include "hyperpetsc/problems/problem_registry.hpp"

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

// One line per problem; each is defined in its own file.
ProblemEntry ridge_l2_problem();
ProblemEntry logistic_l2_problem();

Registry<ProblemEntry>& problem_registry() {
  static Registry<ProblemEntry> r({ridge_l2_problem(), logistic_l2_problem()});
  return r;
}

std::unique_ptr<BilevelProblem> make_problem(MPI_Comm comm, const ProblemSettings& problem,
                                             const HyperparameterSettings& hyper,
                                             const ProblemBuildOptions& how) {
  const ProblemEntry* e = problem_registry().find(problem.type);
  if (!e)
    throw UserError("problem.type: unknown problem " + quote_user_text(problem.type) + "; choose " +
                    choice_names(problem_registry().choices()));
  if (how.refit && !e->can_refit)
    throw UserError("run.refit: problem.type " + quote_user_text(problem.type) +
                    " cannot be re-trained on train and validation together; set run.refit: false");
  return e->build(comm, problem, hyper, how);
}

bool problem_can_refit(const ProblemSettings& problem) {
  const ProblemEntry* e = problem_registry().find(problem.type);
  return e && e->can_refit;
}

}  // namespace hp
