// traffic/service_profile.h — what one kind of service logs: its messages per level and the attrs
// that go with them. payment-, auth- and order-service have their own domain; any other service
// name gets a generic web-service vocabulary. Profiles are immutable statics: any thread.
#pragma once

#include <random>
#include <span>
#include <string_view>

#include "producer-simulator/traffic/log_event.h"

namespace tracehub::traffic {

struct service_profile {
  // Messages by level (indexed by level); never empty.
  std::span<const std::string_view> messages[5];
  // Adds the attrs of one event (a few flat fields: amount, region, userId, ...).
  void (*fill_attrs)(std::mt19937_64& rng, log_event& e);
};

// The profile for `service`: matched by prefix ("payment", "auth", "order"), else generic.
const service_profile& profile_for(std::string_view service);

}  // namespace tracehub::traffic
