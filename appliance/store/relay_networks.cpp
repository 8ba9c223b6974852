#include "store/relay_networks.h"

#include <Poco/Data/Statement.h>

#include <stdexcept>

#include "net/cidr.h"
#include "store/store.h"
#include "util/log.h"

using namespace Poco::Data::Keywords;

namespace moat::store {
namespace {

std::string canonical(std::string_view text) {
    auto cidr = net::Cidr::parse(text);
    if (!cidr)
        throw std::invalid_argument("invalid network '" + log::printable(text, 100) +
                                    "' (expected an address or address/prefix, e.g. 192.0.2.0/24)");
    return cidr->str();
}

}  // namespace

std::vector<RelayNetwork> listRelayNetworks(Poco::Data::Session& session) {
    std::vector<Poco::Int64> ids, created;
    std::vector<std::string> cidrs, notes;
    session << "SELECT id, cidr, note, created FROM relay_networks ORDER BY cidr", into(ids),
        into(cidrs), into(notes), into(created), now;
    std::vector<RelayNetwork> out(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) out[i] = {ids[i], cidrs[i], notes[i], created[i]};
    return out;
}

RelayNetwork addRelayNetwork(Poco::Data::Session& session, std::string_view cidr,
                             std::string_view note) {
    RelayNetwork r;
    r.cidr = canonical(cidr);
    if (note.size() > 200) throw std::invalid_argument("note longer than 200 characters");
    for (unsigned char c : note)
        if (c < 0x20 || c == 0x7f)
            throw std::invalid_argument("note must not contain control characters");
    r.note = note;
    r.created = nowSeconds();

    Poco::Int64 created = r.created;
    Poco::Data::Statement insert(session);
    insert << "INSERT INTO relay_networks (cidr, note, created) VALUES (?, ?, ?) ON CONFLICT "
              "(cidr) DO NOTHING",
        use(r.cidr), use(r.note), use(created);
    if (insert.execute() == 0)
        throw std::invalid_argument("relay network " + r.cidr + " already exists");
    Poco::Int64 id = 0;
    session << "SELECT id FROM relay_networks WHERE cidr = ?", use(r.cidr), into(id), now;
    r.id = id;
    return r;
}

bool removeRelayNetwork(Poco::Data::Session& session, std::string_view cidr) {
    std::string key = canonical(cidr);
    Poco::Data::Statement del(session);
    del << "DELETE FROM relay_networks WHERE cidr = ?", use(key);
    return del.execute() > 0;
}

}  // namespace moat::store
