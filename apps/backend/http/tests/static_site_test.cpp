// The dashboard's static file server (http/static_site.h) and the router fallback that
// installs it: content types, caching, SPA fallback, 404s, path traversal, HEAD on the wire.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "backend/http/router.h"
#include "backend/http/server.h"
#include "backend/http/static_site.h"

namespace tracehub::http {
namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

constexpr std::string_view index_html = "<!doctype html><title>TraceHub</title>";
constexpr std::string_view app_js = "console.log('app');";

// A fresh directory laid out like apps/dashboard/dist; removed with the fixture.
class static_site_test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    root_ = fs::temp_directory_path() /
            ("tracehub-static-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(root_ / "assets");
    write("index.html", index_html);
    write("assets/app-abc.js", app_js);
    write("assets/app-abc.css", "body{}");
    write("favicon.svg", "<svg/>");
    write("assets/app-abc.js.map", "{}");
    // A file beside the root that traversal would reach.
    write("../" + root_.filename().string() + "-secret.txt", "secret");
  }
  void TearDown() override {
    std::error_code ec;  // best effort: a leftover temp dir is harmless
    fs::remove_all(root_, ec);
    fs::remove(root_.parent_path() / (root_.filename().string() + "-secret.txt"), ec);
  }

  void write(const std::string& rel, std::string_view text) {
    std::ofstream(root_ / rel, std::ios::binary) << text;
  }

  reply get(std::string target, bhttp::verb method = bhttp::verb::get) {
    request req{method, target, 11};
    return static_site(root_).serve(req);
  }

  static std::string header(const reply& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return "";
  }

  fs::path root_;
};

TEST_F(static_site_test, root_serves_index_html_revalidated) {
  auto r = get("/");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, index_html);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
}

TEST_F(static_site_test, hashed_assets_are_immutable_with_their_type) {
  auto js = get("/assets/app-abc.js");
  EXPECT_EQ(js.status, 200u);
  EXPECT_EQ(js.body, app_js);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(get("/assets/app-abc.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(get("/assets/app-abc.js.map").content_type, "application/json");
}

TEST_F(static_site_test, files_outside_assets_are_revalidated) {
  auto svg = get("/favicon.svg");
  EXPECT_EQ(svg.status, 200u);
  EXPECT_EQ(svg.content_type, "image/svg+xml");
  EXPECT_EQ(header(svg, "Cache-Control"), "no-cache");
  EXPECT_EQ(get("/index.html").content_type, "text/html; charset=utf-8");
}

TEST_F(static_site_test, content_types_by_extension) {
  EXPECT_EQ(content_type_of("a.png"), "image/png");
  EXPECT_EQ(content_type_of("a.json"), "application/json");
  EXPECT_EQ(content_type_of("favicon.ico"), "image/x-icon");
  EXPECT_EQ(content_type_of("f.woff2"), "font/woff2");
  EXPECT_EQ(content_type_of("noext"), "application/octet-stream");
  EXPECT_EQ(content_type_of(".js"), "application/octet-stream");
}

TEST_F(static_site_test, client_side_routes_get_index_html) {
  for (std::string target : {"/live-logs", "/services/payment-service", "/queue?x=1", "/assets"}) {
    auto r = get(target);
    EXPECT_EQ(r.status, 200u) << target;
    EXPECT_EQ(r.body, index_html) << target;
    EXPECT_EQ(header(r, "Cache-Control"), "no-cache") << target;
  }
}

// The dashboard fetches /metrics with Accept: application/json; were the route missing, an
// index.html with 200 would look like a broken JSON answer instead of a 404.
TEST_F(static_site_test, json_clients_get_404_instead_of_the_app) {
  request api{bhttp::verb::get, "/metrics", 11};
  api.set(bhttp::field::accept, "application/json");
  auto r = static_site(root_).serve(api);
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.content_type, "application/json");
  request both{bhttp::verb::get, "/live-logs", 11};
  both.set(bhttp::field::accept, "text/html, application/json");
  EXPECT_EQ(static_site(root_).serve(both).body, index_html);
  request any{bhttp::verb::get, "/live-logs", 11};
  any.set(bhttp::field::accept, "*/*");
  EXPECT_EQ(static_site(root_).serve(any).body, index_html);
  request file{bhttp::verb::get, "/assets/app-abc.js", 11};
  file.set(bhttp::field::accept, "application/json");
  EXPECT_EQ(static_site(root_).serve(file).status, 200u);
}

TEST_F(static_site_test, missing_file_with_extension_is_404_json) {
  for (std::string target : {"/assets/app-zzz.js", "/missing.png", "/favicon.ico"}) {
    auto r = get(target);
    EXPECT_EQ(r.status, 404u) << target;
    EXPECT_EQ(r.content_type, "application/json") << target;
    EXPECT_NE(r.body.find("\"not_found\""), std::string::npos) << target;
  }
}

TEST_F(static_site_test, path_traversal_is_refused_before_touching_files) {
  std::string secret = "/../" + root_.filename().string() + "-secret.txt";
  for (std::string target :
       {secret, "/assets/../../" + root_.filename().string() + "-secret.txt",
        std::string("/%2e%2e/") + root_.filename().string() + "-secret.txt",
        std::string("/%2E%2E%2f") + root_.filename().string() + "-secret.txt",
        std::string("/assets/..%5c..%5cetc"), std::string("/./index.html"), std::string("/%00.js"),
        std::string("/bad%zz"), std::string("http://x/index.html"), std::string("*")}) {
    auto r = get(target);
    EXPECT_EQ(r.status, 400u) << target;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << target;
  }
  // Absolute paths spelt as a path stay below the root: //etc/passwd is root/etc/passwd.
  auto abs = get("//etc/passwd.txt");
  EXPECT_EQ(abs.status, 404u);
  auto abs_encoded = get("/%2Fetc%2Fpasswd.txt");
  EXPECT_EQ(abs_encoded.status, 404u);
}

TEST_F(static_site_test, no_index_html_is_404_for_routes) {
  fs::remove(root_ / "index.html");
  EXPECT_EQ(get("/live-logs").status, 404u);
  EXPECT_EQ(get("/assets/app-abc.js").status, 200u);
}

// Runs an awaitable to completion on a private io_context.
reply run(const router& r, request& req) {
  asio::io_context io;
  auto f = asio::co_spawn(io, r.route(req), asio::use_future);
  io.run();
  return f.get();
}

boost::asio::awaitable<reply> api_route(request&) {
  co_return reply{200, "{\"api\":true}"};
}

TEST_F(static_site_test, router_fallback_only_for_unrouted_paths_and_its_methods) {
  router r;
  r.add(bhttp::verb::get, "/metrics", api_route);
  r.add(bhttp::verb::post, "/ingest", api_route);
  r.set_fallback(bhttp::verb::get, static_site(root_));
  r.set_fallback(bhttp::verb::head, static_site(root_));

  request api{bhttp::verb::get, "/metrics?x=1", 11};
  EXPECT_EQ(run(r, api).body, "{\"api\":true}");
  request page{bhttp::verb::get, "/live-logs", 11};
  EXPECT_EQ(run(r, page).body, index_html);
  request head{bhttp::verb::head, "/assets/app-abc.js", 11};
  EXPECT_EQ(run(r, head).status, 200u);
  // A routed path keeps its 405; a method without fallback keeps the 404.
  request wrong_method{bhttp::verb::get, "/ingest", 11};
  EXPECT_EQ(run(r, wrong_method).status, 405u);
  request post{bhttp::verb::post, "/live-logs", 11};
  EXPECT_EQ(run(r, post).status, 404u);

  router plain;
  plain.add(bhttp::verb::get, "/metrics", api_route);
  request unknown{bhttp::verb::get, "/live-logs", 11};
  EXPECT_EQ(run(plain, unknown).status, 404u);
}

// A reload on /logs must show the page although GET /logs is an API route on the same port;
// the page's own fetch("/logs") (Accept */*) must still get the JSON.
TEST_F(static_site_test, page_loads_go_to_the_page_handler_before_routes) {
  router r;
  r.add(bhttp::verb::get, "/logs", api_route);
  r.add(bhttp::verb::post, "/replay", api_route);
  r.set_page_handler(static_site(root_));
  r.set_fallback(bhttp::verb::get, static_site(root_));

  auto with_accept = [](bhttp::verb m, const char* target, const char* accept) {
    request req{m, target, 11};
    if (accept) req.set(bhttp::field::accept, accept);
    return req;
  };
  auto browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
  auto page = with_accept(bhttp::verb::get, "/logs?service=a", browser);
  EXPECT_EQ(run(r, page).body, index_html);
  auto upper = with_accept(bhttp::verb::get, "/replay", "TEXT/HTML");
  EXPECT_EQ(run(r, upper).body, index_html);
  auto fetch = with_accept(bhttp::verb::get, "/logs?service=a", "*/*");
  EXPECT_EQ(run(r, fetch).body, "{\"api\":true}");
  auto json = with_accept(bhttp::verb::get, "/logs", "application/json");
  EXPECT_EQ(run(r, json).body, "{\"api\":true}");
  auto none = with_accept(bhttp::verb::get, "/logs", nullptr);
  EXPECT_EQ(run(r, none).body, "{\"api\":true}");
  auto post = with_accept(bhttp::verb::post, "/replay", browser);
  EXPECT_EQ(run(r, post).body, "{\"api\":true}");
}

// HEAD over a real connection: the headers of the GET (Content-Length included), no body.
TEST_F(static_site_test, head_over_http_sends_length_without_body) {
  auto routes = std::make_shared<router>();
  routes->set_fallback(bhttp::verb::get, static_site(root_));
  routes->set_fallback(bhttp::verb::head, static_site(root_));
  asio::io_context io;
  server_options so;
  so.port = 0;
  server srv(io, so, routes);
  srv.start();
  std::thread t([&] { io.run(); });

  asio::io_context client_io;
  boost::beast::tcp_stream stream(client_io);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), srv.port()));
  stream.expires_after(std::chrono::seconds(5));
  bhttp::request<bhttp::empty_body> head{bhttp::verb::head, "/assets/app-abc.js", 11};
  head.set(bhttp::field::host, "127.0.0.1");
  bhttp::write(stream, head);
  boost::beast::flat_buffer buf;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.skip(true);  // a HEAD response has no body whatever its Content-Length says
  bhttp::read(stream, buf, parser);
  EXPECT_EQ(parser.get().result_int(), 200u);
  EXPECT_EQ(parser.get()[bhttp::field::content_length], std::to_string(app_js.size()));
  EXPECT_EQ(parser.get()[bhttp::field::cache_control], "public, max-age=31536000, immutable");

  // The connection is still in sync: a GET on it answers with the body.
  bhttp::request<bhttp::empty_body> get_req{bhttp::verb::get, "/assets/app-abc.js", 11};
  get_req.set(bhttp::field::host, "127.0.0.1");
  bhttp::write(stream, get_req);
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buf, res);
  EXPECT_EQ(res.body(), app_js);

  srv.stop();
  io.stop();
  t.join();
}

}  // namespace
}  // namespace tracehub::http
