#include "gateway/received_header.h"

#include "mail/client_text.h"
#include "mail/date.h"

#include <ctime>

namespace moat::gateway {

std::string receivedHeader(const smtp::Dialogue& dialogue, const smtp::Transaction& tx,
                           const std::string& client_name, const std::string& hostname, const std::string& queue_id) {
    std::string proto = tx.smtputf8 ? "UTF8SMTP" : (dialogue.esmtp ? "ESMTP" : "SMTP");
    if (dialogue.secure) proto += "S";
    std::string h = "Received: from " +
                    (dialogue.helo.empty() ? std::string("unknown") : mail::headerComment(dialogue.helo)) + " (" +
                    mail::headerComment(client_name) + " [" + dialogue.client_ip + "])\r\n\tby " + hostname +
                    " (Moat) with " + proto + " id " + queue_id;
    if (dialogue.secure) h += "\r\n\t(using " + dialogue.tls_summary + ")";
    if (tx.recipients.size() == 1) h += "\r\n\tfor " + mail::shownAddress(tx.recipients.front().str());
    h += "; " + mail::rfc5322Date(std::time(nullptr)) + "\r\n";
    return h;
}

}  // namespace moat::gateway
