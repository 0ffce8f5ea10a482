#!/bin/sh
# Usage: run_mpi.sh NRANKS command [args...]
# Runs under mpirun for root and non-root users alike, with more ranks than cores.
n="$1"; shift
flags="--oversubscribe --bind-to none"
if [ "$(id -u)" = 0 ]; then flags="$flags --allow-run-as-root"; fi
export OMPI_MCA_btl_vader_single_copy_mechanism=none  # containers lack CMA permissions
export OMPI_MCA_rmaps_base_oversubscribe=1
exec mpirun $flags -n "$n" "$@"
