#!/bin/sh
# Install the Debian 12 packages HyperPETSc needs, only those that are missing.
# Works as root or as a user with sudo.
set -eu
# libopenblas0-serial: an optimised single-threaded BLAS (one thread per MPI rank) that
# Debian's alternatives select over the reference BLAS; PETSc's vector kernels and the
# dense data layout's gemm use it (the reference BLAS makes that layout ~4x slower).
# clang-14, libclang-rt-14-dev (ASan/UBSan and libFuzzer runtimes) and llvm-14 (the
# symbolizer for readable reports): CI's sanitizer and fuzzing pass, tests/sanitize/run.sh.
# libsqlite3-dev: the run store (src/service/), an embedded SQLite database.
# zlib1g-dev: the IDX reader's gzip decompression. dataset-fashion-mnist: the IDX files
# (/usr/share/datasets/fashion-mnist/) of a data test and configs/fashion_mnist.yaml.
# gnuplot-nox: `hyperpetsc report` draws its PNG plots with gnuplot (no X needed).
# slurm-wlm, munge: the Slurm client for jobs/*.sbatch, and the daemons tests/slurm/ starts.
# python3: the CLI tests check JSON and CSV outputs with Debian's /usr/bin/python3.
# python3-optuna, python3-sklearn: the peer of bench/optuna_peer.sh (Optuna's TPE tuning
# scikit-learn's LogisticRegression); benchmarks only.
# python3-torch: the PyTorch (hypertorch-style) reference of bench/run_benchmark.sh;
# benchmarks only.
pkgs="petsc-dev libopenmpi-dev openmpi-bin libyaml-cpp-dev libgtest-dev cmake pkg-config g++ make
      libopenblas0-serial clang-14 libclang-rt-14-dev llvm-14 libsqlite3-dev zlib1g-dev dataset-fashion-mnist
      gnuplot-nox slurm-wlm munge python3 python3-optuna python3-sklearn python3-torch"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
echo "installing:$missing"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
