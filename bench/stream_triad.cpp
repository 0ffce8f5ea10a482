// STREAM triad, a[i] = b[i] + s·c[i], on arrays much larger than the caches.
//
//   build/bench/stream_triad [--mb MB] [--reps R]          one process
//   tests/run_mpi.sh 2 build/bench/stream_triad [...]      one triad per rank, concurrently
//
// Each rank owns three arrays of MB megabytes (default 80 MB each, 240 MB per rank),
// touched first by the rank that uses them. Every repetition starts behind a barrier and
// its time is the slowest rank's, so the aggregate is what all ranks sustain together.
// Bandwidth counts 24 bytes per element (read b, read c, write a; the write-allocate read
// of a is not counted, as in McCalpin's STREAM). Best (minimum time) of R repetitions.
//
// Output: a human line, then one machine-readable line
//   STREAM_TRIAD ranks=N mb_per_array=M reps=R aggregate_GBps=X per_rank_GBps=Y
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace {

// Out of line so the compiler cannot drop or merge repetitions.
__attribute__((noinline)) void triad(double* __restrict a, const double* __restrict b,
                                     const double* __restrict c, double s, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
}

double* allocate(std::size_t n) {
  void* p = nullptr;
  if (posix_memalign(&p, 64, n * sizeof(double)) != 0) return nullptr;
  return static_cast<double*>(p);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  double mb = 80.0;
  int reps = 10;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--mb" && i + 1 < argc) {
      mb = std::atof(argv[++i]);
    } else if (a == "--reps" && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else if (a == "--help" || a == "-h") {
      if (rank == 0) std::printf("usage: stream_triad [--mb MB_PER_ARRAY (80)] [--reps R (10)]\n");
      MPI_Finalize();
      return 0;
    } else {
      if (rank == 0) std::fprintf(stderr, "stream_triad: unknown argument '%s' (try --help)\n", a.c_str());
      MPI_Finalize();
      return 2;
    }
  }
  if (!(mb > 0) || reps < 1) {
    if (rank == 0) std::fprintf(stderr, "stream_triad: --mb must be > 0 and --reps >= 1\n");
    MPI_Finalize();
    return 2;
  }

  const std::size_t n = static_cast<std::size_t>(mb * 1e6 / sizeof(double));
  double* a = allocate(n);
  double* b = allocate(n);
  double* c = allocate(n);
  int ok = (a && b && c) ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (!ok) {
    if (rank == 0) std::fprintf(stderr, "stream_triad: cannot allocate 3 x %.0f MB per rank\n", mb);
    MPI_Finalize();
    return 1;
  }
  for (std::size_t i = 0; i < n; ++i) {  // first touch by the owning rank
    a[i] = 0.0;
    b[i] = 1.0;
    c[i] = 2.0;
  }
  const double s = 3.0;
  triad(a, b, c, s, n);  // warm-up (page faults, TLB)

  double best_local = std::numeric_limits<double>::infinity();
  double best_slowest = std::numeric_limits<double>::infinity();
  for (int r = 0; r < reps; ++r) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double t0 = MPI_Wtime();
    triad(a, b, c, s, n);
    const double dt = MPI_Wtime() - t0;
    double slowest = 0;
    MPI_Allreduce(&dt, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    best_local = std::min(best_local, dt);
    best_slowest = std::min(best_slowest, slowest);
  }

  // Check the result so the loop is not optimised away and the arrays are right.
  long bad = 0;
  for (std::size_t i = 0; i < n; i += 4096) bad += (a[i] != 1.0 + s * 2.0);
  MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);

  const double bytes = 24.0 * static_cast<double>(n);
  double per_rank_sum = 0;  // mean over ranks of each rank's own best rate
  const double mine = bytes / best_local / 1e9;
  MPI_Allreduce(&mine, &per_rank_sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  const double aggregate = size * bytes / best_slowest / 1e9;
  if (rank == 0) {
    std::printf("STREAM triad: %d rank(s), 3 x %.1f MB per rank, best of %d: %.2f GB/s aggregate "
                "(%.2f GB/s per rank)%s\n",
                size, n * sizeof(double) / 1e6, reps, aggregate, per_rank_sum / size,
                bad ? "  RESULT CHECK FAILED" : "");
    std::printf("STREAM_TRIAD ranks=%d mb_per_array=%.1f reps=%d aggregate_GBps=%.3f per_rank_GBps=%.3f\n",
                size, n * sizeof(double) / 1e6, reps, aggregate, per_rank_sum / size);
  }
  std::free(a);
  std::free(b);
  std::free(c);
  MPI_Finalize();
  return bad ? 1 : 0;
}
