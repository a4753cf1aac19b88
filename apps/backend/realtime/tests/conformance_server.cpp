// The server the Engine.IO and Socket.IO protocol test suites expect (tests/conformance, run by
// conformance_test.cpp), made of realtime/'s hub with the configuration their READMEs give:
//   /engine.io/  a bare Engine.IO server that echoes every message, text or binary;
//   /socket.io/  Socket.IO: on joining "/" or "/custom" a client gets ["auth", <its auth>];
//                on "/", "message" is echoed as "message-back" and "message-with-ack" is
//                acknowledged with its own arguments, attachments included;
// both with pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1e6, and a connection that
// joins no namespace within 1 s closed. The suites hard-code http://localhost:3000, so it
// listens on --port (3000) of 127.0.0.1 and, where the host has it, ::1. For tests only.
//
// Exit status: 0 after SIGTERM/SIGINT, 3 when the port is taken (the test waits and retries),
// 1 on any other error. Once listening it writes --ready-file.
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "backend/http/router.h"
#include "backend/http/server.h"
#include "backend/realtime/hub.h"

namespace {

namespace asio = boost::asio;
namespace rt = tracehub::realtime;
using verb = boost::beast::http::verb;

constexpr std::chrono::milliseconds auth_delay{50};

rt::options suite_options(std::string path) {
  rt::options o;
  o.path = std::move(path);
  o.ping_interval = std::chrono::milliseconds(300);
  o.ping_timeout = std::chrono::milliseconds(200);
  o.max_payload = 1'000'000;
  o.join_timeout = std::chrono::milliseconds(1'000);
  o.close_duplicate_upgrades = true;
  return o;
}

rt::options engine_io_options() {
  auto o = suite_options("/engine.io/");
  o.on_message = [](const rt::peer& p, std::string_view data, bool binary) {
    binary ? p.send_binary(data) : p.send(data);
  };
  return o;
}

rt::options socket_io_options() {
  auto o = suite_options("/socket.io/");
  o.namespaces = {"/custom"};
  // The suite reads the CONNECT reply and then the "auth" event with one listener after the
  // other; ws (8.5) hands every frame of one TCP read to the listeners there are, so an "auth"
  // coming in the same read as the reply is missed. The reference server's frames are a
  // write-callback apart, ours microseconds: "auth" follows the reply after auth_delay.
  o.on_join = [](const rt::peer& p, std::string_view nsp, std::string_view auth) {
    p.later(auth_delay, [args = "[\"auth\"," + std::string(auth) + "]",
                         nsp = std::string(nsp)](const rt::peer& p) { p.emit(nsp, args); });
  };
  o.on_event = [](const rt::peer& p, const rt::socket_io_event& e) {
    if (e.nsp != "/") return;
    auto args = boost::json::parse(e.args).as_array();  // the hub checked ["name", ...]
    auto name = args[0].as_string();
    if (name == "message") {
      args[0] = "message-back";
      p.emit(e.nsp, boost::json::serialize(args), e.attachments);
    } else if (name == "message-with-ack" && e.ack_id) {
      args.erase(args.begin());
      p.ack(e.nsp, *e.ack_id, boost::json::serialize(args), e.attachments);
    }
  };
  return o;
}

// Both paths on one router: GET and POST are the polling transport; the suites' PUT must get
// the hub's 400, not the router's 405.
void add_routes(tracehub::http::router& routes, const std::shared_ptr<rt::hub>& hub,
                const std::string& path) {
  auto poll = [hub](tracehub::http::request& req) { return hub->poll(req); };
  for (auto method : {verb::get, verb::post, verb::put})
    routes.add(method, path, poll, hub->polling_guard());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"The server of the Engine.IO and Socket.IO protocol test suites (tests only)"};
  unsigned short port = 3000;
  std::string ready_file;
  cli.add_option("--port", port, "the port the suites expect");
  cli.add_option("--ready-file", ready_file, "written once listening");
  CLI11_PARSE(cli, argc, argv);

  asio::io_context io(1);
  auto probe = std::make_shared<rt::probe>();
  auto engine_io = std::make_shared<rt::hub>(io, engine_io_options(), probe);
  auto socket_io = std::make_shared<rt::hub>(io, socket_io_options(), probe);
  auto routes = std::make_shared<tracehub::http::router>();
  add_routes(*routes, engine_io, "/engine.io/");
  add_routes(*routes, socket_io, "/socket.io/");

  tracehub::http::server_options so;
  so.port = port;
  so.on_upgrade = [engine_io, socket_io](asio::ip::tcp::socket&& s, tracehub::http::request&& req) {
    auto& hub = tracehub::http::path_of(req.target()) == "/engine.io/" ? *engine_io : *socket_io;
    hub.accept(std::move(s), std::move(req));
  };
  std::vector<std::unique_ptr<tracehub::http::server>> servers;
  for (const char* bind : {"127.0.0.1", "::1"}) {
    so.bind = bind;
    try {
      servers.push_back(std::make_unique<tracehub::http::server>(io, so, routes));
    } catch (const boost::system::system_error& e) {
      if (e.code() == asio::error::address_in_use) {
        std::cerr << "conformance server: port " << port << " of " << bind << " is in use\n";
        return 3;
      }
      // A host without IPv6 loopback: 127.0.0.1 alone (localhost resolves to it there).
      if (std::string_view(bind) == "::1") continue;
      std::cerr << "conformance server: " << e.what() << '\n';
      return 1;
    }
  }
  for (auto& s : servers)
    s->start();
  engine_io->start();
  socket_io->start();
  if (!ready_file.empty()) std::ofstream(ready_file) << port << '\n';
  std::cerr << "conformance server: listening on port " << port << '\n';

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    for (auto& s : servers)
      s->stop();
    engine_io->stop();
    socket_io->stop();
    io.stop();
  });
  io.run();
  return 0;
}
