// A buffered, timed, optionally TLS-wrapped TCP connection used by both the
// SMTP server sessions and the delivery client. Poco owns the socket; OpenSSL
// runs directly on its descriptor after STARTTLS so that the negotiated
// protocol and cipher can be reported in Received: headers and logs.
// Reads honour a per-call timeout; writes are buffered until flush().
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <string>
#include <string_view>

typedef struct ssl_st SSL;

namespace moat::net {

class Connection {
public:
    enum class Read { ok, eof, timeout, error };

    explicit Connection(Poco::Net::StreamSocket socket);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Appends whatever arrives (at least one byte) to input(). Never blocks
    // longer than timeout.
    Read fill(std::chrono::milliseconds timeout);

    // Unconsumed input: callers parse from input().data() + consumed and call consume().
    std::string_view pending() const { return std::string_view(in_).substr(pos_); }
    void consume(std::size_t n);
    bool hasPending() const { return pos_ < in_.size(); }
    void discardPending();

    void write(std::string_view bytes) { out_.append(bytes); }
    bool hasUnflushed() const { return !out_.empty(); }
    bool flush(std::chrono::milliseconds timeout);  // false: peer gone or timed out

    // Server-side and client-side TLS handshakes; false (with reason) on failure,
    // after which the connection must be closed.
    bool acceptTls(Poco::Net::Context::Ptr context, std::chrono::milliseconds timeout, std::string& error);
    bool connectTls(Poco::Net::Context::Ptr context, const std::string& sni, std::chrono::milliseconds timeout,
                    std::string& error);

    bool secure() const { return ssl_ != nullptr; }
    std::string tlsVersion() const;  // "TLSv1.3"
    std::string tlsCipher() const;   // "TLS_AES_256_GCM_SHA384"
    int tlsBits() const;

    Poco::Net::SocketAddress peer() const { return peer_; }
    Poco::Net::SocketAddress local() const { return local_; }
    void shutdown();

private:
    void setTimeouts(std::chrono::milliseconds timeout);
    // Both handshakes' start: the timeouts, nothing read before it kept, an SSL object on the socket.
    bool beginTls(Poco::Net::Context::Ptr context, std::chrono::milliseconds timeout, std::string& error);

    Poco::Net::StreamSocket socket_;
    Poco::Net::SocketAddress peer_;
    Poco::Net::SocketAddress local_;
    int fd_;
    SSL* ssl_ = nullptr;
    Poco::Net::Context::Ptr tls_context_;  // keeps the SSL_CTX alive as long as ssl_
    std::string in_;
    std::size_t pos_ = 0;
    std::string out_;
    long long current_timeout_ms_ = -1;
};

}  // namespace moat::net
