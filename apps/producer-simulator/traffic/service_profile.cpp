#include "producer-simulator/traffic/service_profile.h"

#include <array>
#include <cstdio>

namespace tracehub::traffic {

namespace {

using namespace std::string_view_literals;

constexpr std::array regions = {"eu-west-1"sv, "eu-central-1"sv, "us-east-1"sv, "us-west-2"sv,
                                "ap-southeast-1"sv};

template <class T>
T pick(std::mt19937_64& rng, std::span<const T> from) {
  return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
}

std::string_view region(std::mt19937_64& rng) {
  return pick<std::string_view>(rng, regions);
}

std::string user_id(std::mt19937_64& rng) {
  return "u-" + std::to_string(std::uniform_int_distribution<int>(1000, 99999)(rng));
}

std::int64_t duration_ms(std::mt19937_64& rng, double mean) {
  return static_cast<std::int64_t>(std::exponential_distribution<double>(1.0 / mean)(rng)) + 1;
}

// --- payment-service ---------------------------------------------------------------------------

constexpr std::array payment_debug = {"gateway.request"sv, "gateway.response"sv, "fx.rate.cached"sv,
                                      "idempotency.hit"sv};
constexpr std::array payment_info = {"charge.created"sv,    "charge.captured"sv,
                                     "charge.authorized"sv, "refund.issued"sv,
                                     "payout.scheduled"sv,  "invoice.paid"sv};
constexpr std::array payment_warn = {"card.declined"sv, "gateway.slow"sv, "retry.scheduled"sv,
                                     "fraud.review"sv};
constexpr std::array payment_error = {"gateway.timeout"sv, "charge.failed"sv, "refund.failed"sv,
                                      "webhook.delivery.failed"sv};
constexpr std::array payment_fatal = {"ledger.unbalanced"sv, "gateway.credentials.invalid"sv};

void payment_attrs(std::mt19937_64& rng, log_event& e) {
  constexpr std::array currencies = {"EUR"sv, "USD"sv, "GBP"sv};
  double amount = std::uniform_int_distribution<int>(100, 250'000)(rng) / 100.0;
  e.attrs.emplace_back("amount", amount);
  e.attrs.emplace_back("currency", std::string(pick<std::string_view>(rng, currencies)));
  e.attrs.emplace_back("region", std::string(region(rng)));
  e.attrs.emplace_back("userId", user_id(rng));
  e.attrs.emplace_back("latencyMs", duration_ms(rng, 120));
}

// --- auth-service ------------------------------------------------------------------------------

constexpr std::array auth_debug = {"token.verified"sv, "jwks.cached"sv, "session.lookup"sv};
constexpr std::array auth_info = {"session.created"sv, "session.refreshed"sv, "login.succeeded"sv,
                                  "token.revoked"sv,   "mfa.challenge"sv,     "logout"sv};
constexpr std::array auth_warn = {"login.failed"sv, "mfa.failed"sv, "rate_limit.near"sv,
                                  "password.reset.requested"sv};
constexpr std::array auth_error = {"login.locked"sv, "token.signature.invalid"sv,
                                   "directory.timeout"sv};
constexpr std::array auth_fatal = {"signing_key.missing"sv};

void auth_attrs(std::mt19937_64& rng, log_event& e) {
  constexpr std::array methods = {"password"sv, "sso"sv, "passkey"sv, "refresh_token"sv};
  e.attrs.emplace_back("userId", user_id(rng));
  e.attrs.emplace_back("method", std::string(pick<std::string_view>(rng, methods)));
  e.attrs.emplace_back("region", std::string(region(rng)));
  e.attrs.emplace_back("mfa", std::bernoulli_distribution(0.3)(rng));
}

// --- order-service -----------------------------------------------------------------------------

constexpr std::array order_debug = {"cart.loaded"sv, "price.computed"sv, "stock.checked"sv};
constexpr std::array order_info = {"order.placed"sv,    "order.shipped"sv,   "inventory.reserved"sv,
                                   "payment.pending"sv, "order.delivered"sv, "order.cancelled"sv};
constexpr std::array order_warn = {"inventory.low"sv, "shipment.delayed"sv, "payment.retry"sv};
constexpr std::array order_error = {"inventory.reservation.failed"sv, "payment.failed"sv,
                                    "carrier.api.error"sv};
constexpr std::array order_fatal = {"order.state.corrupt"sv};

void order_attrs(std::mt19937_64& rng, log_event& e) {
  char id[24];
  std::snprintf(id, sizeof id, "o-%08x",
                std::uniform_int_distribution<unsigned>(0, 0xffffffffu)(rng));
  e.attrs.emplace_back("orderId", std::string(id));
  e.attrs.emplace_back("items", std::int64_t{std::uniform_int_distribution<int>(1, 12)(rng)});
  e.attrs.emplace_back("region", std::string(region(rng)));
  e.attrs.emplace_back("userId", user_id(rng));
}

// --- any other service -------------------------------------------------------------------------

constexpr std::array generic_debug = {"cache.hit"sv, "cache.miss"sv, "db.query"sv};
constexpr std::array generic_info = {"request.received"sv, "request.completed"sv, "job.started"sv,
                                     "job.finished"sv};
constexpr std::array generic_warn = {"db.query.slow"sv, "retry.scheduled"sv, "upstream.slow"sv};
constexpr std::array generic_error = {"upstream.error"sv, "request.failed"sv, "db.timeout"sv};
constexpr std::array generic_fatal = {"config.invalid"sv};

void generic_attrs(std::mt19937_64& rng, log_event& e) {
  constexpr std::array routes = {"/api/items"sv, "/api/users"sv, "/api/search"sv};
  e.attrs.emplace_back("route", std::string(pick<std::string_view>(rng, routes)));
  e.attrs.emplace_back("status", std::int64_t{e.lvl >= level::error ? 500 : 200});
  e.attrs.emplace_back("durationMs", duration_ms(rng, 40));
  e.attrs.emplace_back("region", std::string(region(rng)));
}

const service_profile payment{
    {payment_debug, payment_info, payment_warn, payment_error, payment_fatal}, payment_attrs};
const service_profile auth{{auth_debug, auth_info, auth_warn, auth_error, auth_fatal}, auth_attrs};
const service_profile order{{order_debug, order_info, order_warn, order_error, order_fatal},
                            order_attrs};
const service_profile generic{
    {generic_debug, generic_info, generic_warn, generic_error, generic_fatal}, generic_attrs};

}  // namespace

const service_profile& profile_for(std::string_view service) {
  if (service.starts_with("payment")) return payment;
  if (service.starts_with("auth")) return auth;
  if (service.starts_with("order")) return order;
  return generic;
}

}  // namespace tracehub::traffic
