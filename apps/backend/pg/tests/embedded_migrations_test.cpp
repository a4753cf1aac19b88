#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "backend/pg/migrate.h"

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

TEST(embedded_migrations, are_in_version_order_with_names_from_file_names) {
  const auto migrations = tracehub::pg::backend_migrations();
  ASSERT_GE(migrations.size(), 3u);
  EXPECT_EQ(migrations[0].version, 1);
  EXPECT_EQ(migrations[0].name, "logs");
  EXPECT_EQ(migrations[1].version, 2);
  EXPECT_EQ(migrations[1].name, "ack_state");
  EXPECT_EQ(migrations[2].version, 3);
  EXPECT_EQ(migrations[2].name, "replay_requests");
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    EXPECT_LT(migrations[i - 1].version, migrations[i].version);
  }
}

TEST(embedded_migrations, hold_each_file_byte_for_byte) {
  for (const auto& m : tracehub::pg::backend_migrations()) {
    char prefix[8];
    std::snprintf(prefix, sizeof prefix, "%04d_", m.version);
    const std::string path =
        std::string(TRACEHUB_MIGRATIONS_DIR) + "/" + prefix + std::string(m.name) + ".sql";
    EXPECT_EQ(m.sql, read_file(path)) << path;
  }
}
