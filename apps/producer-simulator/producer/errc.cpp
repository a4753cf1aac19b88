#include "producer-simulator/producer/errc.h"

namespace tracehub::producer {

namespace {
class category_impl : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "producer"; }
  std::string message(int e) const override {
    switch (static_cast<errc>(e)) {
      case errc::bad_url:
        return "the backend URL is not http://host[:port][/prefix]";
      case errc::bad_ack:
        return "the backend answered 200 with something that is not an ACK";
      case errc::unexpected_reply:
        return "redis answered with an unexpected reply";
    }
    return "unknown producer error";
  }
};
}  // namespace

const boost::system::error_category& category() {
  static const category_impl c;
  return c;
}

}  // namespace tracehub::producer
