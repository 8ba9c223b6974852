#include "queue/smtp_client.h"

#include <Poco/Net/NetException.h>
#include <Poco/String.h>

#include <fcntl.h>
#include <unistd.h>

namespace moat::queue {

using mail::Reply;

Reply localFailure(int code, std::string_view enhanced, std::string_view text) {
    return Reply{code, std::string(enhanced), std::string(text)};
}

namespace {
// Splits "2.1.5 Ok" into its enhanced code and text when present.
void splitEnhanced(Reply& r, std::string_view first_line_text) {
    std::string_view t = first_line_text;
    auto sp = t.find(' ');
    std::string_view head = t.substr(0, sp);
    int dots = 0;
    bool digits = !head.empty();
    for (char c : head) {
        if (c == '.') ++dots;
        else if (c < '0' || c > '9') digits = false;
    }
    if (digits && dots == 2 && (head[0] == '2' || head[0] == '4' || head[0] == '5')) {
        r.enhanced = std::string(head);
        r.text = sp == std::string_view::npos ? "" : std::string(t.substr(sp + 1));
    } else {
        r.text = std::string(t);
    }
}
}  // namespace

bool SmtpClient::readReply(Reply& out) {
    out = Reply{};
    std::string why;
    auto read = [&] {
        std::string text;
        for (int lines = 0; lines < 100;) {
            auto pending = conn_->pending();
            auto nl = pending.find('\n');
            if (nl == std::string_view::npos) {
                if (pending.size() > 8192) {
                    why = "a reply line longer than 8192 bytes";
                    return false;
                }
                auto got = conn_->fill(options_.command_timeout);
                if (got == net::Connection::Read::ok) continue;
                why = got == net::Connection::Read::timeout
                          ? "no reply within " + std::to_string(options_.command_timeout.count()) +
                                " ms"
                      : got == net::Connection::Read::eof ? "the connection was closed"
                                                          : "the connection failed";
                return false;
            }
            std::string line(pending.substr(0, nl));
            conn_->consume(nl + 1);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            ++lines;
            if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
                !std::isdigit(static_cast<unsigned char>(line[1])) ||
                !std::isdigit(static_cast<unsigned char>(line[2]))) {
                why = "an answer that is not an SMTP reply";
                return false;
            }
            int code = std::stoi(line.substr(0, 3));
            bool more = line.size() > 3 && line[3] == '-';
            std::string rest = line.size() > 4 ? line.substr(4) : "";
            if (lines == 1) {
                out.code = code;
                Reply tmp;
                splitEnhanced(tmp, rest);
                out.enhanced = tmp.enhanced;
                text = tmp.text;
            } else {
                text += "\n" + rest;
            }
            if (!more) {
                out.text = text;
                return true;
            }
        }
        why = "a reply of more than 100 lines";
        return false;
    };
    bool ok = read();
    if (options_.transcript) {
        std::pair<std::string, std::string> awaited{"reply", ""};
        if (!awaited_.empty()) {
            awaited = std::move(awaited_.front());
            awaited_.pop_front();
        }
        options_.transcript->push_back(
            {std::move(awaited.first), std::move(awaited.second), ok ? out : Reply{0, "", why}});
        if (!ok) abandonAwaited("no answer: the connection failed before");
    }
    return ok;
}

void SmtpClient::expect(std::string step, std::string sent) {
    if (options_.transcript) awaited_.emplace_back(std::move(step), std::move(sent));
}

void SmtpClient::abandonAwaited(const std::string& why) {
    if (!options_.transcript) return;
    for (auto& [step, sent] : awaited_)
        options_.transcript->push_back({std::move(step), std::move(sent), Reply{0, "", why}});
    awaited_.clear();
}

void SmtpClient::writeCommand(const std::string& line) {
    conn_->write(line + "\r\n");
    if (!options_.transcript) return;
    auto verb = line.substr(0, line.find_first_of(" :"));
    expect(Poco::toUpper(verb), line);
}

bool SmtpClient::command(const std::string& line, Reply& out) {
    writeCommand(line);
    if (!conn_->flush(options_.command_timeout)) {
        abandonAwaited("not sent: the connection failed or timed out");
        return false;
    }
    return readReply(out);
}

bool SmtpClient::ehlo(Reply& out) {
    if (!command("EHLO " + options_.helo_name, out)) return false;
    pipelining_ = size_ = eightbit_ = smtputf8_ = starttls_ = false;
    if (out.code == 250) {
        std::string_view rest = out.text;
        while (!rest.empty()) {
            auto nl = rest.find('\n');
            std::string kw = Poco::toUpper(std::string(rest.substr(0, nl)));
            rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
            std::string word = kw.substr(0, kw.find(' '));
            if (word == "PIPELINING") pipelining_ = true;
            else if (word == "SIZE") size_ = true;
            else if (word == "8BITMIME") eightbit_ = true;
            else if (word == "SMTPUTF8") smtputf8_ = true;
            else if (word == "STARTTLS") starttls_ = true;
        }
        return true;
    }
    return command("HELO " + options_.helo_name, out);
}

std::unique_ptr<SmtpClient> SmtpClient::connect(const Poco::Net::SocketAddress& address, const std::string& sni,
                                                const ClientOptions& options, Reply& failure) {
    Poco::Net::StreamSocket socket;
    try {
        socket.connect(address, Poco::Timespan(options.connect_timeout.count() * 1000));
    } catch (const Poco::Exception& e) {
        failure = localFailure(451, "4.4.1", "connect to " + address.toString() + " failed: " + e.displayText());
        if (options.transcript)
            options.transcript->push_back({"connect", "", Reply{0, "", failure.text}});
        return nullptr;
    }
    auto conn = std::make_unique<net::Connection>(std::move(socket));
    std::unique_ptr<SmtpClient> client(new SmtpClient(std::move(conn), address, options));
    client->expect("connect", "");
    Reply r;
    if (!client->readReply(r)) {
        failure = localFailure(451, "4.4.2", "lost connection with " + address.toString() + " while reading greeting");
        return nullptr;
    }
    if (r.code != 220) {
        failure = r;
        if (failure.code >= 500) failure.code = 451;  // a refusing host: try another or later
        failure.text = "host " + address.toString() + " refused to talk to me: " + r.text;
        return nullptr;
    }
    if (!client->ehlo(r) || r.code != 250) {
        failure = localFailure(451, "4.4.2", "EHLO/HELO failed at " + address.toString());
        return nullptr;
    }
    if (client->starttls_ && options.tls) {
        if (client->command("STARTTLS", r) && r.code == 220) {
            std::string error;
            if (!client->conn_->connectTls(options.tls, sni, options.command_timeout, error) || !client->ehlo(r) ||
                r.code != 250) {
                failure = localFailure(451, "4.7.5", "TLS handshake with " + address.toString() + " failed: " + error);
                if (options.transcript && !error.empty())
                    options.transcript->push_back(
                        {"TLS handshake", "", Reply{0, "", failure.text}});
                return nullptr;
            }
        }
    }
    return client;
}

bool SmtpClient::sendBody(const BodySource& source) {
    std::string chunk, out;
    bool line_start = true;
    char last = '\n';
    for (;;) {
        chunk.clear();
        if (!source(chunk)) return false;
        if (chunk.empty()) break;
        out.clear();
        out.reserve(chunk.size() + 1024);
        for (char c : chunk) {
            if (line_start && c == '.') out += '.';  // dot-stuffing, RFC 5321 §4.5.2
            out += c;
            line_start = c == '\n';
            last = c;
        }
        conn_->write(out);
        if (!conn_->flush(options_.command_timeout)) return false;
    }
    conn_->write(last == '\n' ? ".\r\n" : "\r\n.\r\n");
    expect("end of data", ".");
    return conn_->flush(options_.command_timeout);
}

TransactionResult SmtpClient::send(const std::string& sender, const std::vector<std::string>& recipients,
                                   const std::string& body_path, std::uint64_t size, bool body_8bit,
                                   bool smtputf8) {
    int fd = -1;
    auto body = [&](std::string& chunk) {
        if (fd < 0) fd = ::open(body_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return false;
        char buf[65536];
        for (;;) {
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n >= 0) {
                chunk.assign(buf, static_cast<std::size_t>(n));
                return true;
            }
            if (errno != EINTR) return false;
        }
    };
    auto result = transact(sender, recipients, size, body_8bit, smtputf8, body);
    if (fd >= 0) ::close(fd);
    return result;
}

TransactionResult SmtpClient::sendText(const std::string& sender,
                                       const std::vector<std::string>& recipients,
                                       std::string_view message) {
    bool sent = false;
    auto body = [&](std::string& chunk) {
        if (!sent) chunk.assign(message);
        sent = true;
        return true;
    };
    bool eight_bit = false;
    for (unsigned char c : message) eight_bit = eight_bit || c >= 0x80;
    return transact(sender, recipients, message.size(), eight_bit, false, body);
}

TransactionResult SmtpClient::transact(const std::string& sender,
                                       const std::vector<std::string>& recipients,
                                       std::uint64_t size, bool body_8bit, bool smtputf8,
                                       const BodySource& body) {
    TransactionResult result;
    ++transactions_;
    auto lost = [&](std::string_view what) {
        abandonAwaited("no answer: the connection failed " + std::string(what));
        Reply r = localFailure(451, "4.4.2", "lost connection with " + address_.toString() + " " + std::string(what));
        if (result.mail.code == 0 || result.mail.positive()) {
            if (result.mail.code == 0) result.mail = r;
        }
        result.recipients.resize(recipients.size(), r);
        for (auto& rr : result.recipients)
            if (rr.code == 0 || rr.positive()) rr = r;
        result.connection_usable = false;
        return result;
    };
    if (smtputf8 && !smtputf8_) {
        Reply r = localFailure(553, "5.6.7", "the next hop does not support SMTPUTF8, which this message requires");
        result.mail = r;
        result.recipients.assign(recipients.size(), r);
        result.connection_usable = true;
        return result;
    }
    std::string mail = "MAIL FROM:<" + sender + ">";
    if (size_) mail += " SIZE=" + std::to_string(size);
    if (body_8bit && eightbit_) mail += " BODY=8BITMIME";
    if (smtputf8) mail += " SMTPUTF8";

    result.recipients.resize(recipients.size());
    if (pipelining_) {
        writeCommand(mail);
        for (const auto& r : recipients) writeCommand("RCPT TO:<" + r + ">");
        writeCommand("DATA");
        if (!conn_->flush(options_.command_timeout)) return lost("while sending MAIL FROM");
        if (!readReply(result.mail)) return lost("after MAIL FROM");
        for (auto& r : result.recipients)
            if (!readReply(r)) return lost("after RCPT TO");
    } else {
        if (!command(mail, result.mail)) return lost("after MAIL FROM");
        if (result.mail.positive())
            for (std::size_t i = 0; i < recipients.size(); ++i)
                if (!command("RCPT TO:<" + recipients[i] + ">", result.recipients[i])) return lost("after RCPT TO");
    }
    bool any_rcpt = false;
    if (!result.mail.positive()) {
        for (auto& r : result.recipients) r = result.mail;
    } else {
        for (auto& r : result.recipients) any_rcpt |= r.positive();
    }
    Reply data;
    if (pipelining_) {
        if (!readReply(data)) return lost("after DATA");
    } else if (any_rcpt) {
        if (!command("DATA", data)) return lost("after DATA");
    }
    if (!any_rcpt || data.code != 354) {
        if (any_rcpt) {  // DATA refused: every accepted recipient takes that reply
            for (auto& r : result.recipients)
                if (r.positive()) r = data.code ? data : localFailure(451, "4.4.2", "DATA refused");
        }
        Reply rset;
        result.connection_usable = command("RSET", rset) && rset.code == 250;
        return result;
    }
    if (!sendBody(body)) return lost("while sending message body");
    Reply final;
    if (!readReply(final)) return lost("after end of data");
    for (auto& r : result.recipients)
        if (r.positive()) r = final;
    result.connection_usable = true;
    return result;
}

TransactionResult SmtpClient::probe(const std::string& sender, const std::string& recipient, bool smtputf8) {
    TransactionResult result;
    result.recipients.resize(1);
    Reply lost = localFailure(451, "4.4.2", "lost connection with " + address_.toString());
    if (smtputf8 && !smtputf8_) {
        result.mail = localFailure(451, "4.6.7", "the next hop does not support SMTPUTF8");
        result.recipients[0] = result.mail;
        return result;
    }
    if (!command("MAIL FROM:<" + sender + ">" + (smtputf8 ? " SMTPUTF8" : ""), result.mail)) {
        result.mail = result.recipients[0] = lost;
        return result;
    }
    if (!result.mail.positive()) {
        result.recipients[0] = result.mail;
        result.connection_usable = true;
        return result;
    }
    if (!command("RCPT TO:<" + recipient + ">", result.recipients[0])) {
        result.recipients[0] = lost;
        return result;
    }
    result.connection_usable = true;
    return result;
}

void SmtpClient::quit() {
    Reply r;
    writeCommand("QUIT");
    if (conn_->flush(std::chrono::milliseconds(2000))) readReply(r);
    conn_->shutdown();
}

}  // namespace moat::queue
