#include "civet_server.h"

#include <Poco/String.h>
#include <civetweb.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include "util/log.h"
#include "web/request_framing.h"
#include "web/wire_parse.h"

namespace moat::webui {

namespace {

void initLibrary() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (!(mg_init_library(MG_FEATURES_TLS) & MG_FEATURES_TLS))
            throw std::runtime_error(
                "CivetWeb has no TLS (is libssl.so installed? Debian: libssl-dev)");
    });
}

// Reads the body up to `limit` bytes; false when it is larger.
bool readBody(mg_connection* conn, long long content_length, std::size_t limit, std::string& body) {
    if (content_length > static_cast<long long>(limit)) return false;
    char buf[16384];
    while (true) {
        int n = mg_read(conn, buf, sizeof buf);
        if (n <= 0) break;
        body.append(buf, static_cast<std::size_t>(n));
        if (body.size() > limit) return false;
    }
    return true;
}

// Makes CivetWeb close the connection after this answer. CivetWeb 1.15 keeps
// a connection unless the request asked for "Connection: close" (a
// "Connection: close" in our answer does not stop it reading the next request
// from the same bytes), so the request's own Connection header is set to
// "close" — request_info is the connection's own writable copy.
void forceClose(mg_connection* conn) {
    auto* info = const_cast<mg_request_info*>(mg_get_request_info(conn));
    for (int i = 0; i < info->num_headers; ++i)
        if (info->http_headers[i].name && mg_strcasecmp(info->http_headers[i].name, "Connection") == 0) {
            info->http_headers[i].value = "close";
            return;
        }
    if (info->num_headers < static_cast<int>(sizeof info->http_headers / sizeof info->http_headers[0])) {
        info->http_headers[info->num_headers].name = "Connection";
        info->http_headers[info->num_headers].value = "close";
        ++info->num_headers;
        return;
    }
    info->http_headers[0].name = "Connection";  // 64 headers: the first one gives way
    info->http_headers[0].value = "close";
}

void send(mg_connection* conn, const web::Response& response, bool head) {
    mg_response_header_start(conn, response.status);
    if (!response.content_type.empty())
        mg_response_header_add(conn, "Content-Type", response.content_type.c_str(), -1);
    for (const auto& [name, value] : response.headers)
        mg_response_header_add(conn, name.c_str(), value.c_str(), -1);
    if (response.status != 204 && response.status != 304) {
        auto length = std::to_string(response.body.size());
        mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
    }
    mg_response_header_send(conn);
    if (!head && !response.body.empty()) mg_write(conn, response.body.data(), response.body.size());
}

// Opens, and at once closes, TCP connections to the listener every 20 ms
// until `stopped`: each ends the wait of CivetWeb's accept loop, which polls
// in quanta of 2 seconds and only then looks at its stop flag. A wildcard
// address is reached over loopback.
void knockUntil(const std::atomic<bool>& stopped, const std::string& host, int port) {
    std::string target = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "::1" : host;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (getaddrinfo(target.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return;
    while (!stopped) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (stopped) break;
        int fd = socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) continue;
        (void)connect(fd, found->ai_addr, found->ai_addrlen);  // in progress is enough
        close(fd);
    }
    freeaddrinfo(found);
}

}  // namespace

CivetServer::CivetServer(const ServerOptions& options, const web::ConsoleHandler& handler)
    : handler_(handler) {
    initLibrary();
    std::string host =
        options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
    std::string listen = host + ":" + std::to_string(options.port) + "s";
    std::string threads = std::to_string(options.threads);
    std::string request_timeout = std::to_string(options.request_timeout_ms);
    // clang-format off
    const char* settings[] = {
        "listening_ports", listen.c_str(),
        "ssl_certificate", options.pem.c_str(),
        "ssl_protocol_version", "4",  // TLS 1.2 and newer
        "ssl_cipher_list", "ECDHE+AESGCM:ECDHE+CHACHA20",
        "num_threads", threads.c_str(),
        "request_timeout_ms", request_timeout.c_str(),
        "enable_keep_alive", "yes",
        "keep_alive_timeout_ms", "2000",
        "linger_timeout_ms", "0",
        "decode_url", "no",  // the path is decoded (strictly) by web::percentDecode
        nullptr,
    };
    // clang-format on
    mg_callbacks callbacks{};
    callbacks.begin_request = &CivetServer::onRequest;
    callbacks.log_message = &CivetServer::onLog;
    callbacks.http_error = &CivetServer::onHttpError;
    mg_init_data init{};
    init.callbacks = &callbacks;
    init.user_data = this;
    init.configuration_options = settings;
    mg_error_data error{};
    char error_text[256] = "";
    error.text = error_text;
    error.text_buffer_size = sizeof error_text;
    context_ = mg_start2(&init, &error);
    if (!context_) throw std::runtime_error("cannot listen on " + listen + ": " + error_text);
    host_ = options.host;
    mg_server_port bound{};
    port_ = mg_get_server_ports(context_, 1, &bound) == 1 ? bound.port : options.port;
}

CivetServer::~CivetServer() {
    if (context_) {
        // mg_stop sets the stop flag first thing and then waits for the
        // accept loop; knocking while it waits stops the console in
        // milliseconds instead of up to 2 seconds.
        std::atomic<bool> stopped{false};
        std::thread knocker;
        try {
            knocker = std::thread([this, &stopped] { knockUntil(stopped, host_, port_); });
        } catch (const std::system_error&) {
            // no thread to spare: mg_stop then waits out its poll, only slower
        }
        mg_stop(context_);
        stopped = true;
        if (knocker.joinable()) knocker.join();
    }
    mg_exit_library();  // one server per process: release OpenSSL's state before exit
}

int CivetServer::onLog(const mg_connection*, const char* message) {
    log::warning(std::string("webui: ") + log::printable(message ? message : "", 400));
    return 1;
}

int CivetServer::onHttpError(mg_connection* conn, int status, const char*) {
    // CivetWeb's own refusals (a malformed request line, 411, 505, ...): our
    // answer with our headers, a fixed text (CivetWeb's message may quote the
    // request), and the connection closed.
    const char* text = status == 411   ? "length required"
                       : status == 413 ? "request too large"
                       : status == 414 ? "request target too long"
                       : status == 431 ? "request headers too large"
                       : status == 505 ? "HTTP version not supported"
                       : status >= 500 ? "internal error"
                                       : "malformed request";
    auto r = web::Response::error(status, text);
    web::ConsoleHandler::addSecurityHeaders(r, true);
    // Written by hand: CivetWeb's header functions repeat the request's HTTP
    // version, which here may be whatever the client sent.
    const char* reason = mg_get_response_code_text(conn, status);
    std::string head = "HTTP/1.1 " + std::to_string(status) + " " + (reason ? reason : "Error") +
                       "\r\nContent-Type: " + r.content_type + "\r\n";
    for (const auto& [name, value] : r.headers) head += name + ": " + value + "\r\n";
    head += "Content-Length: " + std::to_string(r.body.size()) + "\r\nConnection: close\r\n\r\n";
    head += r.body;
    mg_write(conn, head.data(), head.size());
    return 0;
}

int CivetServer::onRequest(mg_connection* conn) {
    auto* self = static_cast<CivetServer*>(mg_get_user_data(mg_get_context(conn)));
    return self->handle(conn);
}

int CivetServer::handle(mg_connection* conn) {
    const mg_request_info* info = mg_get_request_info(conn);
    web::Request request;
    request.method = info->request_method ? info->request_method : "";
    request.client_ip = info->remote_addr;
    for (int i = 0; i < info->num_headers; ++i)
        request.headers[Poco::toLower(std::string(info->http_headers[i].name))] =
            info->http_headers[i].value;
    bool head = request.method == "HEAD";
    auto fail = [&](int status, const std::string& message) {
        auto r = web::Response::error(status, message);
        web::ConsoleHandler::addSecurityHeaders(r, true);
        r.headers.emplace_back("Connection", "close");
        send(conn, r, head);
        forceClose(conn);
        return status;
    };
    web::HeaderList framing;
    for (int i = 0; i < info->num_headers; ++i)
        framing.emplace_back(info->http_headers[i].name ? info->http_headers[i].name : "",
                             info->http_headers[i].value ? info->http_headers[i].value : "");
    if (auto problem = web::framingProblem(framing)) {
        log::info("webui: refused a request from " + request.client_ip + ": " + *problem);
        return fail(400, "ambiguous request framing");
    }
    // A body-carrying method must say how long its body is: without either
    // header CivetWeb would read what follows as the next request (an obs-fold
    // line ends CivetWeb's header block early, leaving Content-Length behind).
    if ((request.method == "POST" || request.method == "PUT" || request.method == "PATCH") &&
        !mg_get_header(conn, "Content-Length") && !mg_get_header(conn, "Transfer-Encoding"))
        return fail(411, "Content-Length required");
    const char* raw = info->local_uri_raw ? info->local_uri_raw : info->local_uri;
    auto path = raw ? web::percentDecode(raw, false) : std::nullopt;
    if (!path || path->empty() || path->front() != '/') return fail(400, "malformed request path");
    request.path = std::move(*path);
    if (info->query_string) {
        auto query = web::parseQuery(info->query_string);
        if (!query) return fail(400, "malformed query string");
        request.query = std::move(*query);
    }
    // Read only once the head is known: a large body only from an administrator uploading a backup.
    std::size_t limit = handler_.bodyLimit(request);
    if (!readBody(conn, info->content_length, limit, request.body))
        return fail(413,
                    "request body too large (" + std::to_string(limit >> 20) + " MiB at most)");
    send(conn, handler_.handle(request), head);
    return 200;
}

}  // namespace moat::webui
