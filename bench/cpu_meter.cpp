#include "bench/cpu_meter.h"

#include <dirent.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace tracehub::bench {

namespace {

struct proc_stat {
  bool ok = false;
  std::string comm;
  pid_t ppid = 0;
  unsigned long long utime = 0, stime = 0, cutime = 0, cstime = 0;  // clock ticks
};

proc_stat read_stat(pid_t pid) {
  proc_stat s;
  if (pid <= 0) return s;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return s;
  // The command name is in parentheses and may hold spaces: split after the last ')'.
  auto open = line.find('('), close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos) return s;
  s.comm = line.substr(open + 1, close - open - 1);
  std::istringstream rest(line.substr(close + 2));
  std::string state;
  long long ppid = 0;
  std::string skip;
  rest >> state >> ppid;
  for (int field = 5; field < 14; ++field)
    rest >> skip;  // pgrp .. cmajflt
  rest >> s.utime >> s.stime >> s.cutime >> s.cstime;
  s.ppid = static_cast<pid_t>(ppid);
  s.ok = static_cast<bool>(rest);
  return s;
}

double ticks_to_seconds(unsigned long long ticks) {
  static const double per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  return static_cast<double>(ticks) / per_second;
}

double own_seconds(pid_t pid) {
  auto s = read_stat(pid);
  return s.ok ? ticks_to_seconds(s.utime + s.stime) : 0.0;
}

// Calls f(pid) for every process on the machine.
template <class F>
void for_each_pid(F f) {
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return;
  while (dirent* d = readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(d->d_name, &end, 10);
    if (end != d->d_name && *end == '\0') f(static_cast<pid_t>(pid));
  }
  closedir(dir);
}

double tree_seconds(pid_t root) {
  auto s = read_stat(root);
  if (!s.ok) return 0.0;
  double total = ticks_to_seconds(s.utime + s.stime + s.cutime + s.cstime);
  for_each_pid([&](pid_t pid) {
    auto c = read_stat(pid);
    if (c.ok && c.ppid == root) total += ticks_to_seconds(c.utime + c.stime);
  });
  return total;
}

void read_machine(double& busy, double& total) {
  std::ifstream in("/proc/stat");
  std::string cpu;
  in >> cpu;  // "cpu": the sum over all CPUs
  unsigned long long v[8] = {};
  for (auto& x : v)
    in >> x;
  // user nice system idle iowait irq softirq steal
  unsigned long long idle = v[3] + v[4], sum = 0;
  for (auto x : v)
    sum += x;
  busy = ticks_to_seconds(sum - idle);
  total = ticks_to_seconds(sum);
}

// Sectors (512 bytes) written to whole disks: vdX, sdX, xvdX, nvmeXnY (partitions skipped).
double disk_written_mb() {
  std::ifstream in("/proc/diskstats");
  std::string line;
  unsigned long long sectors = 0;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string major, minor, name, skip;
    unsigned long long written = 0;
    f >> major >> minor >> name;
    for (int field = 4; field < 10; ++field)
      f >> skip;  // reads .. sectors read .. writes completed, writes merged
    f >> written;
    const bool nvme = name.starts_with("nvme") && name.find('p') == std::string::npos;
    const bool plain =
        (name.starts_with("vd") || name.starts_with("sd") || name.starts_with("xvd")) &&
        !std::isdigit(static_cast<unsigned char>(name.back()));
    if (f && (nvme || plain)) sectors += written;
  }
  return static_cast<double>(sectors) * 512.0 / (1024.0 * 1024.0);
}

}  // namespace

cpu_times cpu_meter::sample() const {
  cpu_times t;
  for (auto pid : backends_)
    t.backend += own_seconds(pid);
  t.redis = own_seconds(redis_);
  t.postgres = tree_seconds(postmaster_);
  t.client = own_seconds(getpid());
  read_machine(t.machine_busy, t.machine_total);
  t.disk_written_mb = disk_written_mb();
  return t;
}

cpu_times operator-(const cpu_times& a, const cpu_times& b) {
  return {a.backend - b.backend,
          a.redis - b.redis,
          a.postgres - b.postgres,
          a.client - b.client,
          a.machine_busy - b.machine_busy,
          a.machine_total - b.machine_total,
          a.disk_written_mb - b.disk_written_mb};
}

pid_t parent_of(pid_t pid) {
  auto s = read_stat(pid);
  return s.ok ? s.ppid : 0;
}

}  // namespace tracehub::bench
