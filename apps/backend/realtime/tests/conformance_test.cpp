// The Engine.IO and Socket.IO projects' own test suites for server implementations, vendored
// unmodified in tests/conformance (README there), run with their own command, `npm test`
// (mocha), against conformance_server.cpp: realtime/'s hub configured as the suites expect.
// Every test of each suite must pass, and as many must run as the suite holds, so a suite
// that stopped loading its tests cannot pass. The suites hard-code http://localhost:3000: where
// it may (root), the test moves into a network namespace of its own, whose loopback nobody
// else uses; elsewhere the server takes port 3000 once it is free (waiting, within a limit,
// for another user of it).
#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "backend/testing/child_process.h"
#include "backend/testing/node_tests.h"

namespace tracehub {
namespace {

namespace fs = std::filesystem;
using boost::asio::ip::tcp;

constexpr const char* suites_dir = TRACEHUB_CONFORMANCE_DIR;
constexpr const char* server_bin = TRACEHUB_CONFORMANCE_SERVER;
constexpr unsigned short suite_port = 3000;  // the suites' URL
constexpr std::chrono::seconds port_wait{120};

// True when `address`:`port` can be bound now (or the host lacks that address: ::1 without
// IPv6, which the server skips too).
bool bindable(const char* address, unsigned short port) {
  boost::asio::io_context io;
  tcp::acceptor a(io);
  boost::system::error_code ec;
  tcp::endpoint ep{boost::asio::ip::make_address(address), port};
  a.open(ep.protocol(), ec);
  if (ec) return true;
  a.set_option(tcp::acceptor::reuse_address(true), ec);
  a.bind(ep, ec);
  return ec != boost::asio::error::address_in_use;
}

bool port_free(unsigned short port) {
  return bindable("127.0.0.1", port) && bindable("::1", port);
}

// Moves this process (and so the server and the suites it starts) into a new network
// namespace and brings its loopback up. False when not permitted (CAP_SYS_ADMIN is needed).
bool private_loopback() {
  static const bool done = [] {
    if (unshare(CLONE_NEWNET) != 0) return false;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return false;
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    bool up = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    up = up && ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
    close(fd);
    if (!up) throw std::runtime_error("a new network namespace without a loopback");
    std::cerr << "in a network namespace of its own: port " << suite_port << " is free\n";
    return true;
  }();
  return done;
}

// The server, listening on the suites' port: started once the port is free, again if another
// process took the port in between.
std::optional<testing::child_process> start_server(const fs::path& ready_file) {
  auto deadline = std::chrono::steady_clock::now() + port_wait;
  bool said = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!port_free(suite_port)) {
      if (!said) std::cerr << "port " << suite_port << " is in use; waiting for it\n";
      said = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      continue;
    }
    fs::remove(ready_file);
    auto server = testing::child_process::spawn(
        server_bin, {"--port", std::to_string(suite_port), "--ready-file", ready_file.string()},
        {});
    auto started = std::chrono::steady_clock::now();
    while (server.running() && !fs::exists(ready_file) &&
           std::chrono::steady_clock::now() - started < std::chrono::seconds(30))
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (fs::exists(ready_file) && server.running()) return server;
    // It exited: the port was taken meanwhile (its message says so); look again.
  }
  return std::nullopt;
}

struct mocha_counts {
  int passing = -1, failing = 0, pending = 0;
};

// The summary of mocha's spec reporter: "  24 passing (3s)", "  1 failing", "  2 pending".
mocha_counts summary(const std::string& output) {
  mocha_counts c;
  std::smatch m;
  if (std::regex_search(output, m, std::regex(R"((\d+) passing)"))) c.passing = std::stoi(m[1]);
  if (std::regex_search(output, m, std::regex(R"((\d+) failing)"))) c.failing = std::stoi(m[1]);
  if (std::regex_search(output, m, std::regex(R"((\d+) pending)"))) c.pending = std::stoi(m[1]);
  return c;
}

void run_suite(const std::string& name, int tests) {
  auto dir = fs::path(suites_dir) / name;
  ASSERT_TRUE(fs::exists(dir / "node_modules" / "mocha"))
      << "npm packages missing in " << dir << ": run scripts/deps.sh";
  auto ready = fs::temp_directory_path() / ("tracehub-conformance-" + std::to_string(getpid()));
  private_loopback();
  auto server = start_server(ready);
  fs::remove(ready);
  ASSERT_TRUE(server) << "port " << suite_port << " stayed in use for " << port_wait.count()
                      << " s; the suites need it (tests/conformance/README.md)";
  auto run = testing::run_program(dir.string(), {"npm", "test", "--silent"}, {},
                                  std::chrono::seconds(300));
  auto counts = summary(run.output);
  // The polling test "forcefully closes the session" sends its POST without waiting for its GET
  // to reach the server: racy against any server, the reference one too (seen under ASan). That
  // failure alone, and only it, earns the suite one more run; the first report is printed.
  if (counts.failing == 1 &&
      run.output.find("1) forcefully closes the session") != std::string::npos) {
    std::printf("%s\n(the racy polling test failed; running the suite once more)\n",
                run.output.c_str());
    run = testing::run_program(dir.string(), {"npm", "test", "--silent"}, {},
                               std::chrono::seconds(300));
    counts = summary(run.output);
  }
  EXPECT_EQ(counts.passing, tests) << name << ": tests passing (the report is above)";
  EXPECT_EQ(counts.failing, 0) << name << ": tests failing (the report is above)";
  EXPECT_EQ(counts.pending, 0) << name << ": tests skipped";
  EXPECT_EQ(run.status, 0) << name << ": npm test failed (the report is above)";
  EXPECT_TRUE(server->running()) << "the conformance server died during the suite";
  EXPECT_EQ(server->terminate(std::chrono::seconds(10)), 0) << "the conformance server's exit";
}

TEST(realtime_conformance, engine_io_protocol_suite_passes) {
  run_suite("engine.io", 24);
}

TEST(realtime_conformance, socket_io_protocol_suite_passes) {
  run_suite("socket.io", 32);
}

}  // namespace
}  // namespace tracehub
