// The dashboard port of a real backend whose bundle is built after it started (what
// `./start.sh up` does): pages answer 503 dashboard_not_built until dist/index.html exists, then
// the page, without a restart; the API routes answer on that port throughout.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "backend/testing/backend_process.h"
#include "backend/testing/http_client.h"
#include "backend/testing/pg_database.h"
#include "backend/testing/redis_db.h"

namespace tracehub {
namespace {

namespace fs = std::filesystem;

TEST(dashboard, serves_the_bundle_once_it_is_built_after_the_backend_started) {
  auto dist = fs::temp_directory_path() / ("tracehub-dashboard-" + std::to_string(getpid()));
  fs::remove_all(dist);
  fs::create_directories(dist);
  auto db = testing::pg_database::create();
  testing::redis_db redis;
  auto dashboard_port = testing::free_port();
  testing::backend_options opts{db.url(), redis.url()};
  opts.env = {{"TRACEHUB_DASHBOARD_PORT", std::to_string(dashboard_port)},
              {"TRACEHUB_DASHBOARD_DIR", dist.string()}};
  auto backend = testing::backend_process::start(opts);
  testing::http_client page(static_cast<unsigned short>(dashboard_port));

  auto before = page.get("/live-logs");
  EXPECT_EQ(before.status, 503u);
  EXPECT_NE(before.body.find("dashboard_not_built"), std::string::npos) << before.body;
  EXPECT_EQ(page.get("/health").status, 200u) << "the API answers on the dashboard port";

  std::ofstream(dist / "index.html") << "<!doctype html><title>built later</title>";
  auto after = page.get("/live-logs");
  EXPECT_EQ(after.status, 200u) << after.body;
  EXPECT_NE(after.body.find("built later"), std::string::npos) << after.body;
  fs::remove_all(dist);
}

}  // namespace
}  // namespace tracehub
