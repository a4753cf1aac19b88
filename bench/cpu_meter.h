// bench/cpu_meter.h — CPU seconds used by each process of the pipeline, from /proc, so the
// report can say where the shared cores went (backend vs Redis vs Postgres vs this client).
//
// Linux only. A pid that is 0 or not readable counts as 0 s. Postgres is the postmaster plus
// its live children plus the children it has reaped (cutime/cstime), so backends that come
// and go are counted. Not thread-safe; sample from one thread.
#pragma once

#include <sys/types.h>

#include <utility>
#include <vector>

namespace tracehub::bench {

struct cpu_times {
  double backend = 0, redis = 0, postgres = 0, client = 0;  // CPU seconds; backend: all processes
  double machine_busy = 0, machine_total = 0;               // all CPUs, from /proc/stat
  double disk_written_mb = 0;  // all whole disks, from /proc/diskstats (MiB)
};

class cpu_meter {
 public:
  cpu_meter(std::vector<pid_t> backends, pid_t redis, pid_t postmaster)
      : backends_(std::move(backends)), redis_(redis), postmaster_(postmaster) {}

  cpu_times sample() const;

 private:
  std::vector<pid_t> backends_;
  pid_t redis_, postmaster_;
};

// `later` - `earlier`, field by field.
cpu_times operator-(const cpu_times& later, const cpu_times& earlier);

// The parent pid of `pid` (0 if unreadable).
pid_t parent_of(pid_t pid);

}  // namespace tracehub::bench
