#include "hyperpetsc/petsc/memory_budget.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "hyperpetsc/petsc/error.hpp"

namespace hp {

namespace {

struct UserLimit {
  double bytes = 0;
  std::string origin;
};

UserLimit& user_limit() {
  static UserLimit limit;
  return limit;
}

constexpr double kUnlimited = std::numeric_limits<double>::infinity();

// "Key:   123 kB" from /proc/meminfo, in bytes; +inf when absent (not Linux).
double meminfo_bytes(const std::string& key) {
  std::ifstream f("/proc/meminfo");
  std::string name, unit;
  double value = 0;
  while (f >> name >> value) {
    std::getline(f, unit);
    if (name == key + ":") return value * 1024.0;
  }
  return kUnlimited;
}

// A number from a cgroup file ("max" or absent: +inf).
double cgroup_number(const std::string& path) {
  std::ifstream f(path);
  std::string text;
  if (!(f >> text) || text == "max") return kUnlimited;
  try {
    return std::stod(text);
  } catch (const std::exception&) {
    return kUnlimited;
  }
}

// One entry of a cgroup memory.stat file (0 when absent).
double cgroup_stat(const std::string& path, const std::string& key) {
  std::ifstream f(path);
  std::string name;
  double value = 0;
  while (f >> name >> value)
    if (name == key) return value;
  return 0;
}

// This process's cgroup path for a controller, from /proc/self/cgroup ("" for the root).
std::string cgroup_path(const std::string& controller) {
  std::ifstream f("/proc/self/cgroup");
  std::string line;
  while (std::getline(f, line)) {
    // "N:controllers:/path" (v1) or "0::/path" (v2).
    const auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string list = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (controller.empty()) {  // v2: the unified hierarchy's line has no controller list
      if (list.empty()) return path == "/" ? "" : path;
      continue;
    }
    std::stringstream names(list);
    std::string name;
    while (std::getline(names, name, ','))
      if (name == controller) return path == "/" ? "" : path;
  }
  return "";
}

// Room left under the cgroup memory limit (v2, then v1): limit − (usage − inactive file
// cache); +inf without a limit. Inside a container the cgroup is often mounted as the
// root, so the process's own path is tried first, then the mount's root.
double cgroup_room() {
  for (const std::string& dir : {"/sys/fs/cgroup" + cgroup_path(""), std::string("/sys/fs/cgroup")}) {
    const double limit = cgroup_number(dir + "/memory.max");
    if (std::isfinite(limit))
      return limit - cgroup_number(dir + "/memory.current") + cgroup_stat(dir + "/memory.stat", "inactive_file");
  }
  const std::string v1 = "/sys/fs/cgroup/memory";
  for (const std::string& dir : {v1 + cgroup_path("memory"), v1}) {
    const double limit = cgroup_number(dir + "/memory.limit_in_bytes");
    if (std::isfinite(limit) && limit < 1e18)  // v1 reports "no limit" as ~2^63
      return limit - cgroup_number(dir + "/memory.usage_in_bytes") +
             cgroup_stat(dir + "/memory.stat", "total_inactive_file");
  }
  return kUnlimited;
}

int ranks_on_this_node(MPI_Comm comm) {
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int size = 1;
  MPI_Comm_size(node, &size);
  MPI_Comm_free(&node);
  return size;
}

std::string gigabytes(double bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, bytes < 1e8 ? "%.3g" : "%.1f", bytes / 1e9);
  return buf;
}

}  // namespace

void set_memory_limit_per_rank(double bytes, const std::string& origin) {
  user_limit() = bytes > 0 ? UserLimit{bytes, origin} : UserLimit{};
}

double machine_memory_per_rank(MPI_Comm comm) {
  const double node = std::min(meminfo_bytes("MemAvailable"), cgroup_room());
  return std::max(node, 0.0) / ranks_on_this_node(comm);
}

void check_memory(MPI_Comm comm, double bytes_per_rank, const std::string& what,
                  const std::string& remedy) {
  const double machine = machine_memory_per_rank(comm);
  const UserLimit& user = user_limit();
  const bool user_binds = user.bytes > 0 && user.bytes < machine;
  const double limit = user_binds ? user.bytes : machine;
  // Over ranks: the largest need, the smallest limit, whether any rank is over its own
  // limit, and whether the user's limit is the one that binds somewhere.
  double maxima[4] = {bytes_per_rank, -limit, bytes_per_rank > limit ? 1.0 : 0.0, user_binds ? 1.0 : 0.0};
  MPI_Allreduce(MPI_IN_PLACE, maxima, 4, MPI_DOUBLE, MPI_MAX, comm);
  if (maxima[2] == 0) return;
  std::ostringstream os;
  os << what << " needs about " << gigabytes(maxima[0]) << " GB per rank, more than the "
     << gigabytes(-maxima[1]) << " GB per rank ";
  if (maxima[3] != 0)
    os << "that " << user.origin << " allows";
  else
    os << "this machine has available (MemAvailable or the cgroup limit, shared by the ranks on a node)";
  os << "; " << remedy;
  throw UserError(os.str());
}

}  // namespace hp
