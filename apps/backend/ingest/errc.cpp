#include "backend/ingest/errc.h"

namespace tracehub::ingest {

namespace {
class category_impl : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "ingest"; }
  std::string message(int e) const override {
    switch (static_cast<errc>(e)) {
      case errc::script_failed:
        return "the ACK script failed";
    }
    return "unknown ingest error";
  }
};
}  // namespace

const boost::system::error_category& category() {
  static const category_impl c;
  return c;
}

}  // namespace tracehub::ingest
