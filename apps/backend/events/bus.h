// events/bus.h — the in-process event bus: modules publish events (events/event.h; names as in
// docs/PROTOCOL.md, "Events"), the real-time hub and the bridge to other processes subscribe.
//
// publish() may be called from any thread; subscribers run on the publisher's thread and must
// be quick (post to their own executor). Subscribe before the publishers start.
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "backend/events/event.h"

namespace tracehub::events {

class bus {
 public:
  using subscriber = std::function<void(const event_ptr&)>;

  void subscribe(subscriber s) {
    std::lock_guard lock(mutex_);
    subscribers_.push_back(std::move(s));
  }

  void publish(const event_ptr& e) {
    std::vector<subscriber> copy;
    {
      std::lock_guard lock(mutex_);  // guards subscribers_; callbacks run outside it
      copy = subscribers_;
    }
    for (const auto& s : copy)
      s(e);
  }

  // An event whose payload is `json` (events::make).
  void publish(std::string_view name, std::string json, std::string service = {}) {
    publish(make(name, std::move(json), std::move(service)));
  }

 private:
  std::mutex mutex_;
  std::vector<subscriber> subscribers_;
};

}  // namespace tracehub::events
