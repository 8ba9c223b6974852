#include "firewall/set_listing.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "net/cidr.h"

namespace moat::firewall {

std::vector<SetMember> parseSetListing(std::string_view json) {
    std::vector<SetMember> out;
    try {
        Poco::JSON::Parser parser;
        auto root = parser.parse(std::string(json)).extract<Poco::JSON::Object::Ptr>();
        auto items = root ? root->getArray("nftables") : nullptr;
        for (std::size_t i = 0; items && i < items->size(); ++i) {
            auto item = items->getObject(static_cast<unsigned>(i));
            auto set = item ? item->getObject("set") : nullptr;
            auto elems = set ? set->getArray("elem") : nullptr;
            for (std::size_t j = 0; elems && j < elems->size(); ++j) {
                auto wrapper = elems->getObject(static_cast<unsigned>(j));
                auto elem = wrapper ? wrapper->getObject("elem") : nullptr;
                if (!elem || !elem->has("val") || !elem->get("val").isString() ||
                    !elem->has("expires"))
                    continue;
                auto ip = net::parseIp(elem->getValue<std::string>("val"));
                auto expires = elem->get("expires");
                if (!ip || !expires.isInteger() || expires.isBoolean()) continue;
                out.push_back({net::canonicalIp(*ip), expires.convert<Poco::Int64>()});
            }
        }
    } catch (const Poco::Exception&) {
        return {};
    } catch (const std::exception&) {
        return {};
    }
    return out;
}

}  // namespace moat::firewall
