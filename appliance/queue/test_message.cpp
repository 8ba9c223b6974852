#include "queue/test_message.h"

#include <Poco/Exception.h>
#include <Poco/Net/SocketAddress.h>

#include <random>

#include "mail/date.h"

namespace moat::queue {

namespace {

// Printable ASCII only, no quote or backslash: the text goes into the
// message's headers (a quoted display name among them) and body.
std::string plain(std::string_view text) {
    std::string out;
    for (char c : text) out += c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '?';
    return out;
}

}  // namespace

std::string testMessageText(const TestMessageRequest& r, long long now,
                            std::string_view message_id) {
    std::string m;
    m += "From: \"Moat gateway " + plain(r.helo_name) + "\" <" + plain(r.sender) + ">\r\n";
    m += "To: <" + plain(r.recipient) + ">\r\n";
    m += "Subject: Moat test message\r\n";
    m += "Date: " + mail::rfc5322Date(now) + "\r\n";
    m += "Message-ID: <" + plain(message_id) + ">\r\n";
    m += "Auto-Submitted: auto-generated\r\n";
    m += "MIME-Version: 1.0\r\n";
    m += "Content-Type: text/plain; charset=us-ascii\r\n";
    m += "\r\n";
    m += "This is a test message from the Moat gateway " + plain(r.helo_name) + ",\r\n";
    m += "sent from its console by " + plain(r.requested_by) + " to check that mail\r\n";
    m += "accepted by the gateway reaches this mail server. It needs no answer.\r\n";
    return m;
}

TestMessageResult sendTestMessage(const TestMessageRequest& request) {
    TestMessageResult result;
    // Not delivered: the outcome is the first step that went wrong, as the
    // backend answered it (or, code 0, why no answer came) — not the 4xx
    // stand-in the delivery code makes of it for the queue.
    auto notDelivered = [&] {
        for (const auto& step : result.steps)
            if ((step.reply.code == 0 || step.reply.code >= 400) && step.step != "STARTTLS" &&
                step.step != "TLS handshake") {  // delivery goes on without TLS
                result.outcome = step.reply;
                return result;
            }
        result.outcome = mail::Reply{0, "", "the backend did not take the message"};
        return result;
    };
    auto failed = [&](std::string step, std::string why) {
        result.steps.push_back({std::move(step), "", mail::Reply{0, "", why}});
        return notDelivered();
    };
    Poco::Net::SocketAddress address;
    try {
        address = Poco::Net::SocketAddress(request.host, request.port);
    } catch (const Poco::Exception& e) {
        return failed("resolve",
                      "cannot resolve the backend " + request.host + ": " + e.displayText());
    }
    ClientOptions options;
    options.helo_name = request.helo_name;
    options.connect_timeout = request.timeout;
    options.command_timeout = request.timeout;
    options.tls = request.tls;
    options.transcript = &result.steps;
    mail::Reply failure;
    auto client = SmtpClient::connect(address, request.host, options, failure);
    if (!client && failure.enhanced == "4.7.5") {
        // As delivery does (RFC 7435): a failed handshake falls back to plain text.
        options.tls = nullptr;
        client = SmtpClient::connect(address, request.host, options, failure);
    }
    if (!client) return notDelivered();
    result.address = address.toString();
    result.tls = client->secure();
    long long now = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    std::string id = "moat-test." + std::to_string(now) + "." + std::to_string(rng() % 1000000000) +
                     "@" + request.helo_name;
    auto sent =
        client->sendText(request.sender, {request.recipient}, testMessageText(request, now, id));
    result.delivered = !sent.recipients.empty() && sent.recipients.front().positive();
    if (sent.connection_usable) client->quit();
    if (!result.delivered) return notDelivered();
    result.outcome = sent.recipients.front();
    return result;
}

}  // namespace moat::queue
