#include "queue/dsn.h"

#include "mail/date.h"

#include <ctime>
#include <fstream>
#include <random>

namespace moat::queue {
namespace {

std::string oneLine(const std::string& s) {
    std::string out;
    for (char c : s) out += (c == '\r' || c == '\n' || c == '\0') ? ' ' : c;
    return out;
}

// A reply as the server said it: code, enhanced code (when given) and text on one line.
std::string replyText(const mail::Reply& r) {
    return std::to_string(r.code) + " " + (r.enhanced.empty() ? "" : r.enhanced + " ") +
           oneLine(r.text);
}

std::string statusOf(const mail::Reply& r) {
    if (!r.enhanced.empty()) return r.enhanced;
    return r.code >= 500 ? "5.0.0" : "4.0.0";
}

}  // namespace

std::string readHeaders(const std::string& path, std::size_t max) {
    std::ifstream in(path, std::ios::binary);
    std::string out, line;
    while (out.size() < max && std::getline(in, line)) {
        if (line == "\r" || line.empty()) break;
        out += line;
        out += '\n';
    }
    // normalise to CRLF
    std::string crlf;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i] == '\n' && (i == 0 || out[i - 1] != '\r')) crlf += '\r';
        crlf += out[i];
    }
    return crlf;
}

std::string buildDsn(const std::string& reporting_mta, const mail::Envelope& original,
                     const std::vector<FailedRecipient>& failed,
                     const std::string& original_headers, long long now) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    std::string boundary =
        original.id + "." + std::to_string(rng() % 1000000000) + "/" + reporting_mta;
    std::string m;
    m += "From: Mail Delivery System <MAILER-DAEMON@" + reporting_mta + ">\r\n";
    m += "To: <" + original.sender + ">\r\n";
    m += "Subject: Undelivered Mail Returned to Sender\r\n";
    m += "Date: " + mail::rfc5322Date(now) + "\r\n";
    m += "Message-ID: <" + original.id + ".dsn." + std::to_string(now) + "@" + reporting_mta +
         ">\r\n";
    m += "Auto-Submitted: auto-replied\r\n";
    m += "MIME-Version: 1.0\r\n";
    m += "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"" +
         boundary + "\"\r\n";
    m += "\r\nThis is a MIME-encapsulated message.\r\n\r\n";

    m += "--" + boundary + "\r\n";
    m += "Content-Description: Notification\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
    m += "This is the mail system at host " + reporting_mta + ".\r\n\r\n";
    m += "I'm sorry to have to inform you that your message could not\r\n";
    m += "be delivered to one or more recipients. The reasons are below.\r\n\r\n";
    for (const auto& f : failed) {
        m += "<" + f.recipient + ">: ";
        if (!f.note.empty()) m += f.note + "; last error: ";
        m += f.remote_mta.empty() ? std::string() : "host " + f.remote_mta + " said: ";
        m += replyText(f.reply) + "\r\n";
    }
    m += "\r\n";

    m += "--" + boundary + "\r\n";
    m += "Content-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n";
    m += "Reporting-MTA: dns; " + reporting_mta + "\r\n";
    m += "X-Moat-Queue-ID: " + original.id + "\r\n";
    m += "Arrival-Date: " + mail::rfc5322Date(original.created) + "\r\n";
    for (const auto& f : failed) {
        m += "\r\nFinal-Recipient: rfc822; " + f.recipient + "\r\n";
        m += "Action: failed\r\n";
        m += "Status: " + (f.status.empty() ? statusOf(f.reply) : f.status) + "\r\n";
        if (!f.remote_mta.empty()) {
            m += "Remote-MTA: dns; " + f.remote_mta + "\r\n";
            m += "Diagnostic-Code: smtp; " + replyText(f.reply) + "\r\n";
        } else {
            m += "Diagnostic-Code: x-moat; " + (f.note.empty() ? "" : f.note + "; ") +
                 oneLine(f.reply.text) + "\r\n";
        }
    }
    m += "\r\n";

    m += "--" + boundary + "\r\n";
    m += "Content-Description: Undelivered Message Headers\r\nContent-Type: "
         "text/rfc822-headers\r\n\r\n";
    m += original_headers;
    m += "\r\n--" + boundary + "--\r\n";
    return m;
}

}  // namespace moat::queue
