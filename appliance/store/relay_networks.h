// The relay networks: clients inside one of these may relay to any domain
// (Postfix's mynetworks). The cidr column holds net::Cidr::str(), so every
// network has one text form and remove() finds it however it was typed.
// Bad input throws std::invalid_argument; database failures throw Poco::Data
// exceptions. Changes fire the store's generation trigger.
#pragma once

#include <Poco/Data/Session.h>

#include <string>
#include <string_view>
#include <vector>

namespace moat::store {

struct RelayNetwork {
    long long id = 0;
    std::string cidr;  // canonical, e.g. "192.0.2.0/24"
    std::string note;
    long long created = 0;
};

std::vector<RelayNetwork> listRelayNetworks(Poco::Data::Session& session);  // ordered by cidr

// Validates and normalises `cidr` (host bits cleared); note is free text up
// to 200 bytes without control characters. Throws on a duplicate.
RelayNetwork addRelayNetwork(Poco::Data::Session& session, std::string_view cidr,
                             std::string_view note = {});

// False if the network was not listed; throws if `cidr` is not a network.
bool removeRelayNetwork(Poco::Data::Session& session, std::string_view cidr);

}  // namespace moat::store
