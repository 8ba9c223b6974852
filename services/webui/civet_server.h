// The one place moat-webui talks to CivetWeb: HTTPS listening, and the
// translation of each request into web::Request (path percent-decoded — a
// malformed escape is 400 —, query parsed, header names lower-cased, body read
// up to ConsoleHandler::bodyLimit — more is 413) and of web::Response back onto the wire.
// Ambiguous body framing (web/request_framing) is 400 and CivetWeb's own
// errors (400, 411, 505...) are answered here too: every answer carries the
// security headers, none echoes the request, and every error closes the
// connection.
// Everything else is web::ConsoleHandler's, which does not know CivetWeb.
#pragma once

#include <cstddef>
#include <string>

#include "web/console_handler.h"

struct mg_context;
struct mg_connection;

namespace moat::webui {

struct ServerOptions {
    std::string host;  // IP literal to listen on ("0.0.0.0", "::", "127.0.0.1")
    int port = 443;
    std::string pem;  // certificate chain and private key, one PEM file
    int threads = 256;
    int request_timeout_ms = 5000;  // TLS handshake and request head within this
};

class CivetServer {
  public:
    // Listens at once; throws std::runtime_error when it cannot.
    CivetServer(const ServerOptions& options, const web::ConsoleHandler& handler);
    ~CivetServer();
    CivetServer(const CivetServer&) = delete;
    CivetServer& operator=(const CivetServer&) = delete;

  private:
    static int onRequest(mg_connection* conn);
    static int onLog(const mg_connection* conn, const char* message);
    static int onHttpError(mg_connection* conn, int status, const char* message);
    int handle(mg_connection* conn);

    const web::ConsoleHandler& handler_;
    mg_context* context_ = nullptr;
    std::string host_;  // where it listens, for the knock that ends mg_stop's wait
    int port_ = 0;
};

}  // namespace moat::webui
