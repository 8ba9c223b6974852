#include "store/greylist_records.h"

#include <Poco/Data/Statement.h>

#include "store/write_transaction.h"

namespace moat::store {

using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;
using Poco::Data::Keywords::useRef;

std::vector<GreylistTriplet> recentGreylistTriplets(Poco::Data::Session& session,
                                                    std::int64_t limit) {
    Poco::Int64 n = limit;
    std::vector<std::string> nets, senders, rcpts;
    std::vector<Poco::Int64> first, last;
    std::vector<int> passed;
    session << "SELECT client_net, sender, recipient, first_seen, last_seen, passed"
               " FROM greylist ORDER BY last_seen DESC LIMIT ?",
        into(nets), into(senders), into(rcpts), into(first), into(last), into(passed), use(n), now;
    std::vector<GreylistTriplet> rows(nets.size());
    for (std::size_t i = 0; i < nets.size(); ++i)
        rows[i] = {
            std::move(nets[i]), std::move(senders[i]), std::move(rcpts[i]), first[i], last[i],
            passed[i] != 0};
    return rows;
}

std::vector<GreylistClient> recentGreylistClients(Poco::Data::Session& session,
                                                  std::int64_t limit) {
    Poco::Int64 n = limit;
    std::vector<std::string> nets;
    std::vector<Poco::Int64> passes, last;
    session << "SELECT client_net, passes, last_seen FROM greylist_clients"
               " ORDER BY last_seen DESC LIMIT ?",
        into(nets), into(passes), into(last), use(n), now;
    std::vector<GreylistClient> rows(nets.size());
    for (std::size_t i = 0; i < nets.size(); ++i)
        rows[i] = {std::move(nets[i]), passes[i], last[i]};
    return rows;
}

std::optional<GreylistTriplet> findGreylistTriplet(Poco::Data::Session& session,
                                                   const std::string& net,
                                                   const std::string& sender,
                                                   const std::string& recipient) {
    std::string n = net, from = sender, to = recipient;
    std::vector<Poco::Int64> first, last;
    std::vector<int> passed;
    session << "SELECT first_seen, last_seen, passed FROM greylist"
               " WHERE client_net = ? AND sender = ? AND recipient = ?",
        useRef(n), useRef(from), useRef(to), into(first), into(last), into(passed), now;
    if (first.empty()) return std::nullopt;
    return GreylistTriplet{net, sender, recipient, first[0], last[0], passed[0] != 0};
}

std::int64_t greylistClientPasses(Poco::Data::Session& session, const std::string& net) {
    std::string n = net;
    std::vector<Poco::Int64> passes;
    session << "SELECT passes FROM greylist_clients WHERE client_net = ?", useRef(n), into(passes),
        now;
    return passes.empty() ? 0 : passes[0];
}

void writeGreylist(Poco::Data::Session& session, const std::vector<GreylistTriplet>& triplets,
                   const std::vector<GreylistClient>& client_deltas) {
    WriteTransaction tx(session);
    std::string net, from, to;
    Poco::Int64 first = 0, last = 0, passes = 0;
    int passed = 0;
    if (!triplets.empty()) {
        Poco::Data::Statement upsert(session);
        upsert << "INSERT INTO greylist (client_net, sender, recipient, first_seen, last_seen,"
                  " passed) VALUES (?, ?, ?, ?, ?, ?)"
                  " ON CONFLICT (client_net, sender, recipient) DO UPDATE SET"
                  " first_seen = excluded.first_seen, last_seen = excluded.last_seen,"
                  " passed = excluded.passed",
            useRef(net), useRef(from), useRef(to), useRef(first), useRef(last), useRef(passed);
        for (const auto& t : triplets) {
            net = t.client_net;
            from = t.sender;
            to = t.recipient;
            first = t.first_seen;
            last = t.last_seen;
            passed = t.passed ? 1 : 0;
            upsert.execute();
        }
    }
    if (!client_deltas.empty()) {
        Poco::Data::Statement count(session);
        count << "INSERT INTO greylist_clients (client_net, passes, last_seen) VALUES (?, ?, ?)"
                 " ON CONFLICT (client_net) DO UPDATE SET"
                 " passes = passes + excluded.passes,"
                 " last_seen = max(last_seen, excluded.last_seen)",
            useRef(net), useRef(passes), useRef(last);
        for (const auto& c : client_deltas) {
            net = c.client_net;
            passes = c.passes;
            last = c.last_seen;
            count.execute();
        }
    }
    tx.commit();
}

std::size_t expireGreylist(Poco::Data::Session& session, std::int64_t pass_before,
                           std::int64_t unpassed_before) {
    Poco::Int64 pass = pass_before, unpassed = unpassed_before;
    Poco::Data::Statement triplets(session);
    triplets << "DELETE FROM greylist WHERE (passed = 1 AND last_seen < ?)"
                " OR (passed = 0 AND first_seen < ?)",
        use(pass), use(unpassed);
    std::size_t removed = triplets.execute();
    session << "DELETE FROM greylist_clients WHERE last_seen < ?", use(pass), now;
    return removed;
}

}  // namespace moat::store
