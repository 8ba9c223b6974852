// POST /api/v1/domains/{id}/test-message: the message-path check of the
// setup wizard (docs/console-api.md, "Domains"). Administrators only; a
// cookie session needs its CSRF token like every POST. The gateway itself
// sends one small test message to the domain's backend (queue/test_message:
// the delivery code's SMTP client, timeouts of a few seconds) from
// postmaster@<[smtp] hostname> to {"to"} — a mailbox of that same domain,
// postmaster@<domain> when not given, so the check sends mail nowhere else —
// and answers each step with the backend's reply. The backend's texts are
// escaped here (printable ASCII, anything else as \xNN), never passed on raw.
#include <Poco/JSON/Array.h>

#include <algorithm>
#include <chrono>

#include "api/access.h"
#include "api/json_fields.h"
#include "api/routes.h"
#include "config/config.h"
#include "mail/address.h"
#include "net/tls.h"
#include "queue/test_message.h"
#include "store/domains.h"
#include "store/store.h"
#include "util/log.h"

namespace moat::api {
namespace {

constexpr std::chrono::milliseconds kTimeout{5000};
constexpr std::size_t kMaxLine = 512;  // of a reply line shown
constexpr std::size_t kMaxLines = 40;  // of a reply shown (EHLO's are long)

// A reply text as the console shows it: each line printable, at most
// kMaxLines of them.
std::string shown(std::string_view text) {
    std::string out;
    std::size_t lines = 0;
    while (lines < kMaxLines) {
        auto nl = text.find('\n');
        out += (lines++ ? "\n" : "") + log::printable(text.substr(0, nl), kMaxLine);
        if (nl == std::string_view::npos) return out;
        text.remove_prefix(nl + 1);
    }
    return out + "\n...";
}

Poco::JSON::Object::Ptr replyJson(const std::string& step, const std::string& sent,
                                  const mail::Reply& reply) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    if (!step.empty()) o->set("step", step);
    if (!step.empty()) o->set("sent", shown(sent));
    o->set("code", reply.code ? Poco::Dynamic::Var(reply.code) : Poco::Dynamic::Var());
    o->set("enhanced", shown(reply.enhanced));
    o->set("text", shown(reply.text));
    return o;
}

// The recipient: a mailbox of the domain (ASCII, no routing characters).
std::string recipientFor(const Poco::JSON::Object::Ptr& body, const store::Domain& domain) {
    auto text = optString(body, "to").value_or("");
    text.erase(0, text.find_first_not_of(" \t"));
    text.erase(text.find_last_not_of(" \t") + 1);
    if (text.empty()) return "postmaster@" + domain.name;
    auto address = text.size() <= 254 ? mail::parseMailbox(text, false) : std::nullopt;
    if (!address || address->null || address->domain_literal || address->localPartRoutes())
        throw web::HttpError(422, "'to' must be an e-mail address such as postmaster@" +
                                      domain.name + ", not '" + log::printable(text, 80) + "'");
    if (address->domain != domain.name)
        throw web::HttpError(422, "'to' must be an address of " + domain.name +
                                      ": the test message goes to this domain's backend only");
    return address->str();
}

web::Response testMessage(const web::Request& request, const web::Principal& principal,
                          web::ApiContext& ctx) {
    principal.requireAdmin();
    long long id = web::idParam(request);
    auto body = request.jsonBody();
    for (const auto& field : *body)
        if (field.first != "to")
            throw web::HttpError(422, "unknown field '" + log::printable(field.first, 64) + "'");
    auto session = ctx.store.connect();
    auto domain = store::findDomainById(session, id);
    if (!domain) throw web::HttpError(404, "not found");

    queue::TestMessageRequest send;
    send.host = domain->backend_host;
    send.port = domain->backend_port;
    send.helo_name = ctx.config.smtp.hostname;
    send.sender = "postmaster@" + ctx.config.smtp.hostname;
    send.recipient = recipientFor(body, *domain);
    send.requested_by = principal.name;
    send.timeout = kTimeout;
    if (ctx.config.queue.tls) send.tls = net::clientTlsContext();
    auto result = queue::sendTestMessage(send);

    std::string backend =
        (send.host.find(':') != std::string::npos ? "[" + send.host + "]" : send.host) + ":" +
        std::to_string(send.port);
    auditChange(session, principal, request, "domain.test_message", domain->name,
                "to " + send.recipient + " via " + backend + ": " +
                    (result.delivered ? "delivered" : "not delivered") + " (" +
                    (result.outcome.code ? std::to_string(result.outcome.code) + " " : "") +
                    log::printable(result.outcome.text, 120) + ")");

    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("domain", domain->name);
    o->set("backend", backend);
    o->set("address", result.address);
    o->set("from", send.sender);
    o->set("to", send.recipient);
    o->set("tls", result.tls);
    o->set("delivered", result.delivered);
    o->set("outcome", replyJson("", "", result.outcome));
    Poco::JSON::Array::Ptr steps = new Poco::JSON::Array;
    for (const auto& s : result.steps) steps->add(replyJson(s.step, s.sent, s.reply));
    o->set("steps", steps);
    return web::Response::json(200, o);
}

}  // namespace

void registerTestMessageApi(web::Router& router) {
    router.add("POST", "/api/v1/domains/{id}/test-message", testMessage);
}

}  // namespace moat::api
