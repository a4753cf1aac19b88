#include "sim_process.h"

#ifndef TRACEHUB_SIM_BIN
#error "TRACEHUB_SIM_BIN must name the simulator binary"
#endif

namespace tracehub::testing {

sim_process sim_process::spawn(const std::vector<std::string>& args, const env_list& env) {
  return sim_process(child_process::spawn(TRACEHUB_SIM_BIN, args, env));
}

}  // namespace tracehub::testing
