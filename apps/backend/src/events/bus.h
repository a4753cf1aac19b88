// events/bus.h — the in-process event bus: modules publish named events (names as in
// docs/PROTOCOL.md, "Events"; JSON payloads), the real-time channel subscribes and broadcasts them.
//
// publish() may be called from any thread; subscribers run on the publisher's thread and must
// be quick (post to their own executor). Subscribe before the publishers start.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tracehub::events {

class bus {
 public:
  using subscriber = std::function<void(std::string_view name, const std::string& json)>;

  void subscribe(subscriber s) {
    std::lock_guard lock(mutex_);
    subscribers_.push_back(std::move(s));
  }

  void publish(std::string_view name, const std::string& json) {
    std::vector<subscriber> copy;
    {
      std::lock_guard lock(mutex_);  // guards subscribers_; callbacks run outside it
      copy = subscribers_;
    }
    for (const auto& s : copy)
      s(name, json);
  }

 private:
  std::mutex mutex_;
  std::vector<subscriber> subscribers_;
};

}  // namespace tracehub::events
