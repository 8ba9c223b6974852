#include "net/connection.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>

namespace moat::net {

Connection::Connection(Poco::Net::StreamSocket socket)
    : socket_(std::move(socket)), fd_(socket_.impl()->sockfd()) {
    try {
        peer_ = socket_.peerAddress();
        local_ = socket_.address();
    } catch (const Poco::Exception&) {
        // peer already gone; reads will report eof
    }
    socket_.setNoDelay(true);
    socket_.setBlocking(true);
}

Connection::~Connection() {
    if (ssl_) SSL_free(ssl_);
    try {
        socket_.close();
    } catch (...) {
    }
}

void Connection::setTimeouts(std::chrono::milliseconds timeout) {
    if (timeout.count() == current_timeout_ms_) return;
    current_timeout_ms_ = timeout.count();
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

Connection::Read Connection::fill(std::chrono::milliseconds timeout) {
    if (pos_ > 0 && pos_ == in_.size()) {
        in_.clear();
        pos_ = 0;
    } else if (pos_ > 65536) {
        in_.erase(0, pos_);
        pos_ = 0;
    }
    setTimeouts(timeout);
    char buf[16384];
    for (;;) {
        long n;
        if (ssl_) {
            ERR_clear_error();
            n = SSL_read(ssl_, buf, sizeof buf);
            if (n <= 0) {
                int err = SSL_get_error(ssl_, static_cast<int>(n));
                if (err == SSL_ERROR_ZERO_RETURN) return Read::eof;
                if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return Read::timeout;
                if (err == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK)) return Read::timeout;
                if (err == SSL_ERROR_SYSCALL && errno == EINTR) continue;
                return n == 0 ? Read::eof : Read::error;
            }
        } else {
            n = ::recv(fd_, buf, sizeof buf, 0);
            if (n == 0) return Read::eof;
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) return Read::timeout;
                return Read::error;
            }
        }
        in_.append(buf, static_cast<std::size_t>(n));
        return Read::ok;
    }
}

void Connection::consume(std::size_t n) {
    pos_ += n;
    if (pos_ > in_.size()) pos_ = in_.size();
}

void Connection::discardPending() {
    in_.clear();
    pos_ = 0;
}

bool Connection::flush(std::chrono::milliseconds timeout) {
    setTimeouts(timeout);
    std::size_t off = 0;
    while (off < out_.size()) {
        long n;
        if (ssl_) {
            ERR_clear_error();
            n = SSL_write(ssl_, out_.data() + off, static_cast<int>(out_.size() - off));
            if (n <= 0) {
                out_.clear();
                return false;
            }
        } else {
            n = ::send(fd_, out_.data() + off, out_.size() - off, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                out_.clear();
                return false;
            }
        }
        off += static_cast<std::size_t>(n);
    }
    out_.clear();
    return true;
}

namespace {
std::string sslErrors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out.empty() ? "handshake failed" : out;
}
}  // namespace

bool Connection::beginTls(Poco::Net::Context::Ptr context, std::chrono::milliseconds timeout, std::string& error) {
    setTimeouts(timeout);
    in_.clear();  // RFC 3207 §6: discard anything pipelined before the handshake
    pos_ = 0;
    tls_context_ = context;
    ssl_ = SSL_new(context->sslContext());
    if (!ssl_ || SSL_set_fd(ssl_, fd_) != 1) {
        error = sslErrors();
        return false;
    }
    return true;
}

bool Connection::acceptTls(Poco::Net::Context::Ptr context, std::chrono::milliseconds timeout, std::string& error) {
    if (!beginTls(context, timeout, error)) return false;
    ERR_clear_error();
    if (SSL_accept(ssl_) != 1) {
        error = sslErrors();
        return false;
    }
    return true;
}

bool Connection::connectTls(Poco::Net::Context::Ptr context, const std::string& sni,
                            std::chrono::milliseconds timeout, std::string& error) {
    if (!beginTls(context, timeout, error)) return false;
    if (!sni.empty()) SSL_set_tlsext_host_name(ssl_, sni.c_str());
    ERR_clear_error();
    if (SSL_connect(ssl_) != 1) {
        error = sslErrors();
        return false;
    }
    return true;
}

std::string Connection::tlsVersion() const { return ssl_ ? SSL_get_version(ssl_) : ""; }

std::string Connection::tlsCipher() const {
    if (!ssl_) return "";
    const SSL_CIPHER* c = SSL_get_current_cipher(ssl_);
    return c ? SSL_CIPHER_get_name(c) : "";
}

int Connection::tlsBits() const {
    if (!ssl_) return 0;
    const SSL_CIPHER* c = SSL_get_current_cipher(ssl_);
    return c ? SSL_CIPHER_get_bits(c, nullptr) : 0;
}

void Connection::shutdown() {
    if (ssl_) SSL_shutdown(ssl_);
    try {
        socket_.shutdown();
    } catch (...) {
    }
}

}  // namespace moat::net
