// bench/workload.h — the benchmark's log bodies: realistic POST /ingest batches, generated
// deterministically from (service, first seq, count) so the baseline can render exactly the rows
// the pipeline stored without keeping the bodies.
//
// Every entry carries an explicit `ts`, so the COPY text the backend renders for a body does not
// depend on the time it was received. Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>

namespace tracehub::bench {

// `service`'s entries seq = first .. first + count - 1 as a POST /ingest body: level mostly
// info, a message of 60-100 bytes, a requestId, an RFC 3339 ts, and flat attrs on every fourth
// entry. Roughly 190 bytes of JSON per entry.
std::string batch_body(const std::string& service, std::int64_t first, std::int64_t count);

// The service name the benchmark gives its i-th service ("bench-svc-<i>").
std::string service_name(std::size_t index);

}  // namespace tracehub::bench
