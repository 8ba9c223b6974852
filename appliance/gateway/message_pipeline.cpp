#include "gateway/message_pipeline.h"

#include "archive/archive_dir.h"
#include "content/content_view.h"
#include "content/header_rewrite.h"
#include "content/header_summary.h"
#include "policy/content_filter.h"
#include "policy/policy_cache.h"
#include "queue/committer.h"
#include "queue/delivery_manager.h"
#include "scan/scan_client.h"
#include "scan/scan_request.h"
#include "store/store.h"
#include "util/log.h"

#include <Poco/Exception.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <sys/mman.h>
#include <unistd.h>

namespace moat::gateway {
namespace {

// What the classifier and rules see of a message (as spamc's max-size): the
// text is at the start; the rest is attachments, which moat-scand reads.
constexpr std::size_t kContentScanBytes = 4u << 20;

using policy::CheckResult;
using mail::Outcome;

constexpr std::optional<Outcome> kNotKept;
constexpr std::optional<Outcome> keptAs(Outcome o) { return o; }
// A content refusal is kept (as rejected) when it is permanent; a 4xx will be sent again.
std::optional<Outcome> refusedKeptAs(const mail::Reply& r) { return r.code >= 500 ? keptAs(Outcome::rejected) : kNotKept; }

std::string replyText(const mail::Reply& r) { return std::to_string(r.code) + " " + r.enhanced + " " + r.text; }

}  // namespace

MessagePipeline::MessagePipeline(GatewayServices& services, const smtp::Transaction& tx, TransactionRecord& record,
                                 const std::string& client_ip, bool relay_client)
    : services_(services), tx_(tx), record_(record), client_ip_(client_ip), relay_client_(relay_client) {}

bool MessagePipeline::begin(const std::string& queue_id, const std::string& received) {
    id_ = queue_id;
    received_ = received;
    writer_ = std::make_unique<queue::Spool::Writer>(services_.spool, id_);
    write_ok_ = writer_->write(received);
    return write_ok_;
}

bool MessagePipeline::data(std::string_view chunk) {
    if (write_ok_) write_ok_ = writer_->write(chunk);
    return write_ok_;
}

void MessagePipeline::archive(const std::string& spool_path, mail::Outcome outcome) {
    if (!services_.archive) return;
    if (!services_.policy_cache.current()->settings.boolean("archive.enabled")) return;
    std::uint64_t size = 0;
    if (!services_.archive->keep(spool_path, id_, size)) return;
    record_.archived = store::ArchivedMessage{id_, size, std::string(mail::name(outcome))};
}

MessagePipeline::Result MessagePipeline::refuse(const mail::Reply& reply, const std::string& check,
                                                std::optional<mail::Outcome> archive_as) {
    if (archive_as && write_ok_ && writer_->flush()) archive(writer_->path(), *archive_as);
    writer_->abort();
    record_.refused_by = check;
    return {reply, Ending{reply.code >= 500 ? mail::Outcome::rejected : mail::Outcome::tempfailed, replyText(reply),
                          "", size_}};
}

MessagePipeline::Result MessagePipeline::refusedByProtocol(const mail::Reply& reply,
                                                            const smtp::ReceivedMessage& message) {
    size_ = message.size;
    record_.headers = content::summarizeHeaders(message.head.text());
    return refuse(reply, "protocol");
}

MessagePipeline::Result MessagePipeline::received(const smtp::ReceivedMessage& message) {
    size_ = message.size;
    record_.headers = content::summarizeHeaders(message.head.text());
    // Once per message: the scan asks for a content view only when it will be scored.
    const auto thresholds = record_.training ? std::nullopt : contentThresholds();
    if (write_ok_ && services_.scanner) {
        const auto& scan_cfg = services_.config.scan;
        if (!scan_cfg.socket_configured && !std::filesystem::exists(scan_cfg.socket)) {
            record_.note("virus", CheckResult::skip,
                         "not scanned: moat-scand is not installed (no " + scan_cfg.socket + ")");
        } else if (auto refusal = scan(thresholds)) {
            bool permanent = refusal->code >= 500;
            std::string check = record_.virus || !permanent ? "virus" : "attachment";
            return refuse(*refusal, check, permanent ? keptAs(record_.virus ? Outcome::virus : Outcome::rejected) : kNotKept);
        }
    }
    if (record_.after_data) {
        auto reply = *record_.after_data;
        return refuse(reply, lastRefusingCheck(record_.checks, "score"), refusedKeptAs(reply));
    }
    if (!write_ok_) {
        bool full = writer_->lastErrno() == ENOSPC || writer_->lastErrno() == EDQUOT;
        return refuse(mail::reply(452, "4.3.1",
                                  full ? "Insufficient system storage, try again later"
                                       : "Temporary failure writing the queue, try again later"),
                      "queue");
    }
    if (record_.training) return learn();
    if (auto refusal = contentCheck(std::string(message.head.text()), thresholds))
        return refuse(*refusal, "content", refusedKeptAs(*refusal));
    return queue();
}

MessagePipeline::Result MessagePipeline::queue() {
    mail::Envelope env;
    env.id = id_;
    env.sender = tx_.sender.str();
    for (const auto& r : tx_.recipients) env.recipients.push_back(r.str());
    env.created = store::nowSeconds();
    env.client_ip = client_ip_;
    env.flags = (tx_.body_8bit ? mail::kBody8Bit : 0u) | (tx_.smtputf8 ? mail::kSmtpUtf8 : 0u);
    env.size = writer_->size();
    if (!writer_->commit())
        return refuse(mail::reply(451, "4.3.0", "Temporary failure writing the queue, try again later"), "queue");
    services_.delivery.reserve(id_);
    if (!services_.committer.enqueue(env)) {
        services_.delivery.release(id_);
        services_.spool.remove(id_);
        record_.refused_by = "queue";
        auto reply = mail::reply(451, "4.3.0", "Temporary failure in the queue store, try again later");
        return {reply, Ending{mail::Outcome::tempfailed, "451 4.3.0 queue store failure", "", env.size}};
    }
    // Linked before delivery can remove the spool name: the archive keeps what was delivered.
    archive(services_.spool.path(id_), record_.tagged ? Outcome::tagged : Outcome::accepted);
    services_.delivery.submit(env);
    for (auto& token : record_.tokens) token.spend();
    return {mail::reply(250, "2.0.0", "Ok: queued as " + id_), Ending{mail::Outcome::accepted, "", id_, env.size}};
}

// A message sent to spam@/ham@ of this gateway: learnt, never delivered.
MessagePipeline::Result MessagePipeline::learn() {
    std::string message = writer_->read(received_.size(), kContentScanBytes);
    writer_->abort();
    bool spam = *record_.training;
    std::string what;
    try {
        what = services_.content.learnForwarded(message, spam);
    } catch (const Poco::Exception& e) {
        log::warning("smtpd: [" + client_ip_ + "] cannot learn: " + e.displayText());
        return {mail::reply(451, "4.3.0", "Temporary failure in the Bayes store, try again later"),
                Ending{mail::Outcome::tempfailed, "451 4.3.0 Bayes store failure", "", message.size()}};
    }
    record_.note("training", spam ? CheckResult::spam : CheckResult::ham, what);
    return {mail::reply(250, "2.0.0", "Ok: " + what), Ending{mail::Outcome::learnt, what, "", message.size()}};
}

std::optional<policy::ContentThresholds> MessagePipeline::contentThresholds() const {
    if (relay_client_) return std::nullopt;  // outbound mail from our own users is not scored
    if (std::all_of(tx_.recipients.begin(), tx_.recipients.end(),
                    [&](const mail::Address& r) { return record_.content_exempt.count(r.str()) > 0; }))
        return std::nullopt;  // allow-listed for every recipient: never tagged or rejected
    auto snapshot = services_.policy_cache.current();
    std::vector<std::string> domains;
    for (const auto& r : tx_.recipients)
        if (!r.domain_literal && snapshot->domain(r.domain) && !record_.content_exempt.count(r.str()))
            domains.push_back(r.domain);
    return policy::strictestThresholds(snapshot->settings, domains);
}

std::optional<mail::Reply> MessagePipeline::contentCheck(
    const std::string& header_section, const std::optional<policy::ContentThresholds>& limits) {
    if (!limits) return std::nullopt;
    content::HeaderRewrite rewrite;  // none: forged score fields go all the same
    if (limits->enabled) {
        auto snapshot = services_.policy_cache.current();
        auto zones = policy::withSettingZones(snapshot->zones, snapshot->settings);
        // Decoded once: by the scan worker when it sent its view, else here
        // (no scanner, or a view that was too large or malformed).
        log::debug("smtpd: " + id_ + ": scoring " +
                   (view_ ? "moat-scand's decode of the message" : "the message decoded here"));
        auto decision = view_ ? services_.content.decide(view_->message, view_->raw_gtube, *limits,
                                                         record_.smtp_score, zones)
                              : services_.content.decide(writer_->read(received_.size(), kContentScanBytes),
                                                         *limits, record_.smtp_score, zones);
        record_.checks.insert(record_.checks.end(), decision.records.begin(), decision.records.end());
        record_.content_score = decision.score.total();
        record_.tagged = !decision.refusal && decision.verdict == content::ContentVerdict::tag;
        if (decision.refusal) return decision.refusal;
        rewrite = std::move(decision.rewrite);
    }
    // Only the header section changes: the body stays in the spool file as it is.
    std::string new_head = content::rewriteHeaders(header_section, rewrite);
    if (new_head == header_section) return std::nullopt;
    if (!writer_->replacePrefix(received_ + new_head, received_.size() + header_section.size()))
        return mail::reply(452, "4.3.1", "Temporary failure writing the queue, try again later");
    return std::nullopt;
}

std::optional<mail::Reply> MessagePipeline::scan(const std::optional<policy::ContentThresholds>& limits) {
    using Kind = scan::ScanResult::Kind;
    int fd = writer_->openForReading();
    scan::ScanResult result{Kind::error, "cannot reopen the spooled message"};
    if (fd >= 0) {
        // The scanner's own limit is scan.timeout; a little longer here lets its "timed out" answer arrive.
        auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(services_.config.scan.timeout) +
                       std::chrono::seconds(5);
        // The message the scorer will see is the worker's decode (a content
        // view in an anonymous file), when it is to be scored at all.
        int view = -1;
        bool scored = limits && limits->enabled;
        if (scored && received_.size() <= scan::kMaxViewSkip)
            view = ::memfd_create("moat-content-view", MFD_CLOEXEC);
        else if (!scored)
            log::debug("smtpd: " + id_ + ": no content view asked of moat-scand: the message is not scored");
        std::optional<scan::ScanClient::ViewFile> view_file;
        if (view >= 0) view_file = scan::ScanClient::ViewFile{view, received_.size()};
        result = services_.scanner->scan(fd, timeout, view_file);
        ::close(fd);
        if (view >= 0) {
            if (result.kind == Kind::clean) {
                view_ = content::readContentView(view);
                // Too large (kMaxContentViewBytes) or malformed: a worker is not trusted further than that.
                if (!view_) log::info("smtpd: " + id_ + ": no usable content view from moat-scand; decoding here");
            }
            ::close(view);
        }
    }
    switch (result.kind) {
        case Kind::clean:
            record_.note("virus", CheckResult::pass,
                         "no virus and no blocked attachment found" + (result.detail.empty() ? "" : "; " + result.detail));
            return std::nullopt;
        case Kind::virus:
            record_.virus = true;
            record_.note("virus", CheckResult::reject, "virus " + result.detail + " found");
            return mail::reply(554, "5.7.1", "Message rejected: virus " + result.detail + " found");
        case Kind::blocked:
            record_.note("attachment", CheckResult::reject, result.detail);
            return mail::reply(554, "5.7.1", "Message rejected: " + result.detail);
        case Kind::unavailable:
            if (services_.config.scan.no_signatures_accept) {
                record_.note("virus", CheckResult::skip, "not scanned: " + result.detail);
                return std::nullopt;
            }
            record_.note("virus", CheckResult::tempfail, result.detail);
            return mail::reply(451, "4.7.0", "Virus scanner not ready, try again later");
        case Kind::error:
            break;
    }
    log::warning("smtpd: virus scan failed: " + result.detail);
    record_.note("virus", CheckResult::tempfail, "scan failed: " + result.detail);
    return mail::reply(451, "4.7.0", "Virus scanner unavailable, try again later");
}

}  // namespace moat::gateway
