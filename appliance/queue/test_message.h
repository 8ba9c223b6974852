// The console's message-path check (docs/console-api.md, "Domains"): one
// small test message from the gateway to a domain's backend, sent with the
// delivery code's SmtpClient — the same EHLO name and opportunistic TLS, but
// timeouts of a few seconds — keeping every step of the dialogue, so the
// administrator sees where the path breaks: connect, EHLO, MAIL, RCPT, DATA,
// end of data. Nothing is queued, retried or bounced; the caller waits.
#pragma once

#include <Poco/Net/Context.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mail/reply.h"
#include "queue/smtp_client.h"

namespace moat::queue {

struct TestMessageRequest {
    std::string host;  // the backend: a name or an address
    std::uint16_t port = 25;
    std::string helo_name;                    // the gateway's name ([smtp] hostname)
    std::string sender;                       // the envelope sender and From: postmaster@helo_name
    std::string recipient;                    // a checked mailbox of the domain
    std::string requested_by;                 // the administrator, named in the text
    Poco::Net::Context::Ptr tls;              // null: plain text only
    std::chrono::milliseconds timeout{5000};  // the connection, and each reply
};

struct TestMessageResult {
    std::vector<DialogueStep> steps;  // in order; reply texts are the backend's, unfiltered
    bool delivered = false;           // the backend took the message (2xx after the data)
    mail::Reply
        outcome;  // the reply to the message, else the first failed step's (code 0: none came)
    std::string address;  // the address connected to ("192.0.2.25:25"), "" if none
    bool tls = false;     // the message went over TLS
};

// The message: From, To, Subject, Date, Message-ID, Auto-Submitted and a
// few lines of text saying what it is; CRLF lines, ASCII.
std::string testMessageText(const TestMessageRequest& request, long long now,
                            std::string_view message_id);

TestMessageResult sendTestMessage(const TestMessageRequest& request);

}  // namespace moat::queue
