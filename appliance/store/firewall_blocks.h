// The firewall_blocks table: the sources moat-firewall has put in its
// blocked or tarpit set and until when, so that a restart (or a reboot,
// which empties the kernel's sets) restores each with its remaining time.
// One row per address; a new report for an address replaces its row.
#pragma once

#include <Poco/Data/Session.h>

#include <string>
#include <vector>

namespace moat::store {

struct FirewallBlock {
    std::string ip;      // canonical
    std::string set;     // blocked | tarpit
    std::string reason;  // printable, as reported
    std::string source;  // who reported it: smtpd, webui, moatctl, ...
    long long created = 0, until = 0;  // epoch seconds
};

void putFirewallBlock(Poco::Data::Session& session, const FirewallBlock& block);
bool deleteFirewallBlock(Poco::Data::Session& session, const std::string& ip);
// Rows whose until is after now, by until.
std::vector<FirewallBlock> activeFirewallBlocks(Poco::Data::Session& session, long long now);
// Removes rows that ended before now; returns how many.
int purgeFirewallBlocks(Poco::Data::Session& session, long long now);

}  // namespace moat::store
