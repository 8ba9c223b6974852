// Our Received: field (RFC 5321 §4.4, protocol names per RFC 3848), the
// first line of every spooled message: who connected (HELO, confirmed name,
// address), us, the protocol with TLS, the queue id, the recipient when there
// is exactly one, and the date. Client text is cleaned to fit the syntax.
#pragma once

#include "smtp/session_handler.h"

#include <string>

namespace moat::gateway {

std::string receivedHeader(const smtp::Dialogue& dialogue, const smtp::Transaction& tx,
                           const std::string& client_name, const std::string& hostname, const std::string& queue_id);

}  // namespace moat::gateway
