// The producer simulator: read flags, build one producer per service on one io thread, run
// until SIGINT/SIGTERM or --duration-s, then drain (a second signal stops at once).
// Exit status: 0 after a clean stop, 2 for a bad flag, 1 for a start-up failure.
#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "backend/base/log.h"
#include "backend/redis/async_connection.h"
#include "producer-simulator/app/sim_config.h"
#include "producer-simulator/producer/buffer.h"
#include "producer-simulator/producer/producer.h"

namespace asio = boost::asio;
using namespace tracehub;

namespace {

// A function, not a module_logger object: at global scope that would clash with ::log(double).
spdlog::logger& log() {
  return module_logger<"sim">{}();
}

using producer_list = std::vector<std::unique_ptr<producer::service_producer>>;

producer_list make_producers(asio::any_io_executor ex, const sim::sim_config& cfg,
                             std::shared_ptr<redis::async_connection> redis,
                             const producer::backend_url& backend) {
  std::random_device seeds;
  producer_list out;
  for (const auto& service : cfg.services) {
    producer::producer_options o;
    o.service = service;
    o.ingest_token = cfg.ingest_token;
    o.traffic.rate_eps = cfg.rate_eps;
    o.traffic.bursts = cfg.bursts;
    o.batch_size = cfg.batch_size;
    o.flush_interval = std::chrono::milliseconds(cfg.flush_ms);
    o.request_timeout = std::chrono::milliseconds(cfg.timeout_ms);
    o.max_in_flight = cfg.max_in_flight;
    o.drain_timeout = std::chrono::milliseconds(cfg.drain_ms);
    o.max_buffer = cfg.max_buffer;
    o.seed = (std::uint64_t{seeds()} << 32) ^ seeds();
    out.push_back(std::make_unique<producer::service_producer>(ex, redis, backend, o));
  }
  return out;
}

// Gives Redis a moment to connect, so the first produce calls do not all fail and warn.
asio::awaitable<void> await_redis(std::shared_ptr<redis::async_connection> redis) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  for (int i = 0; i < 100 && !redis->connected(); ++i) {
    t.expires_after(std::chrono::milliseconds(20));
    co_await t.async_wait(asio::use_awaitable);
  }
  if (!redis->connected()) log().warn("redis not reachable yet; producers retry until it is");
}

// --print-state: per service, `producer<TAB>service<TAB>counter` (the last seq handed out), then
// `buffered<TAB>service<TAB>seq` for each seq still buffered. Every seq from 1 to the counter
// that is not buffered was acknowledged (a producer trims only what an ACK covered).
asio::awaitable<int> print_state(std::shared_ptr<redis::async_connection> redis,
                                 std::vector<std::string> services) {
  co_await await_redis(redis);
  int code = 0;
  for (const auto& service : services) {
    producer::buffer b(redis, service);
    auto last = co_await b.last_seq();
    if (!last) {
      log().error("{}: {}", service, last.error().message());
      code = 1;
      continue;
    }
    std::printf("producer\t%s\t%lld\n", service.c_str(), static_cast<long long>(*last));
    for (std::int64_t after = 0; after < *last;) {
      auto page = co_await b.read(after, *last, 10'000);
      if (!page) {
        log().error("{}: {}", service, page.error().message());
        code = 1;
        break;
      }
      if (page->empty()) break;
      for (const auto& e : *page)
        std::printf("buffered\t%s\t%lld\n", service.c_str(), static_cast<long long>(e.seq));
      after = page->back().seq;
    }
  }
  std::fflush(stdout);
  redis->stop();
  co_return code;
}

int print_state(const sim::sim_config& cfg) {
  auto ep = redis::parse_url(cfg.redis_url);
  if (!ep) throw std::runtime_error("bad URL");  // validated by the flags already
  asio::io_context io(1);
  auto redis = redis::async_connection::create(io.get_executor(), *ep);
  redis->start();
  int code = 1;
  asio::co_spawn(io, print_state(redis, cfg.services), [&](std::exception_ptr e, int c) {
    if (!e) code = c;
  });
  io.run();
  return code;
}

int run(const sim::sim_config& cfg) {
  auto ep = redis::parse_url(cfg.redis_url);
  auto backend = producer::parse_backend_url(cfg.backend_url);
  if (!ep || !backend) throw std::runtime_error("bad URL");  // validated by the flags already

  asio::io_context io(1);
  auto redis = redis::async_connection::create(io.get_executor(), *ep);
  redis->start();
  auto producers = make_producers(io.get_executor(), cfg, redis, *backend);
  log().info("{} services at {} logs/s each (bursts {}) -> {}; redis {}", producers.size(),
             cfg.rate_eps, cfg.bursts ? "on" : "off", cfg.backend_url, cfg.redis_url);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer duration(io);
  auto stop_all = [&] {
    for (auto& p : producers)
      p->stop();
  };
  bool stopping = false;
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int sig) {
        if (ec) return;  // cancelled: every producer has finished
        if (!stopping) {
          log().info("signal {}: stopping, sending what is buffered (again to stop at once)", sig);
          stopping = true;
          stop_all();
        } else {
          log().info("signal {}: stopping at once; the buffer keeps the rest", sig);
          for (auto& p : producers)
            p->abort();
        }
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);
  if (cfg.duration_s > 0) {
    duration.expires_after(std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::duration<double>(cfg.duration_s)));
    duration.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      log().info("--duration-s reached: stopping");
      stop_all();
    });
  }

  int exit_code = 0;
  std::size_t running = producers.size();
  auto on_done = [&](std::exception_ptr e) {
    if (e) {
      exit_code = 1;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log().critical("a producer failed: {}", ex.what());
      }
    }
    if (--running > 0) return;
    signals.cancel();
    duration.cancel();
    redis->stop();
  };
  auto start = [&]() -> asio::awaitable<void> {
    co_await await_redis(redis);
    for (auto& p : producers)
      asio::co_spawn(io, p->run(), on_done);
  };
  asio::co_spawn(io, start(), asio::detached);
  io.run();
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  auto cfg = sim::parse_sim_config(argc, argv);
  set_log_level(cfg.log_level);
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return cfg.print_state ? print_state(cfg) : run(cfg);
  } catch (const std::exception& e) {
    log().critical("{}", e.what());
    return 1;
  }
}
