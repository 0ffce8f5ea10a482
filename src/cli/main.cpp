// hyperpetsc: hypergradients of bilevel problems on PETSc (see hp::cli_main).
#include "hyperpetsc/cli/commands.hpp"

int main(int argc, char** argv) { return hp::cli_main(argc, argv); }
