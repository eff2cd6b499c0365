// server/sync_handler.cpp
#include "server/sync_handler.h"

#include <spdlog/spdlog.h>

#include "shared/protocol/sync_messages.h"

namespace rapport::server {
namespace {

net::HttpResponse error_response(unsigned status, std::string_view message) {
  return {status, "application/json", protocol::encode_error(message)};
}

net::HttpResponse push_events(Store& store, const TerminalRecord& terminal,
                              const net::HttpRequest& request) {
  auto decoded = protocol::decode_push_events_request(request.body);
  if (!decoded) {
    spdlog::warn("terminal {}: refused a batch: {}", terminal.id, decoded.error().message());
    return error_response(400, decoded.error().message());
  }
  // Who sent it is what the certificate says, whatever the body claims.
  for (auto& event : decoded->events) {
    event.terminal_id = terminal.id;
    event.store_id = terminal.store_id;
  }
  const auto stored = store.record_events(decoded->events);
  if (!stored) {
    spdlog::error("terminal {}: could not store {} events: {}", terminal.id, decoded->events.size(),
                  stored.error().message());
    return error_response(503, "could not store the events; send them again later");
  }
  protocol::PushEventsResponse response;
  response.acknowledged.reserve(decoded->events.size());
  for (const auto& event : decoded->events) response.acknowledged.push_back(event.id);
  spdlog::info("terminal {}: stored {} new of {} events", terminal.id, *stored,
               decoded->events.size());
  return {200, "application/json", protocol::encode(response)};
}

net::HttpResponse members(Store& store, const TerminalRecord& terminal) {
  auto members = store.list_members(terminal.store_id);
  if (!members) return error_response(503, "could not read members; try again later");
  protocol::MembersSnapshot snapshot{terminal.store_id, std::move(*members)};
  return {200, "application/json", protocol::encode(snapshot)};
}

}  // namespace

net::HttpResponse handle_sync_request(Store& store, const net::HttpRequest& request) {
  const std::string_view path =
      std::string_view(request.target)
          .substr(0, std::min(request.target.size(), request.target.find('?')));
  if (path == "/sync/v1/health") {
    if (request.method != "GET") return error_response(405, "use GET");
    return {200, "application/json", R"({"status":"ok"})"};
  }
  const bool is_events = path == protocol::kPushEventsPath;
  const bool is_members = path == protocol::kMembersPath;
  if (!is_events && !is_members) return error_response(404, "no such endpoint");

  auto terminal = store.find_terminal(request.peer_common_name);
  if (!terminal) return error_response(503, "could not check the terminal; try again later");
  if (!*terminal || (*terminal)->revoked) {
    spdlog::warn("refused {} from {}: terminal '{}' is not registered or revoked", path,
                 request.remote_address, request.peer_common_name);
    return error_response(403, "terminal is not registered or has been revoked");
  }
  // Issuing a terminal again replaces its certificate: the old one (a stolen or retired
  // machine) is shut out even though the CA signed it.
  if ((*terminal)->certificate_serial != request.peer_certificate_serial) {
    spdlog::warn("refused {} from {}: terminal '{}' presented certificate {}, current is {}", path,
                 request.remote_address, request.peer_common_name, request.peer_certificate_serial,
                 (*terminal)->certificate_serial);
    return error_response(403,
                          "this terminal certificate has been replaced; install the "
                          "current bundle from `rapportctl terminal issue`");
  }
  if (is_events) {
    if (request.method != "POST") return error_response(405, "use POST");
    return push_events(store, **terminal, request);
  }
  if (request.method != "GET") return error_response(405, "use GET");
  return members(store, **terminal);
}

}  // namespace rapport::server
